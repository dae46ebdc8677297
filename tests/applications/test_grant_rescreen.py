"""Issue 17, acceptance 3: the participants' rule stays in force after approval. When a deposit's
use conditions are narrowed (a held change approved by a second staff member), or the deposit is
suspended, every live grant using it is screened again in its own transaction: each grant that now
breaks a condition is suspended, its team and staff are told why, and ONS is told
(``access.suspended``), exactly once each, also when two staff change conditions at once."""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from accounts.enums import OrganisationSector
from applications.enums import ApplicationsAuditAction, GrantStatus
from applications.grant_screening import grant_rescreen, grants_rescreen_all, grants_rescreen_for_deposit
from applications.models import Grant
from core.models import AuditEvent, QueuedEmail
from deposits.models import Deposit
from deposits.services import deposit_suspend, deposit_update, deposit_use_conditions_change_approve
from notifications.enums import OnsChannel, OnsEventType
from notifications.models import OnsNotification
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import live_grant
from tests.factories.transparency import researcher_in

COMMERCIAL = OrganisationSector.COMMERCIAL


def _narrow(deposit: Deposit, *, proposer, approver) -> None:
    """Staff propose excluding the commercial sector; a second staff member approves it."""
    pending = deposit_update(
        actor=proposer,
        deposit=deposit,
        fields={"excluded_sectors": [COMMERCIAL]},
        reason="The participants asked that no company use their data.",
    )
    assert pending is not None  # held for the second pair of eyes
    deposit_use_conditions_change_approve(
        actor=approver, change=pending, privacy_notice_checked=True, dpia_checked=True
    )


def _suspended_rows(grant):
    return OnsNotification.objects.filter(grant=grant, event_type=OnsEventType.SUSPENDED)


