"""What the panel services share: row locks, links, the staff check, the automatic rejection's public
rationale, the reminder offsets, and writing a member's vote."""

from datetime import timedelta

from django.utils import timezone

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


def _vote_save(
    votes,
    *,
    key: dict,
    project_vote: str,
    researcher_fit: str,
    project_comment: str,
    researcher_fit_comment: str,
):
    """Write a member's vote (a ``Vote`` or a ``ChangeVote``: ``votes`` is its model; ``key`` names
    the member and what they vote on): cast it, or change the one they cast to these answers, the
    comments trimmed. Returns the vote and whether it was cast now. The caller holds the row lock,
    has checked its rules and writes the audit event."""
    now = timezone.now()
    answers = {
        "project_vote": project_vote,
        "project_comment": (project_comment or "").strip(),
        "researcher_fit": researcher_fit,
        "researcher_fit_comment": (researcher_fit_comment or "").strip(),
    }
    vote = votes.objects.filter(**key).first()
    if vote is None:
        return votes.objects.create(**key, cast_at=now, updated_at=now, **answers), True
    for name, value in answers.items():
        setattr(vote, name, value)
    vote.updated_at = now
    vote.save(update_fields=[*answers, "updated_at"])
    return vote, False
