"""Form widgets every app shares.

A browser's ``<input type="date">`` takes and sends its value in ISO form (``2026-12-31``) whatever
the page's language; Django's ``DateInput`` renders a saved date in the active locale's format
(``31/12/2026`` in en-gb), which a browser shows as an empty field, so saving the form again erased
the date. These widgets always render ISO. Every date and date-time input of the portal uses them.
"""

from django import forms

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
