"""Sign-in rules enforced for every request, so that no view has to remember them."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from core.services import audit_record

from .enums import AccountsAuditAction
from .security import (
    AUTHENTICATED_AT_KEY,
    SECOND_FACTOR_REQUIRED_KEY,
    has_confirmed_device,
    second_factor_required,
)

#: The only pages a user who has given a password but not yet a second factor may open.
HALF_SIGNED_IN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:reauthenticate",
        "healthz",
    }
)


def _next_query(request) -> str:
    if request.method != "GET":
        return ""
    return "?" + urlencode({"next": request.get_full_path()})


class SessionLifetimeMiddleware:
    """Panel and staff sessions end PRIVILEGED_SESSION_MAX_AGE after the password was entered, however
    active they are (the idle limit is SESSION_COOKIE_AGE, for everyone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.needs_second_factor:
            return None
        started = request.session.get(AUTHENTICATED_AT_KEY)
        max_age = settings.PRIVILEGED_SESSION_MAX_AGE.total_seconds()
        if isinstance(started, int) and time.time() - started <= max_age:
            return None
        audit_record(actor=user, action=AccountsAuditAction.SESSION_EXPIRED, target=user)
        logout(request)
        hours = round(max_age / 3600, 1)
        messages.info(
            request, f"For safety, panel and staff sessions end after {hours:g} hours. Please sign in again."
        )
        return redirect(reverse("accounts:login") + _next_query(request))


class TwoFactorMiddleware:
    """A user whose role needs a second factor (or a researcher who has enrolled one) opens no page
    but the sign-in, code, enrolment and sign-out pages until a code is given. Sits after
    django_otp's OTPMiddleware, which tells whether this session's second factor was verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not second_factor_required(request):
            return None
        if user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in HALF_SIGNED_IN_VIEWS:
            return None
        if has_confirmed_device(user):
            return redirect(reverse("accounts:two_factor_verify") + _next_query(request))
        if not user.needs_second_factor:
            # A researcher's app was removed (e.g. reset by staff): nothing left to ask for.
            request.session.pop(SECOND_FACTOR_REQUIRED_KEY, None)
            return None
        return redirect(reverse("accounts:two_factor_enrol") + _next_query(request))
