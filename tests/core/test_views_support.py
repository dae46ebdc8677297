"""core.views_support: the one idiom that turns a service's refusal into a form error, a message
or a 403 (never a 500)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.generic import FormView

from core.errors import DomainError, NotPermitted
from core.views_support import DomainErrorFormMixin, domain_action


class _Form(forms.Form):
    name = forms.CharField()


def _post(data=None):
    request = RequestFactory().post("/x", data or {"name": "n"})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _view(raise_):
    class View(DomainErrorFormMixin, FormView):
        form_class = _Form

        def perform(self, form):
            if raise_:
                raise raise_
            return HttpResponse("done")

        def form_invalid(self, form):
            return HttpResponse(repr(form.errors.get_json_data()), status=200)

    return View.as_view()


def test_the_service_result_is_the_response():
    assert _view(None)(_post()).content == b"done"


@pytest.mark.parametrize(
    ("error", "expected"),
    [(DomainError("Too late.", field="name"), b"'name'"), (DomainError("Refused."), b"'__all__'")],
)
def test_a_refusal_is_a_form_error_on_its_field_or_above_the_form(error, expected):
    response = _view(error)(_post())
    assert response.status_code == 200
    assert expected in response.content
    assert str(error).encode() in response.content


def test_not_permitted_answers_403():
    with pytest.raises(PermissionDenied):
        _view(NotPermitted("No."))(_post())


def test_domain_action_turns_a_refusal_into_a_message_and_redirects():
    def refuse(**kwargs):
        raise DomainError("Not now.")

    request = _post()
    response = domain_action(request, refuse, success="Done.", redirect_to="/back")
    assert (response.status_code, response["Location"]) == (302, "/back")
    assert [m.message for m in get_messages(request)] == ["Not now."]


def test_domain_action_says_the_success_and_can_redirect_by_result():
    request = _post()
    response = domain_action(
        request, lambda **kw: kw["n"], n=7, success="Done.", redirect_to=lambda n: f"/{n}"
    )
    assert response["Location"] == "/7"
    assert [m.message for m in get_messages(request)] == ["Done."]
    with pytest.raises(PermissionDenied):
        domain_action(
            request, lambda: (_ for _ in ()).throw(NotPermitted("x")), success=None, redirect_to="/"
        )
