"""What the panel services share: row locks, links, the staff check, the automatic rejection's public
rationale and the reminder offsets."""

from datetime import timedelta

from accounts.models import User
from applications.models import Application
from core.errors import NotPermitted
from core.links import absolute_url
from core.permissions import is_staff_member

from ..enums import (
    ReminderKind,
)

AUTOMATIC_PUBLIC_RATIONALE = "Rejected automatically: the request conflicts with the data's use conditions."

#: Reminders go this long before the deadline (and only once each).
REMINDER_OFFSETS = {ReminderKind.THREE_DAYS: timedelta(days=3), ReminderKind.ONE_DAY: timedelta(days=1)}


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("lead").get(pk=application.pk)


def _url(name: str, reference: str) -> str:
    return absolute_url(name, reference=reference)


def _require_staff(actor: User, what: str) -> None:
    if not is_staff_member(actor):
        raise NotPermitted(f"Only staff can {what}.")
