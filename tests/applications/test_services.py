import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ResearcherProfile
from applications.enums import ApplicationsAuditAction, ApplicationSection, ApplicationStatus, MemberStatus
from applications.models import Application, ApplicationQuery, ApplicationVersion
from applications.permissions import can_view_application
from applications.selectors import application_problems, application_section_progress
from applications.services import (
    ApplicationNotReady,
    application_create,
    application_member_accept,
    application_member_decline,
    application_member_invite,
    application_member_remove,
    application_query_answer,
    application_resubmit,
    application_submit,
    application_transition,
    application_update,
    application_withdraw,
)
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from deposits.enums import DepositStatus
from tests.factories.accounts import ChairFactory, PanelMemberFactory, ResearcherFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import AvailableDepositFactory

pytestmark = pytest.mark.django_db


def _snapshot(application: Application) -> dict:
    application.refresh_from_db()
    return {
        "status": application.status,
        "version_number": application.version_number,
        "submitted_at": application.submitted_at,
        "first_submitted_at": application.first_submitted_at,
        "updated_at": application.updated_at,
        "lay_summary": application.lay_summary,
        "versions": ApplicationVersion.objects.filter(application=application).count(),
        "deposits": sorted(application.deposits.values_list("pk", flat=True)),
    }


def _assert_refused_unchanged(application: Application, *, contains: str) -> None:
    before = _snapshot(application)
    emails_before = QueuedEmail.objects.count()
    with pytest.raises(ApplicationNotReady) as excinfo:
        application_submit(application=application, actor=application.lead)
    assert contains in excinfo.value.message
    assert _snapshot(application) == before
    assert QueuedEmail.objects.count() == emails_before
    assert not AuditEvent.objects.filter(action=ApplicationsAuditAction.SUBMITTED).exists()


# --- References --------------------------------------------------------------------------------------


def test_application_create_gives_a_yearly_reference_and_makes_the_lead_a_team_member(researcher):
    application = application_create(lead=researcher, title="Kinship care")
    year = timezone.localdate().year
    assert re.fullmatch(rf"APP-{year}-\d{{4}}", application.reference)
    second = application_create(lead=researcher)
    assert int(second.reference[-4:]) == int(application.reference[-4:]) + 1
    lead = application.members.get()
    assert (lead.user, lead.role, lead.status) == (researcher, "lead", MemberStatus.ACCEPTED)
    assert can_view_application(researcher, application)
    assert researcher.has_perm("applications.change_application", application)
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.CREATED, actor=researcher).exists()


@pytest.mark.parametrize("factory", [PanelMemberFactory, ChairFactory])
def test_application_create_is_for_researchers_only(factory):
    with pytest.raises(NotPermitted):
        application_create(lead=factory())


# --- Drafts ------------------------------------------------------------------------------------------


def test_a_draft_saves_incomplete_and_progress_counts_per_section(researcher):
    application = application_create(lead=researcher, title="T")
    application_update(
        application=application,
        actor=researcher,
        section=ApplicationSection.PROJECT,
        data={"lay_summary": "Short summary.", "funding": ""},
    )
    application.refresh_from_db()
    assert application.lay_summary == "Short summary."
    progress = {p.section: p for p in application_section_progress(application=application)}
    assert progress["project"].answered == 2  # title and lay summary
    assert not progress["project"].complete
    assert "Funding" in progress["project"].missing
    problems = application_problems(application=application)
    assert any(p.message.startswith("Funding: not answered") for p in problems)
    event = AuditEvent.objects.get(action=ApplicationsAuditAction.SAVED)
    assert event.data["changed"] == ["lay_summary"]


def test_application_update_refuses_fields_of_another_section(researcher):
    application = application_create(lead=researcher)
    with pytest.raises(DomainError):
        application_update(
            application=application, actor=researcher, section="people", data={"lay_summary": "x"}
        )


def test_application_update_refuses_an_unavailable_deposit(researcher):
    application = application_create(lead=researcher)
    suspended = AvailableDepositFactory(status=DepositStatus.SUSPENDED)
    with pytest.raises(DomainError, match="available"):
        application_update(
            application=application,
            actor=researcher,
            section="data",
            data={"deposits": [suspended]},
        )
    assert not application.deposits.exists()


