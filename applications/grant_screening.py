"""The participants' rule, and the team's accreditation, kept in force after approval: when a
deposit's conditions change (a held change to its use conditions approved, the deposit suspended or
withdrawn), every live or suspended grant using it is screened again, each in its own transaction,
and hourly every grant is (which also finds accreditations that lapsed). A withdrawn deposit (while
another remains) and a co-applicant whose accreditation lapsed are taken off the grant: grant n+1
is issued and ``signals.grant_amended`` announced. A live grant that then still breaks a condition
(or whose lead's accreditation lapsed) is suspended, the team and staff told why, and
``signals.grant_suspended`` announced. ONS is told of both. Safe to run any number of times, from
any number of workers: each change happens once."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.links import absolute_url
from core.services import email_queue

from .enums import GrantStatus
from .grant_selectors import (
    GRANTS_SCREENED,
    grant_removals,
    grant_suspension_reasons,
    grants_live_using,
)
from .grant_services import grant_reissue, grant_removals_apply, grant_transition
from .models import Application, Grant
from .selectors import application_accepted_members, application_team_emails
from .services import application_lock
from .signals import grant_amended, grant_suspended

logger = logging.getLogger(__name__)

#: The longest reason kept on the grant (the audit event keeps every reason).
STATUS_REASON_MAX_CHARS = 4000


@transaction.atomic
def grant_rescreen(*, grant_id: int, cause: str, today: date | None = None) -> Grant | None:
    """Screen one grant again, under the application's and the grant's row locks (as every change
    to a grant takes them, in that order): take off it what the archive removes (``grant_removals``:
    grant n+1 is issued), then suspend a live grant that still has a reason (``grant_suspension_
    reasons``). Returns the grant in force when either happened; None when the grant is neither live
    nor suspended, or nothing changed."""
    application_id = Grant.objects.filter(pk=grant_id).values_list("application_id", flat=True).first()
    if application_id is None:
        return None
    application = application_lock(application=Application(pk=application_id))
    grant = Grant.objects.select_for_update().get(pk=grant_id)
    if grant.status not in GRANTS_SCREENED:
        return None
    grant.application = application
    today = today or timezone.localdate()
    changed = None
    # Read once for both checks; after a removal the new grant's are read again.
    deposits = list(grant.deposits.order_by("reference"))
    members = application_accepted_members(application=application)
    removals = grant_removals(grant=grant, today=today, deposits=deposits, members=members)
    if removals:
        grant = _grant_reduce(grant=grant, removals=removals)
        changed = grant
        deposits = members = None
    if grant.status == GrantStatus.LIVE:
        reasons = grant_suspension_reasons(grant=grant, today=today, deposits=deposits, members=members)
        if reasons:
            _grant_suspend(grant=grant, reasons=reasons, cause=cause)
            changed = grant
    return changed


def _grant_reduce(*, grant: Grant, removals) -> Grant:
    """Grant n+1 without the withdrawn deposits and the lapsed co-applicants; the team (and those
    removed, by ``grant_removals_apply``) and staff told; ONS told ``access.amended``."""
    application = grant.application
    deposits = grant_removals_apply(grant=grant, removals=removals, actor=None)
    reasons = removals.reasons
    new = grant_reissue(grant=grant, actor=None, issue_reason=" ".join(reasons), deposits=deposits)
    _tell_team_and_staff(
        application,
        template="applications/grant_amended_by_archive",
        context={"application": application, "grant": new, "previous": grant, "reasons": reasons},
    )
    grant_amended.send(sender=Grant, grant=new, previous=grant, reasons=reasons)
    return new


def _grant_suspend(*, grant: Grant, reasons: list[str], cause: str) -> None:
    application = grant.application
    grant.status_reason = " ".join(reasons)[:STATUS_REASON_MAX_CHARS]
    grant.save(update_fields=["status_reason", "updated_at"])
    grant_transition(
        grant=grant, to=GrantStatus.SUSPENDED, actor=None, data={"cause": cause, "reasons": reasons}
    )
    _tell_team_and_staff(
        application,
        template="applications/grant_suspended",
        context={"application": application, "grant": grant, "reasons": reasons},
    )
    grant_suspended.send(sender=Grant, grant=grant, reasons=reasons)


def _tell_team_and_staff(application: Application, *, template: str, context: dict) -> None:
    """One email to the team, linking their application page, and one to the staff mailbox, linking
    the staff's page of the application (the team's page is not theirs to open)."""
    email_queue(
        to=application_team_emails(application=application),
        template=template,
        context={
            **context,
            "for_staff": False,
            "url": absolute_url("applications:detail", pk=application.pk),
        },
    )
    email_queue(
        to=[settings.STAFF_ALERT_EMAIL],
        template=template,
        context={
            **context,
            "for_staff": True,
            "url": absolute_url("panel:staff_application", reference=application.reference),
        },
    )


def _rescreen_each(grant_ids, *, cause: str, today: date | None = None) -> list[Grant]:
    """``grant_rescreen`` for each id, one transaction each, so one that cannot be suspended now
    (ONS cannot be told) neither holds up nor rolls back the others; the hourly sweep takes it up."""
    changed = []
    for grant_id in grant_ids:
        try:
            grant = grant_rescreen(grant_id=grant_id, cause=cause, today=today)
        except DomainError as exc:
            logger.error("grant %s not re-screened: %s", grant_id, exc)
            continue
        if grant is not None:
            changed.append(grant)
    return changed


def grants_rescreen_for_deposit(*, deposit_id: int, cause: str) -> list[Grant]:
    """Screen again every live or suspended grant that uses the deposit; returns those changed."""
    return _rescreen_each(grants_live_using(deposit_id=deposit_id), cause=cause)


def grants_rescreen_all(*, today: date | None = None) -> list[Grant]:
    """Hourly (celery beat): every live or suspended grant screened again: accreditations that
    lapsed since, and the safety net for a re-screen lost with its task (the broker down when the
    change committed)."""
    live = Grant.objects.filter(status__in=GRANTS_SCREENED).order_by("pk").values_list("pk", flat=True)
    return _rescreen_each(list(live), cause="sweep", today=today)


def grants_rescreen_on_commit(*, deposit, cause: str) -> None:
    """Once the deposit's change commits, hand the re-screen to a worker (in process when tasks run
    eagerly). A broker error then is logged, not raised: the hourly sweep screens every grant."""
    from .tasks import grants_rescreen_for_deposit_task  # inline: tasks imports this module

    deposit_id = deposit.pk
    transaction.on_commit(lambda: grants_rescreen_for_deposit_task.delay(deposit_id, cause), robust=True)
