"""Form widgets every app shares.

``Select`` writes its options in Python: Django renders each ``<option>`` through a template of its
own, which cost a filter form with the archive's 1,000 deposits 200 ms a page (issue 19).

A browser's ``<input type="date">`` takes and sends its value in ISO form (``2026-12-31``) whatever
the page's language; Django's ``DateInput`` renders a saved date in the active locale's format
(``31/12/2026`` in en-gb), which a browser shows as an empty field, so saving the form again erased
the date. These widgets always render ISO. Every date and date-time input of the portal uses them.
"""

import html

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe

ISO_DATE_FORMAT = "%Y-%m-%d"
ISO_DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with its value in ISO form (``YYYY-MM-DD``)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE_FORMAT)


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with its value in ISO form (``YYYY-MM-DDTHH:MM``, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL_FORMAT)


class _FirstOnly(set):
    """A set of chosen values that answers 'in' truly once (a single select's one selected option)."""

    def __contains__(self, item):
        if set.__contains__(self, item):
            self.clear()
            return True
        return False


class Select(forms.Select):
    """Django's ``Select`` with the same markup (attributes, ``selected``, option groups), its
    options written with ``format_html`` instead of one template render each."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        if not self.allow_multiple_selected:
            chosen = _FirstOnly(chosen)  # as Django: a single select marks only its first match
        parts = [format_html('<select name="{}"', name), *self._attrs(final), ">"]
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # an option group: (group name, its choices)
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(self._option(v, lbl, chosen) for v, lbl in label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped)

    @staticmethod
    def _attrs(attrs: dict):
        """As django/forms/widgets/attrs.html writes them: in order, True as a bare name, False left out."""
        for key, value in attrs.items():
            if value is True:
                yield format_html(" {}", key)
            elif value is not False:
                yield format_html(' {}="{}"', key, value)

    @staticmethod
    def _option(value, label, chosen: set) -> str:
        # html.escape, as django.utils.html.escape does, without its lazy-string wrapper (a tenth of
        # the time per option); a label already marked safe is kept as it is (conditional_escape).
        text = "" if value is None else str(value)
        selected = " selected" if text in chosen else ""
        shown = label if isinstance(label, SafeData) else html.escape(str(label))
        return f'<option value="{html.escape(text)}"{selected}>{shown}</option>'
