"""core.errors.domain_error_from: every service turns a ValidationError into a DomainError the same way."""

import pytest
from django.core.exceptions import ValidationError

from core.errors import domain_error_from


@pytest.mark.parametrize(
    ("error", "kwargs", "message", "field"),
    [
        (ValidationError({"title": ["Too long.", "Not allowed."]}), {}, "Too long. Not allowed.", "title"),
        (ValidationError({"__all__": ["Dates clash."]}), {}, "Dates clash.", None),
        (ValidationError({"url": ["Bad link."]}), {"field": "file"}, "Bad link.", "file"),
        (ValidationError("Not a PDF.", code="not_pdf"), {"field": "file"}, "Not a PDF.", "file"),
        (ValidationError(["One.", "Two."]), {}, "One. Two.", None),
    ],
)
def test_domain_error_from_keeps_the_first_failing_field_and_its_messages(error, kwargs, message, field):
    exc = domain_error_from(error, **kwargs)
    assert (exc.message, exc.field) == (message, field)


def test_domain_error_from_passes_the_code_on():
    assert domain_error_from(ValidationError("x"), code="one_line").code == "one_line"
