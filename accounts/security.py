"""What a session knows about how its user signed in: when the password was last entered, whether a
second factor is required, and whether it was given. One place for the session keys, so the
middleware, the views and the test fixtures agree."""

import time

from django.conf import settings
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

from core.text import email_canonical

#: Seconds since the epoch when the user signed in with a password (the absolute lifetime counts from it).
AUTHENTICATED_AT_KEY = "accounts.authenticated_at"
#: Seconds since the epoch when the user last entered their password (sign-in or re-authentication).
PASSWORD_CONFIRMED_AT_KEY = "accounts.password_confirmed_at"  # noqa: S105 (a session key name, not a secret)
#: Set at sign-in when a researcher has enrolled a second factor (panel and staff always need one).
SECOND_FACTOR_REQUIRED_KEY = "accounts.second_factor_required"

__all__ = [
    "AUTHENTICATED_AT_KEY",
    "DEVICE_ID_SESSION_KEY",
    "PASSWORD_CONFIRMED_AT_KEY",
    "SECOND_FACTOR_REQUIRED_KEY",
    "has_confirmed_device",
    "mark_password_confirmed",
    "password_recently_confirmed",
    "second_factor_required",
]


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account django-axes counts failures and locks against: the address as the portal
    compares it (``core.text.email_canonical``), whatever spelling was typed."""
    if credentials:
        typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        typed = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return None if typed is None else email_canonical(typed)


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def second_factor_required(request: HttpRequest) -> bool:
    """Panel members, chairs and staff always; researchers once they have enrolled."""
    user = request.user
    if not user.is_authenticated:
        return False
    return bool(user.needs_second_factor or request.session.get(SECOND_FACTOR_REQUIRED_KEY))


def mark_password_confirmed(request: HttpRequest) -> None:
    request.session[PASSWORD_CONFIRMED_AT_KEY] = int(time.time())


def password_recently_confirmed(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(PASSWORD_CONFIRMED_AT_KEY)
    if not isinstance(confirmed_at, int):
        return False
    return time.time() - confirmed_at <= settings.REAUTHENTICATION_MAX_AGE.total_seconds()
