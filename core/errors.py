"""Errors raised by services. Views turn them into a form error or a message, never a 500."""


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


class InvalidTransition(DomainError):
    """The object is not in a state from which this change is allowed."""


class NotPermitted(DomainError):
    """The actor may see the object but may not make this change (views answer 403)."""
