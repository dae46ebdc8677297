"""The POST forms a rendered page carries, read from its HTML (for the fuzz test): where each posts
to and its fields, with the value a person would leave in each."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

#: What a person would type into an empty field of each input type (so that a form can succeed and
#: store something, with the hostile values in the other fields).
PLAIN_VALUES = {
    "email": "fuzz@example.org",
    "date": "2030-01-31",
    "datetime-local": "2030-01-31T10:00",
    "number": "1",
    "url": "https://example.org/fuzz",
    "password": "Correct-Horse-Battery-9",
    "tel": "01234 567890",
}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea", "select"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    sent: list[str] = field(default_factory=list)  # what a browser sends if nobody touches the field

    def plain(self) -> list[str] | str | None:
        """A plausible value (None: leave the field out, as an unticked box)."""
        if self.kind in ("select", "radio"):
            chosen = [o for o in self.options if o] or self.options
            if self.multiple:
                return chosen[:1]
            return self.value or (chosen[0] if chosen else "")
        if self.kind == "checkbox":
            return self.options[0] if self.options else "on"
        if self.value:
            return self.value
        if self.kind in ("hidden", "submit"):
            return self.value
        return PLAIN_VALUES.get(self.kind, "Fuzz text")


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def target_name(self) -> str | None:
        try:
            match = resolve(urlsplit(self.action).path)
        except Resolver404:
            return None
        return match.view_name

    @property
    def has_file(self) -> bool:
        return any(f.kind == "file" for f in self.fields.values())

    def as_sent(self) -> dict[str, list[str]]:
        """The body a browser posts when the form is sent as rendered (ticked boxes, chosen options,
        the values shown; disabled fields left out)."""
        body = {}
        for f in self.fields.values():
            if f.kind == "select" and not f.multiple and not f.sent and f.options:
                body[f.name] = [f.options[0]]  # a browser sends the first option when none is chosen
            elif f.sent:
                body[f.name] = f.sent
        return body


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.current = Form(action=urljoin(self.page_path, a.get("action") or self.page_path))
            return
        if self.current is None or "name" not in a or a["name"] == "csrfmiddlewaretoken":
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        name = a["name"]
        disabled = "disabled" in a
        if tag == "input":
            kind = a.get("type", "text").lower()
            existing = self.current.fields.get(name)
            if kind in ("radio", "checkbox"):
                entry = existing or self.current.fields.setdefault(name, Field(name, kind))
                entry.options.append(a.get("value", "on"))
                if "checked" in a and kind == "radio":
                    entry.value = a.get("value", "on")
                entry.multiple = kind == "checkbox" and len(entry.options) > 1
                if "checked" in a and not disabled:
                    entry.sent.append(a.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                value = a.get("value", "")
                self.current.fields[name] = Field(name, kind, value, sent=[] if disabled else [value])
        elif tag == "textarea":
            self.textarea = self.current.fields[name] = Field(name, "textarea")
            self.textarea_disabled = disabled
        elif tag == "select":
            self.select = self.current.fields[name] = Field(name, "select", multiple="multiple" in a)
            self.select_disabled = disabled

    def _option(self, a):
        value = a.get("value", "")
        self.select.options.append(value)
        if "selected" in a:
            self.select.value = value
            if not self.select_disabled:
                self.select.sent.append(value)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.textarea is not None:
                # A browser drops the one newline Django renders after <textarea>, and keeps the rest.
                typed = self.textarea.value.removeprefix("\n")
                self.textarea.sent = [] if self.textarea_disabled else [typed]
                self.textarea.value = self.textarea.value.strip("\n")
            self.textarea = None


def post_forms(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


class _MarkupFinder(HTMLParser):
    """Finds markup that would run: a tag or event handler carrying ``mark``, script text with it, or
    a javascript: link. Attribute values and text are read decoded, so escaped input never counts."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self, mark: str):
        super().__init__(convert_charrefs=True)
        self.mark = mark
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.in_script = True
        for name, value in attrs:
            value = value or ""
            if name in self.URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if (name.startswith("on") or tag in ("script", "iframe", "svg", "img")) and self.mark in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if self.mark in name:
                self.found.append(f"<{tag} {name}>")
        if self.mark in tag:
            self.found.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and self.mark in data:
            self.found.append(f"<script>{data[:80]}")


def executable_markup(html: str, mark: str) -> list[str]:
    finder = _MarkupFinder(mark)
    finder.feed(html)
    finder.close()
    return finder.found
