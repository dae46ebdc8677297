"""The one way a view turns a service's refusal into what a person sees, never a 500: a
``DomainError`` becomes a form error on the field it names (or a message, for a button), a
``NotPermitted`` answers 403.

- ``with domain_errors_on(form): ...; return redirect(...)`` then the view's own "show the form
  again" line: a refusal inside the block lands on the form and the code after the block runs;
- a FormView mixes in ``DomainErrorFormMixin`` and writes ``perform(form)`` (the same, built in);
- a one-button POST view returns ``domain_action(...)``: the refusal, or the success, as a message,
  then a redirect.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import DomainError, NotPermitted, form_add_domain_error


@contextmanager
def domain_errors_on(form) -> Iterator[None]:
    """A service's ``DomainError`` raised in the block is added to ``form`` (and swallowed, so the
    view goes on to show the form again); ``NotPermitted`` answers 403."""
    try:
        yield
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form_add_domain_error(form, exc)


class DomainErrorFormMixin:
    """For a FormView whose valid form calls one service: ``form_valid`` calls ``perform(form)``
    and returns its response; the service's ``DomainError`` is shown on the form (status 200, the
    form re-rendered) and ``NotPermitted`` answers 403."""

    def perform(self, form) -> HttpResponse:
        raise NotImplementedError

    def form_valid(self, form):
        with domain_errors_on(form):
            return self.perform(form)
        return self.form_invalid(form)


def domain_action(request, service: Callable, *, success: str | None, redirect_to, **kwargs) -> HttpResponse:
    """A one-button POST: ``service(**kwargs)``; its ``DomainError`` becomes an error message (a
    ``NotPermitted`` answers 403), else ``success`` (if any) a success message; then redirect to
    ``redirect_to`` (a URL, a URL name, or a callable given the service's result)."""
    try:
        result = service(**kwargs)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        result = None
    else:
        if success:
            messages.success(request, success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
