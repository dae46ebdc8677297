"""Issue 17: what the archive changes on a live grant by itself, and how a suspension ends.

- A withdrawn deposit is taken off every grant that uses it (grant n+1 without it, ONS told
  ``access.amended`` naming the superseded grant, with why); a grant left with no deposit is
  suspended instead.
- Accreditation during a grant: an expiry before the access end is warned 90 and 30 days ahead
  (once each); when a co-applicant's accreditation lapses their access ends (taken off the team,
  ONS told); a lapsed lead suspends the grant; a renewal in time changes nothing.
- Staff lift a suspension once nothing keeps it: grant n+1, ONS told ``access.resumed``; refused,
  naming why, while a reason remains."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from accounts.models import ResearcherProfile
from applications.accreditation_watch import accreditation_reminder_kind, accreditation_reminders_send
from applications.enums import (
    AccreditationReminderKind,
    ApplicationsAuditAction,
    GrantStatus,
    MemberRole,
    MemberStatus,
)
from applications.grant_screening import grant_rescreen, grants_rescreen_all
from applications.grant_selectors import grant_in_force
from applications.grant_services import grant_resume
from applications.models import AccreditationReminder, ApplicationMember, Grant
from applications.services import _grant_team_permissions
from core.errors import DomainError, NotPermitted
from core.models import AuditEvent, QueuedEmail
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.services import deposit_withdraw
from notifications.enums import OnsChannel, OnsEventType
from notifications.models import OnsNotification
from tests.factories.accounts import StaffFactory
from tests.factories.notifications import OnsApplicationFactory, OnsDepositFactory, decision_record_for_test

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _granted(*, deposits=None) -> Grant:
    """An approved project (lead and one accepted co-applicant) and its live grant 1."""
    application = OnsApplicationFactory(deposits=deposits) if deposits else OnsApplicationFactory()
    decision_record_for_test(application=application)
    return grant_in_force(application=application)


def _colleague(grant: Grant) -> ApplicationMember:
    return ApplicationMember.objects.get(
        application=grant.application, role=MemberRole.RESEARCHER, status=MemberStatus.ACCEPTED
    )


def _expire(user, *, on) -> None:
    ResearcherProfile.objects.filter(user=user).update(accreditation_expires_on=on)


def _ons(grant: Grant, event: str):
    return list(OnsNotification.objects.filter(grant=grant, event_type=event, channel=OnsChannel.EMAIL))


# --- a withdrawn deposit ----------------------------------------------------------------------------


def test_a_withdrawn_deposit_is_taken_off_the_grant_and_ons_told_once(django_capture_on_commit_callbacks):
    kept, withdrawn = OnsDepositFactory(), OnsDepositFactory()
    first = _granted(deposits=[kept, withdrawn])
    with django_capture_on_commit_callbacks(execute=True):
        deposit_withdraw(actor=StaffFactory(), deposit=withdrawn, reason="Consent was withdrawn.")
    first.refresh_from_db()
    second = grant_in_force(application=first.application)
    assert first.status == GrantStatus.SUPERSEDED
    assert second.number == 2
    assert second.supersedes_id == first.pk
    assert second.status == GrantStatus.LIVE
    assert [d["reference"] for d in second.datasets] == [kept.reference]
    assert list(second.application.deposits.all()) == [kept]
    assert withdrawn.reference in second.issue_reason
    assert "withdrawn" in second.issue_reason
    assert [m["email"] for m in second.team] == [m["email"] for m in first.team]  # the same people

    (row,) = _ons(second, OnsEventType.AMENDED)
    data = row.payload["data"]
    assert data["supersedes_grant_reference"] == first.reference
    assert data["grant_reference"] == second.reference
    assert [d["reference"] for d in data["deposits"]] == [kept.reference]
    assert withdrawn.reference in data["reasons"][0]
    assert not _ons(first, OnsEventType.SUSPENDED)  # taken off, not suspended
    email, staff_email = QueuedEmail.objects.filter(topic="applications/grant_amended_by_archive").order_by(
        "pk"
    )
    assert first.application.lead.email in email.to
    assert staff_email.to == ["archive-staff@example.org"]
    assert withdrawn.reference in email.body
    assert second.reference in email.subject

    # Screening again changes nothing more (the hourly sweep, a repeated task).
    assert grant_rescreen(grant_id=second.pk, cause="sweep") is None
    assert grants_rescreen_all() == []
    assert (
        OnsNotification.objects.filter(application=first.application, event_type=OnsEventType.AMENDED).count()
        == 1
    )


def test_a_grant_left_with_no_deposit_is_suspended_instead(django_capture_on_commit_callbacks):
    only = OnsDepositFactory()
    grant = _granted(deposits=[only])
    with django_capture_on_commit_callbacks(execute=True):
        deposit_withdraw(actor=StaffFactory(), deposit=only, reason="Consent was withdrawn.")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.SUSPENDED
    assert "withdrawn by the archive" in grant.status_reason
    assert len(_ons(grant, OnsEventType.SUSPENDED)) == 1
    assert not OnsNotification.objects.filter(event_type=OnsEventType.AMENDED).exists()


def test_a_suspended_grant_also_loses_a_withdrawn_deposit_and_stays_suspended_while_a_reason_remains():
    suspended_deposit, withdrawn, kept = OnsDepositFactory(), OnsDepositFactory(), OnsDepositFactory()
    first = _granted(deposits=[suspended_deposit, withdrawn, kept])
    Deposit.objects.filter(pk=suspended_deposit.pk).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=first.pk, cause="suspended")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED
    Deposit.objects.filter(pk=withdrawn.pk).update(status=DepositStatus.WITHDRAWN)
    second = grant_rescreen(grant_id=first.pk, cause="withdrawn")
    assert second.number == 2
    assert second.status == GrantStatus.SUSPENDED
    assert withdrawn.reference not in [d["reference"] for d in second.datasets]
    assert suspended_deposit.reference in second.status_reason
    # ONS hears the change of datasets, then that it is still suspended, in that order.
    events = list(
        OnsNotification.objects.filter(application=first.application, channel=OnsChannel.EMAIL)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )
    assert events[-3:] == [OnsEventType.SUSPENDED, OnsEventType.AMENDED, OnsEventType.SUSPENDED]


# --- accreditation during a grant --------------------------------------------------------------------


def test_reminder_thresholds():
    end = TODAY + timedelta(days=400)
    cases = [
        (TODAY + timedelta(days=120), None),
        (TODAY + timedelta(days=90), AccreditationReminderKind.DAYS_90),
        (TODAY + timedelta(days=31), AccreditationReminderKind.DAYS_90),
        (TODAY + timedelta(days=30), AccreditationReminderKind.DAYS_30),
        (TODAY, AccreditationReminderKind.DAYS_30),
        (TODAY - timedelta(days=1), None),  # lapsed: the re-screen acts
    ]
    for expires_on, kind in cases:
        assert accreditation_reminder_kind(expires_on=expires_on, access_end=end, today=TODAY) == kind
    # An accreditation that outlasts the access period is never warned about.
    assert accreditation_reminder_kind(expires_on=end, access_end=end, today=end - timedelta(days=10)) is None


def test_expiry_before_the_access_end_is_warned_90_and_30_days_ahead_once_each():
    grant = _granted()
    Grant.objects.filter(pk=grant.pk).update(access_end=TODAY + timedelta(days=365))
    colleague = _colleague(grant)
    _expire(colleague.user, on=TODAY + timedelta(days=80))

    (first,) = accreditation_reminders_send(today=TODAY)
    assert (first.member, first.kind) == (colleague, AccreditationReminderKind.DAYS_90)
    assert accreditation_reminders_send(today=TODAY) == []  # the hourly run does not repeat it
    assert accreditation_reminders_send(today=TODAY + timedelta(days=30)) == []  # 50 days left: still 90
    (second,) = accreditation_reminders_send(today=TODAY + timedelta(days=55))
    assert second.kind == AccreditationReminderKind.DAYS_30
    emails = QueuedEmail.objects.filter(topic="applications/accreditation_expiring").order_by("pk")
    assert emails.count() == 2
    assert set(emails[0].to) == {colleague.user.email, grant.application.lead.email}
    assert "expires on" in emails[0].subject
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.ACCREDITATION_REMINDED).count() == 2

    # Renewed to a date that is still before the access end: warned afresh for the new date.
    _expire(colleague.user, on=TODAY + timedelta(days=300))
    assert accreditation_reminders_send(today=TODAY + timedelta(days=215))[0].kind == "90_days"
    assert AccreditationReminder.objects.filter(member=colleague).count() == 3


def test_no_warning_when_the_accreditation_outlasts_the_access_period():
    grant = _granted()
    Grant.objects.filter(pk=grant.pk).update(access_end=TODAY + timedelta(days=60))
    _expire(_colleague(grant).user, on=TODAY + timedelta(days=80))
    assert accreditation_reminders_send(today=TODAY) == []


def test_a_lapsed_co_applicant_loses_access_and_ons_is_told(django_capture_on_commit_callbacks):
    first = _granted()
    colleague = _colleague(first)
    application = first.application
    _grant_team_permissions(colleague.user, application)  # as accepting the invitation gives them
    assert "view_application" in get_perms(colleague.user, application)
    _expire(colleague.user, on=TODAY - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        (second,) = grants_rescreen_all()
    colleague.refresh_from_db()
    assert colleague.status == MemberStatus.REMOVED
    assert "view_application" not in get_perms(colleague.user, application)
    assert second.supersedes_id == first.pk
    assert second.status == GrantStatus.LIVE
    assert colleague.user.email not in [m["email"] for m in second.team]
    assert application.lead.email in [m["email"] for m in second.team]
    (row,) = _ons(second, OnsEventType.AMENDED)
    numbers = [r["accreditation_number"] for r in row.payload["data"]["researchers"]]
    assert colleague.user.researcher_profile.accreditation_number not in numbers
    assert "accreditation lapsed" in row.payload["data"]["reasons"][0]
    assert AuditEvent.objects.filter(
        action=ApplicationsAuditAction.MEMBER_ACCESS_ENDED, data__email=colleague.email
    ).exists()
    told = QueuedEmail.objects.get(topic="applications/member_access_ended")
    assert told.to == [colleague.user.email]
    assert grants_rescreen_all() == []  # once


def test_a_renewal_in_time_changes_nothing():
    grant = _granted()
    colleague = _colleague(grant)
    _expire(colleague.user, on=TODAY)  # still valid today
    assert grants_rescreen_all() == []
    _expire(colleague.user, on=TODAY + timedelta(days=3 * 365))  # renewed
    assert grants_rescreen_all(today=TODAY + timedelta(days=1)) == []
    colleague.refresh_from_db()
    assert colleague.status == MemberStatus.ACCEPTED


# --- lifting a suspension ----------------------------------------------------------------------------


def test_a_lapsed_lead_suspends_the_grant_and_staff_lift_it_once_renewed(django_capture_on_commit_callbacks):
    first = _granted()
    lead = first.application.lead
    _expire(lead, on=TODAY - timedelta(days=2))
    grants_rescreen_all()
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED
    assert "lead applicant" in first.status_reason
    assert "lapsed" in first.status_reason
    assert len(_ons(first, OnsEventType.SUSPENDED)) == 1

    staff = StaffFactory()
    with pytest.raises(DomainError, match="cannot be lifted yet: The lead applicant"):
        grant_resume(grant=first, actor=staff, note="Renewed, we think.")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED  # nothing half-done

    _expire(lead, on=TODAY + timedelta(days=700))
    with django_capture_on_commit_callbacks(execute=True):
        second = grant_resume(grant=first, actor=staff, note="Accreditation renewed to 2028.")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUPERSEDED
    assert second.status == GrantStatus.LIVE
    assert second.supersedes_id == first.pk
    assert second.issue_reason == "Suspension lifted: Accreditation renewed to 2028."
    (row,) = _ons(second, OnsEventType.RESUMED)
    data = row.payload["data"]
    assert data["outcome"] == "resumed"
    assert data["supersedes_grant_reference"] == first.reference
    assert data["reasons"] == ["Accreditation renewed to 2028."]
    assert data["researchers"][0]["accreditation_expires_on"] == (TODAY + timedelta(days=700)).isoformat()
    audit = AuditEvent.objects.get(action=ApplicationsAuditAction.GRANT_RESUMED)
    assert audit.actor == staff
    assert audit.data["note"] == "Accreditation renewed to 2028."
    assert QueuedEmail.objects.filter(topic="applications/grant_resumed").count() == 1
    with pytest.raises(DomainError, match="only a suspended grant"):
        grant_resume(grant=second, actor=staff, note="Again.")


def test_lifting_a_suspension_is_refused_while_the_deposit_is_suspended_and_to_anyone_but_staff():
    deposit = OnsDepositFactory()
    grant = _granted(deposits=[deposit])
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=grant.pk, cause="suspended")
    grant.refresh_from_db()
    staff = StaffFactory()
    with pytest.raises(DomainError, match=f"{deposit.reference}.*was suspended by the archive"):
        grant_resume(grant=grant, actor=staff, note="Fixed.")
    with pytest.raises(NotPermitted):
        grant_resume(grant=grant, actor=grant.application.lead, note="Fixed.")
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.AVAILABLE)
    with pytest.raises(DomainError, match="Say why"):
        grant_resume(grant=grant, actor=staff, note="  \n ")
    Grant.objects.filter(pk=grant.pk).update(
        access_start=TODAY - timedelta(days=30), access_end=TODAY - timedelta(days=1)
    )
    grant.refresh_from_db()
    with pytest.raises(DomainError, match=r"access period .* ended"):
        grant_resume(grant=grant, actor=staff, note="Fixed.")
    assert not OnsNotification.objects.filter(event_type=OnsEventType.RESUMED).exists()


def test_the_staff_page_lifts_a_suspension_through_its_form(client_for):
    deposit = OnsDepositFactory()
    grant = _granted(deposits=[deposit])
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=grant.pk, cause="suspended")
    application = grant.application
    staff = client_for(StaffFactory())
    page = staff.get(reverse("panel:staff_application", args=[application.reference])).content.decode()
    url = reverse("applications:grant_resume", args=[application.pk])
    assert f'href="{url}"' in page
    blocked = staff.get(url)
    assert blocked.status_code == 200
    assert 'id="grant-resume-blocked"' in blocked.content.decode()
    refused = staff.post(url, {"note": "Reinstated."})
    assert refused.status_code == 200
    assert "cannot be lifted yet" in refused.content.decode()

    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.AVAILABLE)
    assert 'id="grant-resume-clear"' in staff.get(url).content.decode()
    assert staff.post(url, {"note": ""}).status_code == 200  # the form says the note is needed
    done = staff.post(url, {"note": "Reinstated after the DPIA review."})
    assert done.status_code == 302
    assert done.url == reverse("panel:staff_application", args=[application.reference])
    assert grant_in_force(application=application).status == GrantStatus.LIVE
    assert staff.get(url).status_code == 404  # nothing suspended any more

    assert client_for(application.lead).get(url).status_code == 403
    assert staff.get(reverse("applications:grant_resume", args=[999999])).status_code == 404


# --- the team takes off what keeps a grant suspended ------------------------------------------------


def test_a_change_request_on_a_suspended_grant_may_only_remove_and_must_lift_the_suspension(
    client_for, django_capture_on_commit_callbacks
):
    from accounts.enums import OrganisationSector
    from panel import services as panel_services
    from tests.factories.grants import change_requested

    deposit, other = OnsDepositFactory(), OnsDepositFactory()
    first = _granted(deposits=[deposit, other])
    colleague = _colleague(first)
    ResearcherProfile.objects.filter(user=colleague.user).update(sector=OrganisationSector.COMMERCIAL)
    Deposit.objects.filter(pk=deposit.pk).update(excluded_sectors=[OrganisationSector.COMMERCIAL])
    grant_rescreen(grant_id=first.pk, cause="use_conditions")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED

    # Anything but a removal is refused; so is a removal that leaves the reason standing.
    with pytest.raises(DomainError, match="only removing team members or deposits"):
        change_requested(first, access_end=first.access_end + timedelta(days=30))
    with pytest.raises(DomainError, match="would not lift the suspension"):
        change_requested(first, deposits_removed=[other])  # the colleague's sector is the reason
    # The lead's page offers the change, and its form only the removals.
    lead = client_for(first.application.lead)
    detail = lead.get(reverse("applications:detail", args=[first.application.pk])).content.decode()
    assert 'id="request-change"' in detail
    form = lead.get(
        reverse("applications:change_request_create", args=[first.application.pk])
    ).content.decode()
    assert 'id="suspended-change-note"' in form
    assert 'name="members_removed"' in form
    assert 'name="access_end"' not in form
    assert 'name="invite_email"' not in form

    change = change_requested(first, members_removed=[colleague])
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        panel_services.change_request_decide(
            change_request=change, actor=staff, outcome="approve", rationale="Removes the cause."
        )
    second = grant_in_force(application=first.application)
    assert second.status == GrantStatus.LIVE
    assert second.supersedes_id == first.pk
    (row,) = _ons(second, OnsEventType.AMENDED)
    assert row.payload["data"]["supersedes_grant_reference"] == first.reference
    assert len(row.payload["data"]["researchers"]) == 1  # the lead alone
    assert grants_rescreen_all() == []  # nothing suspends it again


def test_the_staff_page_and_the_service_agree_when_the_member_to_be_taken_off_is_the_reason(client_for):
    """A suspended grant whose only reason is a co-applicant in an excluded sector, whose
    accreditation has since lapsed: lifting the suspension takes them off, so nothing blocks it. The
    page says so (it used to count the leaving member), and the service lifts it."""
    from accounts.enums import OrganisationSector

    deposit = OnsDepositFactory()
    first = _granted(deposits=[deposit])
    colleague = _colleague(first)
    ResearcherProfile.objects.filter(user=colleague.user).update(sector=OrganisationSector.COMMERCIAL)
    Deposit.objects.filter(pk=deposit.pk).update(excluded_sectors=[OrganisationSector.COMMERCIAL])
    grant_rescreen(grant_id=first.pk, cause="use_conditions")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED
    _expire(colleague.user, on=TODAY - timedelta(days=1))

    staff = StaffFactory()
    page = client_for(staff).get(reverse("applications:grant_resume", args=[first.application.pk]))
    body = page.content.decode()
    assert 'id="grant-resume-clear"' in body
    assert 'id="grant-resume-blocked"' not in body
    assert 'id="grant-resume-removals"' in body
    second = grant_resume(grant=first, actor=staff, note="The commercial member left.")
    assert second.status == GrantStatus.LIVE
    assert colleague.user.email not in [m["email"] for m in second.team]