def test_a_stranger_cannot_update_a_draft(researcher, other_researcher):
    application = application_create(lead=researcher)
    with pytest.raises(NotPermitted):
        application_update(
            application=application, actor=other_researcher, section="project", data={"title": "Mine"}
        )


# --- Submission ---------------------------------------------------------------------------------------


def test_application_submit_freezes_a_version_emails_the_team_and_audits(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.version_number == 1
    assert application.submitted_at
    assert application.first_submitted_at
    version = application.versions.get()
    assert version.number == 1
    assert version.submitted_by == researcher
    assert version.answers["lay_summary"] == application.lay_summary
    assert version.answers["terms_accepted"] is True
    assert version.answers["deposits"] == [f"{d.reference} {d.title}" for d in application.deposits.all()]
    assert any(researcher.email in line for line in version.answers["team"])
    email = QueuedEmail.objects.get(topic="applications/submitted")
    assert email.to == [researcher.email]
    assert application.reference in email.subject
    event = AuditEvent.objects.get(action=ApplicationsAuditAction.SUBMITTED)
    assert event.actor == researcher
    assert event.data["to"] == "submitted"


def test_submit_with_missing_answers_lists_them_and_leaves_the_draft_unchanged(researcher):
    application = complete_application(ApplicationFactory(lead=researcher), funding="", linkage="")
    before = _snapshot(application)
    with pytest.raises(ApplicationNotReady) as excinfo:
        application_submit(application=application, actor=researcher)
    messages = [p.message for p in excinfo.value.problems]
    assert "Funding: not answered yet." in messages
    assert "Linkage to other data: not answered yet." in messages
    assert _snapshot(application) == before


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("funders_sponsors", "Funders and sponsors: not answered yet."),
        ("lawful_basis_art6", "Legal basis under UK GDPR Article 6: not answered yet."),
        (
            "lawful_basis_art9",
            "Condition for special category data under UK GDPR Article 9: not answered yet.",
        ),
    ],
)
def test_submit_needs_the_answers_the_data_use_register_publishes(researcher, answer, message):
    application = complete_application(ApplicationFactory(lead=researcher), **{answer: ""})
    _assert_refused_unchanged(application, contains=message)


