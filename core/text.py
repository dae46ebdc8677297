"""The text policy for one-line fields: titles, names, organisations, job titles, references and
document names.

A one-line value is what a reader sees on one line of a page, an email subject or ONS's instructions,
so it may hold only characters that show: no control characters (CR, LF, tab, NUL ...), no line or
paragraph separators, no bidirectional controls (U+202E "right-to-left override" makes
``\u202etxt.exe`` show as ``exe.txt``), no zero-width or other invisible format characters (U+200B
makes two titles that look the same differ), and no blank look-alikes (U+3164 HANGUL FILLER, U+2800
BRAILLE PATTERN BLANK) that pass for letters. Text is NFC-normalised and runs of spaces collapse to one.

- Where a person typed the value (a form, a service called by a view), ``one_line_validate`` refuses it
  with a message that names the character, so nothing is silently changed behind their back.
- Where the system writes it (an uploaded file's name, an email subject, a value copied into a
  snapshot), ``one_line_clean`` strips what the policy forbids.

``OneLineCharField`` (model) and ``OneLineFormField`` (form) apply the policy wherever such a field is
declared, so every ModelForm and every ``full_clean()`` in a service goes through the same function.
"""

import unicodedata

import regex
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .errors import domain_error_from

#: Unicode categories that never belong on one line: control (Cc), format (Cf: bidi controls,
#: zero-width characters, soft hyphen, tags), surrogate (Cs), private use (Co), unassigned (Cn),
#: line and paragraph separators (Zl, Zp).
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

#: Letters that render as nothing: each passes for a space or for no character at all.
BLANK_LOOKALIKES = frozenset(
    {
        "\u115f",  # HANGUL CHOSEONG FILLER
        "\u1160",  # HANGUL JUNGSEONG FILLER
        "\u2800",  # BRAILLE PATTERN BLANK
        "\u3164",  # HANGUL FILLER
        "\uffa0",  # HALFWIDTH HANGUL FILLER
    }
)

#: Characters that end a line (named "a line break" in the refusal).
LINE_BREAKS = "\r\n\x85\u2028\u2029"
#: Forbidden characters that separate words: cleaning turns them into a space rather than dropping them.
WORD_SEPARATORS = LINE_BREAKS + "\t\x0b\x0c"

_SPACE_RUN = regex.compile(r"\p{Zs}+")  # every Unicode space (no-break, em, ideographic ...)


def one_line_forbidden(character: str) -> bool:
    """Whether the policy forbids this character in a one-line value."""
    return character in BLANK_LOOKALIKES or unicodedata.category(character) in FORBIDDEN_CATEGORIES


def _describe(character: str) -> str:
    if character in LINE_BREAKS:
        return "a line break"
    if character == "\t":
        return "a tab"
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"an invisible or control character ({code} {name})".replace(" )", ")")


def one_line_normalise(value: str) -> str:
    """NFC, with every run of whitespace (including no-break and other Unicode spaces) as one space
    and none at either end. Leaves forbidden characters in place for the validator to name."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip(" ")


def one_line_validate(value: str) -> None:
    """Refuse a value that holds any character the policy forbids, naming the first one."""
    for position, character in enumerate(value, start=1):
        if one_line_forbidden(character):
            raise ValidationError(
                "This must be one line of visible text; it contains %(what)s at character %(position)d. "
                "Retype it without that character.",
                code="one_line",
                params={"what": _describe(character), "position": position},
            )


def one_line_clean(value: str) -> str:
    """The value as the policy allows it: forbidden characters removed (a line break or tab becomes a
    space), NFC, spaces collapsed. For values the system writes, never for what a person typed."""
    if value is None or value == "":
        return ""
    value = str(value)
    if value.isascii() and value.isprintable():  # nothing to remove: only spaces to collapse
        return " ".join(value.split())
    value = unicodedata.normalize("NFC", value)
    kept = []
    for character in value:
        if character in WORD_SEPARATORS:
            kept.append(" ")
        elif not one_line_forbidden(character):
            kept.append(character)
    return one_line_normalise("".join(kept))


def one_line_escaped(value) -> str:
    """``value`` with every character the policy forbids shown as a visible escape (CR as
    ``\\u000d``), NFC, for text a person reads where an oddity must be seen rather than acted on or
    silently dropped (the ONS email shows each value this way beside the JSON that is the authority)."""
    text = "" if value is None else unicodedata.normalize("NFC", str(value))
    return "".join(f"\\u{ord(c):04x}" if one_line_forbidden(c) else c for c in text)


def email_canonical(value: str | None) -> str:
    """An email address as the portal keeps and compares it: trimmed and lower-cased, so that every
    spelling of one address (``" Ann@Example.ORG"``) signs in, locks out, is rate limited, registers
    and is invited as one."""
    return (value or "").strip().lower()


def one_line_checked(value: str, *, field: str) -> str:
    """For a service given a value a person typed: the normalised value, or a DomainError naming
    the field when the policy refuses it (so a caller that skipped the form is held to it too)."""
    value = one_line_normalise(value or "")
    try:
        one_line_validate(value)
    except ValidationError as exc:
        raise domain_error_from(exc, field=field, code="one_line") from exc
    return value


class OneLineFormField(forms.CharField):
    """A form field for one line of text under the policy (NFC, spaces collapsed, nothing invisible)."""

    default_validators = [one_line_validate]

    def to_python(self, value):
        value = super().to_python(value)
        return one_line_normalise(value) if value else value


class OneLineCharField(models.CharField):
    """A CharField under the one-line text policy: ``full_clean()`` normalises and validates it, and its
    form field is ``OneLineFormField``."""

    default_validators = [one_line_validate]

    def to_python(self, value):
        value = super().to_python(value)
        return one_line_normalise(value) if isinstance(value, str) and value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OneLineFormField, **kwargs})