@pytest.mark.django_db
def test_narrowed_conditions_suspend_each_grant_that_now_breaks_them_and_tell_ons_once_each(
    django_capture_on_commit_callbacks,
):
    deposit = AvailableDepositFactory()
    company = live_grant(lead=researcher_in(COMMERCIAL, "Acme Analytics Ltd"), deposits=[deposit])
    university = live_grant(lead=researcher_in(), deposits=[deposit])
    other_company = live_grant(lead=researcher_in(COMMERCIAL, "DataCo Ltd"), deposits=[deposit])
    elsewhere = live_grant(lead=researcher_in(COMMERCIAL, "Third Ltd"), deposits=[AvailableDepositFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        _narrow(deposit, proposer=StaffFactory(), approver=StaffFactory())

    for grant in (company, university, other_company, elsewhere):
        grant.refresh_from_db()
    assert [g.status for g in (company, university, other_company, elsewhere)] == [
        GrantStatus.SUSPENDED,
        GrantStatus.LIVE,
        GrantStatus.SUSPENDED,
        GrantStatus.LIVE,
    ]
    assert "commercial sector" in company.status_reason
    for grant in (company, other_company):
        rows = list(_suspended_rows(grant))
        assert len(rows) == 1  # one channel is configured in the tests (email)
        data = rows[0].payload["data"]
        assert data["outcome"] == "suspended"
        assert data["grant_reference"] == grant.reference
        assert deposit.reference in data["reasons"][0]
        audit = AuditEvent.objects.get(
            action=ApplicationsAuditAction.GRANT_STATUS_CHANGED,
            data__grant=grant.reference,
            data__to="suspended",
        )
        assert audit.data["cause"] == "use_conditions"
        team_email, staff_email = QueuedEmail.objects.filter(
            subject__startswith=f"{grant.reference} is suspended"
        ).order_by("pk")
        assert grant.application.lead.email in team_email.to
        assert staff_email.to == ["archive-staff@example.org"]  # the staff mailbox, with the staff page
    assert not OnsNotification.objects.filter(event_type=OnsEventType.SUSPENDED, grant=university).exists()

    # Screening again, by the deposit or by the hourly sweep, suspends nothing twice.
    assert grants_rescreen_for_deposit(deposit_id=deposit.pk, cause="use_conditions") == []
    assert grants_rescreen_all() == []
    assert OnsNotification.objects.filter(event_type=OnsEventType.SUSPENDED).count() == 2


@pytest.mark.django_db
def test_the_team_and_staff_see_why_on_their_pages(django_capture_on_commit_callbacks, client_for):
    deposit = AvailableDepositFactory()
    grant = live_grant(lead=researcher_in(COMMERCIAL, "Acme Analytics Ltd"), deposits=[deposit])
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _narrow(deposit, proposer=staff, approver=StaffFactory())
    application = grant.application
    for user, url in (
        (application.lead, reverse("applications:detail", args=[application.pk])),
        (staff, reverse("panel:staff_application", args=[application.reference])),
    ):
        page = client_for(user).get(url).content.decode()
        reason = re.search(r'id="grant-suspension-reason">(.*?)</span>', page, flags=re.S)
        assert reason, url
        assert deposit.reference in reason.group(1)
        assert "commercial sector" in reason.group(1)


@pytest.mark.django_db
def test_a_suspended_deposit_suspends_every_live_grant_using_it(django_capture_on_commit_callbacks):
    deposit = AvailableDepositFactory()
    grants = [live_grant(lead=researcher_in(), deposits=[deposit]) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        deposit_suspend(actor=StaffFactory(), deposit=deposit, reason="The DPIA is being reviewed.")
    for grant in grants:
        grant.refresh_from_db()
        assert grant.status == GrantStatus.SUSPENDED
        assert "was suspended by the archive" in grant.status_reason
        assert _suspended_rows(grant).count() == 1


@pytest.mark.django_db
def test_without_a_channel_to_ons_a_grant_stays_live_and_the_sweep_suspends_it_later(settings):
    deposit = AvailableDepositFactory()
    grant = live_grant(lead=researcher_in(COMMERCIAL, "Acme Analytics Ltd"), deposits=[deposit])
    Deposit.objects.filter(pk=deposit.pk).update(excluded_sectors=[COMMERCIAL])
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ""
    assert grants_rescreen_for_deposit(deposit_id=deposit.pk, cause="use_conditions") == []
    grant.refresh_from_db()
    assert grant.status == GrantStatus.LIVE  # rolled back whole: never suspended without ONS told
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    assert grants_rescreen_all() == [grant]
    grant.refresh_from_db()
    assert grant.status == GrantStatus.SUSPENDED


@pytest.mark.django_db(transaction=True)
def test_two_staff_narrowing_two_deposits_at_once_suspend_a_grant_using_both_exactly_once():
    """Two held changes, on the two deposits one grant uses, approved at the same moment by two
    staff members in two connections: each approval's re-screen runs on its own commit (tasks run
    eagerly in the tests), both find the grant breaking a condition, and it is suspended once."""
    first, second = AvailableDepositFactory(), AvailableDepositFactory()
    grant = live_grant(lead=researcher_in(COMMERCIAL, "Acme Analytics Ltd"), deposits=[first, second])
    proposer = StaffFactory()
    pendings = [
        deposit_update(
            actor=proposer,
            deposit=deposit,
            fields={"excluded_sectors": [COMMERCIAL]},
            reason="The participants asked that no company use their data.",
        )
        for deposit in (first, second)
    ]
    approvers = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    errors = []

    def approve(index):
        try:
            barrier.wait(timeout=10)
            deposit_use_conditions_change_approve(
                actor=approvers[index], change=pendings[index], privacy_notice_checked=True, dpia_checked=True
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    grant.refresh_from_db()
    assert grant.status == GrantStatus.SUSPENDED
    assert _suspended_rows(grant).filter(channel=OnsChannel.EMAIL).count() == 1
    assert (
        AuditEvent.objects.filter(
            action=ApplicationsAuditAction.GRANT_STATUS_CHANGED,
            data__grant=grant.reference,
            data__to="suspended",
        ).count()
        == 1
    )
    assert "commercial sector" in Grant.objects.get(pk=grant.pk).status_reason
    # Once: one email to the team, one to the staff mailbox.
    assert QueuedEmail.objects.filter(subject__startswith=f"{grant.reference} is suspended").count() == 2


@pytest.mark.django_db
def test_a_grant_no_longer_live_is_not_screened():
    deposit = AvailableDepositFactory()
    grant = live_grant(lead=researcher_in(COMMERCIAL, "Acme Analytics Ltd"), deposits=[deposit])
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.ENDED)
    Deposit.objects.filter(pk=deposit.pk).update(excluded_sectors=[COMMERCIAL])
    assert grant_rescreen(grant_id=grant.pk, cause="use_conditions") is None
    assert not OnsNotification.objects.filter(event_type=OnsEventType.SUSPENDED).exists()
