"""Errors raised by services. Views turn them into a form error or a message, never a 500."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A rule of the portal refused the change. The message is shown to a person as it is."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return self.message


def form_add_domain_error(form, exc: DomainError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has that field,
    else above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def domain_error_from(
    exc: ValidationError, *, field: str | None = None, code: str | None = None
) -> DomainError:
    """A validator's or ``full_clean()``'s ValidationError as the DomainError a service raises: the
    messages of the first field that failed (on that field, unless ``field`` names another;
    ``__all__`` means above the form). Use as ``raise domain_error_from(exc) from exc``."""
    messages = exc.messages
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        if field is None and name != "__all__":
            field = name
    return DomainError(" ".join(messages), field=field, code=code)


class InvalidTransition(DomainError):
    """The object is not in a state from which this change is allowed."""


class NotPermitted(DomainError):
    """The actor may see the object but may not make this change (views answer 403)."""
