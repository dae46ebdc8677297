"""The participants' rule kept in force after approval: when a deposit's conditions change (a held
change to its use conditions approved, the deposit suspended or withdrawn), every live grant using
it is screened again, each in its own transaction, and a grant that now breaks a condition is
suspended, the team and staff told why, and ``signals.grant_suspended`` announced (ONS is told).
Safe to run any number of times, from any number of workers: a grant is suspended once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from core.errors import DomainError
from core.links import absolute_url
from core.services import email_queue

from .enums import GrantStatus
from .grant_selectors import grant_screening_reasons, grants_live_using
from .grant_services import grant_transition
from .models import Application, Grant
from .selectors import application_team_emails
from .services import application_lock
from .signals import grant_suspended

logger = logging.getLogger(__name__)

#: The longest reason kept on the grant (the audit event keeps every reason).
STATUS_REASON_MAX_CHARS = 4000


@transaction.atomic
def grant_rescreen(*, grant_id: int, cause: str) -> Grant | None:
    """Screen one grant again, under the application's and the grant's row locks (as every change
    to a grant takes them, in that order). Suspends a live grant that now breaks a condition and
    returns it; None when it is not live any more or still keeps every condition."""
    application_id = Grant.objects.filter(pk=grant_id).values_list("application_id", flat=True).first()
    if application_id is None:
        return None
    application = application_lock(application=Application(pk=application_id))
    grant = Grant.objects.select_for_update().get(pk=grant_id)
    if grant.status != GrantStatus.LIVE:
        return None
    grant.application = application
    reasons = grant_screening_reasons(grant=grant)
    if not reasons:
        return None
    grant.status_reason = " ".join(reasons)[:STATUS_REASON_MAX_CHARS]
    grant.save(update_fields=["status_reason", "updated_at"])
    grant_transition(
        grant=grant, to=GrantStatus.SUSPENDED, actor=None, data={"cause": cause, "reasons": reasons}
    )
    email_queue(
        to=[*application_team_emails(application=application), settings.STAFF_ALERT_EMAIL],
        template="applications/grant_suspended",
        context={
            "application": application,
            "grant": grant,
            "reasons": reasons,
            "url": absolute_url("applications:detail", pk=application.pk),
        },
    )
    grant_suspended.send(sender=Grant, grant=grant, reasons=reasons)
    return grant


def _rescreen_each(grant_ids, *, cause: str) -> list[Grant]:
    """``grant_rescreen`` for each id, one transaction each, so one that cannot be suspended now
    (ONS cannot be told) neither holds up nor rolls back the others; the hourly sweep takes it up."""
    suspended = []
    for grant_id in grant_ids:
        try:
            grant = grant_rescreen(grant_id=grant_id, cause=cause)
        except DomainError as exc:
            logger.error("grant %s not re-screened: %s", grant_id, exc)
            continue
        if grant is not None:
            suspended.append(grant)
    return suspended


def grants_rescreen_for_deposit(*, deposit_id: int, cause: str) -> list[Grant]:
    """Screen again every live grant that uses the deposit."""
    return _rescreen_each(grants_live_using(deposit_id=deposit_id), cause=cause)


def grants_rescreen_all() -> list[Grant]:
    """The safety net (hourly, celery beat): every live grant screened again, in case a re-screen
    was lost with its task (the broker down when the change committed)."""
    live = Grant.objects.filter(status=GrantStatus.LIVE).order_by("pk").values_list("pk", flat=True)
    return _rescreen_each(list(live), cause="sweep")


def grants_rescreen_on_commit(*, deposit, cause: str) -> None:
    """Once the deposit's change commits, hand the re-screen to a worker (in process when tasks run
    eagerly). A broker error then is logged, not raised: the hourly sweep screens every grant."""
    from .tasks import grants_rescreen_for_deposit_task  # inline: tasks imports this module

    deposit_id = deposit.pk
    transaction.on_commit(lambda: grants_rescreen_for_deposit_task.delay(deposit_id, cause), robust=True)
