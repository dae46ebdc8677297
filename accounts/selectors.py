"""Reads about people and their sign-in security."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


@dataclass(frozen=True)
class TwoFactorStatus:
    enrolled: bool
    required: bool
    recovery_codes_left: int
    last_used_at: datetime | None


def two_factor_status(*, user: User) -> TwoFactorStatus:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    codes_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return TwoFactorStatus(
        enrolled=device is not None,
        required=user.needs_second_factor,
        recovery_codes_left=codes_left,
        last_used_at=device.last_used_at if device is not None else None,
    )


def user_list_for_password_reset(*, email: str) -> list[User]:
    """Every active account at this address, however it was typed. Django's reset form leaves out
    accounts without a usable password; here those are only invited people who have not chosen one
    yet, and a reset is how they get a new link when the invitation's has expired."""
    return [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True).order_by("pk")
        if user.email.casefold() == email.casefold()
    ]


def user_list_for_staff() -> QuerySet[User]:
    """Everyone, with whether they have two-factor sign-in, in one query."""
    return User.objects.annotate(
        has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    ).order_by("role", "full_name", "email")


def lockouts_current() -> QuerySet[AccessAttempt]:
    """Account-and-address pairs that django-axes is holding locked now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