def test_the_frozen_version_holds_the_register_answers_as_read(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application = application_update(
        application=application,
        actor=researcher,
        section=ApplicationSection.DECLARATIONS,
        data={"terms_accepted": True, "consent_to_publish": True, "consent_to_publish_names": True},
    )
    application_submit(application=application, actor=researcher)
    answers = application.versions.get().answers
    assert answers["funders_sponsors"] == "Nuffield Foundation, University of Bristol (sponsor)"
    assert answers["lawful_basis_art6"] == "Art 6(1)(e) public task"
    assert answers["lawful_basis_art9"] == "Art 9(2)(j) archiving, research and statistics"
    assert answers["consent_to_publish_names"] is True


def test_naming_the_team_is_optional(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    assert not application.consent_to_publish_names
    assert application_submit(application=application, actor=researcher).status == ApplicationStatus.SUBMITTED


def test_submit_refuses_when_terms_are_not_accepted(researcher):
    application = complete_application(ApplicationFactory(lead=researcher), terms_accepted=False)
    _assert_refused_unchanged(application, contains="Terms of access accepted: not yet confirmed")


def test_submit_refuses_an_expired_accreditation(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    ResearcherProfile.objects.filter(user=researcher).update(
        accreditation_expires_on=timezone.localdate() - timedelta(days=1)
    )
    _assert_refused_unchanged(application, contains="accreditation has expired")


def test_submit_refuses_an_accreditation_expiring_before_the_access_end(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    ResearcherProfile.objects.filter(user=researcher).update(
        accreditation_expires_on=application.access_end - timedelta(days=1)
    )
    _assert_refused_unchanged(application, contains="before the requested access end")


def test_submit_refuses_a_co_applicant_whose_accreditation_expired(researcher, other_researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    application_member_accept(membership=member, user=other_researcher)
    ResearcherProfile.objects.filter(user=other_researcher).update(
        accreditation_expires_on=timezone.localdate() - timedelta(days=10)
    )
    _assert_refused_unchanged(
        application, contains=f"{other_researcher.full_name}'s ONS accreditation has expired"
    )


def test_submit_refuses_an_unaccredited_team_member(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    ResearcherProfile.objects.filter(user=researcher).update(accreditation_status="none")
    _assert_refused_unchanged(application, contains="not recorded as an ONS accredited researcher")


def test_submit_refuses_a_deposit_that_became_unavailable(researcher):
    deposit = AvailableDepositFactory()
    application = complete_application(ApplicationFactory(lead=researcher), deposits=[deposit])
    deposit.status = DepositStatus.SUSPENDED
    deposit.save(update_fields=["status"])
    _assert_refused_unchanged(application, contains=f"{deposit.reference} ({deposit.title}) is not available")


def test_submit_refuses_a_lay_summary_over_300_words(researcher):
    application = complete_application(ApplicationFactory(lead=researcher), lay_summary="word " * 301)
    _assert_refused_unchanged(application, contains="The lay summary has 301 words; the limit is 300.")


def test_a_lay_summary_of_exactly_300_words_is_accepted(researcher):
    application = complete_application(
        ApplicationFactory(lead=researcher), lay_summary=" ".join(["word"] * 300)
    )
    application_submit(application=application, actor=researcher)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_submit_refuses_an_orcid_with_a_bad_checksum(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    ResearcherProfile.objects.filter(user=researcher).update(orcid="0000-0002-1825-0098")
    _assert_refused_unchanged(application, contains="has a wrong check digit")


def test_submit_refuses_while_an_invitation_is_unanswered(researcher, other_researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="supervisor"
    )
    _assert_refused_unchanged(application, contains="has not accepted the invitation")


def test_only_the_lead_submits(researcher, other_researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    application_member_accept(membership=member, user=other_researcher)
    with pytest.raises(NotPermitted):
        application_submit(application=application, actor=other_researcher)


def test_a_submitted_application_cannot_be_submitted_or_edited_again(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    with pytest.raises(InvalidTransition, match="not a draft"):
        application_submit(application=application, actor=researcher)
    with pytest.raises(InvalidTransition, match="can no longer be changed"):
        application_update(application=application, actor=researcher, section="project", data={"title": "x"})
    assert application.versions.count() == 1


# --- Team -----------------------------------------------------------------------------------------------


def test_a_co_applicant_accepts_gets_guardian_permissions_and_loses_them_when_removed(researcher):
    co = ResearcherFactory()
    application = ApplicationFactory(lead=researcher)
    member = application_member_invite(
        application=application, actor=researcher, email=co.email.upper(), role="supervisor"
    )
    assert member.status == MemberStatus.INVITED
    assert QueuedEmail.objects.filter(topic="applications/member_invited", to=[co.email]).exists()
    assert not can_view_application(co, application)
    application_member_accept(membership=member, user=co)
    member.refresh_from_db()
    assert (member.status, member.user) == (MemberStatus.ACCEPTED, co)
    assert can_view_application(co, application)
    assert co.has_perm("applications.view_application", application)
    assert co.has_perm("applications.change_application", application)
    application_member_remove(membership=member, actor=researcher)
    member.refresh_from_db()
    assert member.status == MemberStatus.REMOVED
    co = type(co).objects.get(pk=co.pk)  # a fresh user: no cached permissions
    assert not can_view_application(co, application)
    assert not co.has_perm("applications.view_application", application)
    actions = list(AuditEvent.objects.filter(target_id=str(application.pk)).values_list("action", flat=True))
    assert ApplicationsAuditAction.MEMBER_ACCEPTED in actions
    assert ApplicationsAuditAction.MEMBER_REMOVED in actions


def test_only_the_invited_address_can_accept(researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    member = application_member_invite(
        application=application, actor=researcher, email="someone.else@example.org", role="researcher"
    )
    with pytest.raises(NotPermitted):
        application_member_accept(membership=member, user=other_researcher)


def test_an_unaccredited_researcher_cannot_accept(researcher, other_researcher):
    ResearcherProfile.objects.filter(user=other_researcher).update(accreditation_status="none")
    application = ApplicationFactory(lead=researcher)
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    with pytest.raises(DomainError, match="ONS accredited"):
        application_member_accept(membership=member, user=other_researcher)
    assert not can_view_application(other_researcher, application)


def test_a_panel_member_cannot_be_invited(researcher):
    member = PanelMemberFactory()
    application = ApplicationFactory(lead=researcher)
    with pytest.raises(DomainError, match="not a researcher"):
        application_member_invite(
            application=application, actor=researcher, email=member.email, role="researcher"
        )


def test_a_declined_invitation_no_longer_blocks_submission(researcher, other_researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    application_member_decline(membership=member, user=other_researcher)
    application_submit(application=application, actor=researcher)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_only_the_lead_invites_and_the_lead_cannot_be_removed(researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    member = application_member_invite(
        application=application, actor=researcher, email=other_researcher.email, role="researcher"
    )
    application_member_accept(membership=member, user=other_researcher)
    with pytest.raises(NotPermitted):
        application_member_invite(
            application=application, actor=other_researcher, email="x@example.org", role="researcher"
        )
    with pytest.raises(DomainError, match="lead applicant cannot be removed"):
        application_member_remove(membership=application.members.get(role="lead"), actor=researcher)


# --- Withdrawal -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        [],
        ["submitted"],
        ["submitted", "queried"],
        ["submitted", "queried", "resubmitted"],
        ["submitted", "under_review"],
    ],
)
def test_application_withdraw_from_any_state_before_a_decision(researcher, path):
    from django.db import transaction

    application = complete_application(ApplicationFactory(lead=researcher))
    with transaction.atomic():
        for status in path:
            application_transition(application=application, to=status, actor=None)
    application_withdraw(application=application, actor=researcher, reason="Funding ended.")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.withdrawn_at is not None
    event = AuditEvent.objects.get(action=ApplicationsAuditAction.WITHDRAWN)
    assert event.actor == researcher
    assert event.data["reason"] == "Funding ended."
    assert QueuedEmail.objects.filter(topic="applications/withdrawn", to=[researcher.email]).exists()


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_application_withdraw_refused_after_a_decision(researcher, decision):
    from django.db import transaction

    application = complete_application(ApplicationFactory(lead=researcher))
    with transaction.atomic():
        for status in ["submitted", "under_review", decision]:
            application_transition(application=application, to=status, actor=None)
    with pytest.raises(InvalidTransition, match="can no longer be withdrawn"):
        application_withdraw(application=application, actor=researcher)


# --- Queries, resubmission and versions --------------------------------------------------------------


def _query(application, chair):
    from django.db import transaction

    with transaction.atomic():
        query = ApplicationQuery.objects.create(
            application=application,
            version_number=application.version_number,
            questions="Why do you need school identifiers?",
            raised_by=chair,
        )
        locked = Application.objects.select_for_update().get(pk=application.pk)
        application_transition(application=locked, to=ApplicationStatus.QUERIED, actor=chair)
    return query


def test_resubmission_needs_answers_then_freezes_a_new_version(researcher, chair):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    query = _query(application, chair)
    with pytest.raises(DomainError, match="Answer every question"):
        application_resubmit(application=application, actor=researcher)
    application_query_answer(query=query, actor=researcher, answer="To measure school moves.")
    application_update(
        application=application,
        actor=researcher,
        section="data",
        data={"variables_needed": "Placement type and dates only."},
    )
    application_resubmit(application=application, actor=researcher)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RESUBMITTED
    assert application.version_number == 2
    assert list(application.versions.values_list("number", flat=True)) == [1, 2]
    query.refresh_from_db()
    assert query.answered_by == researcher
    assert query.answered_at
    assert QueuedEmail.objects.filter(topic="applications/resubmitted").count() == 1
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.QUERY_ANSWERED, actor=researcher).exists()
    assert AuditEvent.objects.filter(action=ApplicationsAuditAction.RESUBMITTED, actor=researcher).exists()


def test_a_query_can_only_be_answered_while_queried(researcher, chair):
    application = complete_application(ApplicationFactory(lead=researcher))
    application_submit(application=application, actor=researcher)
    query = ApplicationQuery.objects.create(
        application=application, version_number=1, questions="Q?", raised_by=chair
    )
    with pytest.raises(InvalidTransition):
        application_query_answer(query=query, actor=researcher, answer="A.")
