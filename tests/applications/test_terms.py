"""Terms of access with versions (issue 17, acceptance 5): staff publish append-only versions, the
latest is in force, every team member accepts it for themselves once per application, a member who
has not accepted stops submission (named in the refusal), and a new version asks every team in
progress or live to accept again, one email per member, once."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from applications.enums import LIVE, ApplicationsAuditAction, ApplicationStatus, MemberRole
from applications.models import Application, TermsAcceptance, TermsAcceptanceRequest, TermsOfAccess
from applications.selectors import (
    terms_in_force,
    terms_not_accepted_queryset,
    terms_not_accepted_rows,
    terms_outstanding,
    terms_team_status,
)
from applications.services import (
    ApplicationNotReady,
    application_member_accept_with_terms,
    application_member_invite,
    application_resubmit,
    application_submit,
    terms_accept,
    terms_acceptance_requests_send,
    terms_publish,
)
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, QueuedEmail
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import (
    ApplicationFactory,
    ApplicationQueryFactory,
    SubmittedApplicationFactory,
    co_applicant,
    complete_application,
    terms_published,
)
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db

TOPIC = "applications/terms_to_accept"


def _asked(terms) -> list[tuple[str, str]]:
    """(address, subject) of every email asking someone to accept ``terms``."""
    return sorted(
        (address, email.subject)
        for email in QueuedEmail.objects.filter(topic=TOPIC, subject__contains=f"version {terms.number} ")
        for address in email.to
    )


# --- publishing ------------------------------------------------------------------------------------


def test_the_latest_published_version_is_in_force_and_publishing_is_audited(staff):
    assert terms_in_force() is None
    first = terms_published(actor=staff, label="2026.1")
    assert (first.number, first.label, first.published_by) == (1, "2026.1", staff)
    assert terms_in_force() == first
    second = terms_published(actor=staff, label="2026.2", summary="Outputs now need two checkers.")
    assert second.number == 2
    assert terms_in_force() == second
    events = AuditEvent.objects.filter(action=ApplicationsAuditAction.TERMS_PUBLISHED).order_by("created_at")
    assert [(e.target_id, e.data["version"], e.data["previous_version"]) for e in events] == [
        (str(first.pk), 1, None),
        (str(second.pk), 2, 1),
    ]
    assert events[1].actor == staff


def test_only_staff_publish_the_terms():
    with pytest.raises(NotPermitted):
        terms_published(actor=ResearcherFactory())
    assert not TermsOfAccess.objects.exists()


def test_publishing_from_a_stale_form_is_refused(staff):
    terms_published(actor=staff)
    with pytest.raises(DomainError, match="Someone else published version 1"):
        terms_publish(
            actor=staff,
            label="2026.9",
            text="Other terms.",
            summary_of_changes="Changed.",
            acceptance_period_days=30,
            base_number=0,
        )
    assert TermsOfAccess.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"label": "2026.1"}, "label", "exists already"),
        ({"label": "Two\nlines"}, "label", "one line"),
        ({"text": "   "}, "text", "Write the terms"),
        ({"summary_of_changes": ""}, "summary_of_changes", "Say what changed since version 1"),
        ({"acceptance_period_days": 0}, "acceptance_period_days", "greater than or equal to 1"),
        ({"acceptance_period_days": 366}, "acceptance_period_days", "less than or equal to 365"),
    ],
)
def test_a_second_version_is_checked_before_it_is_published(staff, changes, field, message):
    terms_published(actor=staff, label="2026.1")
    data = {
        "actor": staff,
        "label": "2026.2",
        "text": "New terms.",
        "summary_of_changes": "All new.",
        "acceptance_period_days": 30,
        "base_number": 1,
        **changes,
    }
    with pytest.raises(DomainError, match=message) as refused:
        terms_publish(**data)
    assert refused.value.field == field
    assert TermsOfAccess.objects.count() == 1


def test_the_same_text_again_is_not_a_new_version(staff):
    first = terms_published(actor=staff)
    with pytest.raises(DomainError, match="same as the version in force"):
        terms_publish(
            actor=staff,
            label="2026.2",
            text=first.text,
            summary_of_changes="Nothing really.",
            acceptance_period_days=30,
            base_number=1,
        )


def test_a_published_version_is_never_changed_nor_deleted(staff):
    terms = terms_published(actor=staff)
    terms.text = "Quietly rewritten."
    with pytest.raises(RuntimeError, match="never changed"):
        terms.save()
    with pytest.raises(RuntimeError, match="never changed"):
        terms.delete()
    with transaction.atomic(), pytest.raises(DatabaseError, match="UPDATE is not allowed"):
        TermsOfAccess.objects.filter(pk=terms.pk).update(text="Rewritten past the model.")
    with transaction.atomic(), pytest.raises(DatabaseError, match="DELETE is not allowed"):
        TermsOfAccess.objects.filter(pk=terms.pk).delete()
    terms.refresh_from_db()
    assert terms.text != "Quietly rewritten."


# --- accepting -------------------------------------------------------------------------------------


def test_a_member_accepts_once_per_version_and_application_and_it_is_audited(researcher):
    application = ApplicationFactory(lead=researcher)
    terms = terms_published()
    first = terms_accept(application=application, user=researcher, terms=terms)
    again = terms_accept(application=application, user=researcher, terms=terms)
    assert again == first
    assert TermsAcceptance.objects.filter(user=researcher).count() == 1
    events = AuditEvent.objects.filter(action=ApplicationsAuditAction.TERMS_ACCEPTED)
    assert [(e.actor, e.target_id, e.data["version"]) for e in events] == [
        (researcher, str(application.pk), 1)
    ]
    # the same person on another application accepts for that one too
    other = ApplicationFactory(lead=researcher)
    assert terms_outstanding(application=other) == [researcher]


def test_the_database_keeps_one_acceptance_per_member_version_and_application(researcher):
    application = ApplicationFactory(lead=researcher)
    terms = terms_published()
    acceptance = terms_accept(application=application, user=researcher, terms=terms)
    with transaction.atomic(), pytest.raises(IntegrityError):
        TermsAcceptance.objects.create(
            terms=terms, application=application, user=researcher, accepted_at=timezone.now()
        )
    with pytest.raises(RuntimeError):
        acceptance.delete()
    with transaction.atomic(), pytest.raises(DatabaseError, match="append-only"):
        TermsAcceptance.objects.filter(pk=acceptance.pk).update(accepted_at=timezone.now())


def test_only_a_team_member_accepts_and_only_the_version_in_force(researcher, other_researcher):
    application = ApplicationFactory(lead=researcher)
    old = terms_published()
    with pytest.raises(NotPermitted):
        terms_accept(application=application, user=other_researcher, terms=old)
    current = terms_published()
    with pytest.raises(DomainError, match="no longer in force: read version 2"):
        terms_accept(application=application, user=researcher, terms=old)
    assert not TermsAcceptance.objects.exists()
    terms_accept(application=application, user=researcher, terms=current)
    assert terms_outstanding(application=application) == []


def test_there_is_nothing_to_accept_for_an_application_closed_for_good(researcher):
    rejected = decided_application(lead=researcher, outcome="rejected")
    terms = terms_published()
    with pytest.raises(InvalidTransition, match="no terms to accept"):
        terms_accept(application=rejected, user=researcher, terms=terms)


def test_with_no_version_published_nobody_has_anything_to_accept(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    assert terms_outstanding(application=application) == []
    assert application_submit(application=application, actor=researcher).status == ApplicationStatus.SUBMITTED


# --- the rule at submission ------------------------------------------------------------------------


def test_a_member_who_has_not_accepted_cannot_submit_and_is_named(researcher):
    co = ResearcherFactory(full_name="Dr Priya Natarajan")
    application = complete_application(ApplicationFactory(lead=researcher))
    co_applicant(application, co)
    terms = terms_published()
    terms_accept(application=application, user=researcher, terms=terms)
    assert terms_outstanding(application=application) == [co]
    with pytest.raises(ApplicationNotReady) as refused:
        application_submit(application=application, actor=researcher)
    assert "Dr Priya Natarajan has not accepted the terms of access in force (version 1" in str(refused.value)
    assert researcher.get_full_name() not in str(refused.value)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    terms_accept(application=application, user=co, terms=terms)
    assert application_submit(application=application, actor=researcher).status == ApplicationStatus.SUBMITTED


def test_a_new_version_before_resubmission_must_be_accepted_again(researcher):
    application = complete_application(ApplicationFactory(lead=researcher))
    first = terms_published()
    terms_accept(application=application, user=researcher, terms=first)
    application = application_submit(application=application, actor=researcher)
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.QUERIED)
    query = ApplicationQueryFactory(application=application)
    query.answer, query.answered_at = "Because.", timezone.now()
    query.save()
    second = terms_published()
    with pytest.raises(
        ApplicationNotReady, match="has not accepted the terms of access in force \\(version 2"
    ):
        application_resubmit(application=application, actor=researcher)
    terms_accept(application=application, user=researcher, terms=second)
    assert (
        application_resubmit(application=application, actor=researcher).status
        == ApplicationStatus.RESUBMITTED
    )


def test_joining_a_team_with_the_terms_is_both_or_neither(researcher):
    application = ApplicationFactory(lead=researcher)
    terms = terms_published()
    newcomer = ResearcherFactory()
    invitation = application_member_invite(
        application=application, actor=researcher, email=newcomer.email, role=MemberRole.RESEARCHER
    )
    application_member_accept_with_terms(membership=invitation, user=newcomer, terms=terms)
    assert terms_outstanding(application=application) == [researcher]  # the newcomer accepted on joining

    unaccredited = ResearcherFactory(profile__accreditation_number="")
    invitation = application_member_invite(
        application=application, actor=researcher, email=unaccredited.email, role=MemberRole.RESEARCHER
    )
    with pytest.raises(DomainError, match="accredited"):
        application_member_accept_with_terms(membership=invitation, user=unaccredited, terms=terms)
    assert not TermsAcceptance.objects.filter(user=unaccredited).exists()
    invitation.refresh_from_db()
    assert invitation.user_id is None


# --- a new version asks the teams to accept again ---------------------------------------------------


def test_a_new_version_asks_each_member_of_teams_in_progress_or_live_once(researcher):
    live = decided_application(lead=researcher)
    co = co_applicant(live)
    draft = ApplicationFactory()
    closed = decided_application(outcome="rejected")
    first = terms_published()
    assert _asked(first) == sorted(
        [
            (researcher.email, f"Please accept version 1 of the terms of access for {live.reference}"),
            (co.email, f"Please accept version 1 of the terms of access for {live.reference}"),
            (draft.lead.email, f"Please accept version 1 of the terms of access for {draft.reference}"),
        ]
    )
    assert closed.lead.email not in {address for address, _ in _asked(first)}
    for user in (researcher, co):
        terms_accept(application=live, user=user, terms=first)

    second = terms_published(period=14)
    assert len(_asked(second)) == 3  # accepting version 1 does not excuse anyone from version 2
    requests = TermsAcceptanceRequest.objects.filter(terms=second, application=live)
    assert {r.due_on for r in requests} == {timezone.localdate() + timedelta(days=14)}
    # the hourly sweep and a second run ask nobody again
    assert terms_acceptance_requests_send() == []
    assert terms_acceptance_requests_send(terms=second) == []
    assert len(_asked(second)) == 3
    email = QueuedEmail.objects.filter(topic=TOPIC, to=[co.email], subject__contains="version 2 ").get()
    assert f"/applications/{live.pk}/terms/" in email.body
    assert "Changes for version 2." in email.body
    assert "by " + (timezone.localdate() + timedelta(days=14)).strftime("%-d %B %Y") in email.body
    audit = AuditEvent.objects.filter(
        action=ApplicationsAuditAction.TERMS_ACCEPTANCE_REQUESTED, target_id=str(live.pk), data__version=2
    ).get()
    assert sorted(audit.data["members"]) == sorted([researcher.email, co.email])


def test_the_sweep_asks_a_team_that_became_live_after_publication_once():
    terms = terms_published(period=10)
    later = decided_application()  # approved after the version was published
    sent = terms_acceptance_requests_send(today=timezone.localdate() + timedelta(days=3))
    assert [(r.application, r.user) for r in sent] == [(later, later.lead)]
    assert sent[0].due_on == timezone.localdate() + timedelta(days=13)
    assert terms_acceptance_requests_send() == []
    assert len(_asked(terms)) == 1


def test_the_sweep_leaves_drafts_started_after_publication_to_their_checklist():
    terms_published()
    ApplicationFactory()
    assert terms_acceptance_requests_send() == []


def test_a_superseded_version_asks_nobody():
    old = terms_published()
    terms_published()
    decided_application()
    assert terms_acceptance_requests_send(terms=old) == []


# --- who has not accepted ----------------------------------------------------------------------------


def test_staff_see_the_members_of_live_teams_who_have_not_accepted_and_how_late(researcher):
    live = decided_application(lead=researcher, access_start=timezone.localdate() + timedelta(days=20))
    co = co_applicant(live, ResearcherFactory(full_name="Dr Tomasz Nowak"))
    accepted_team = decided_application()
    SubmittedApplicationFactory()  # in progress: its checklist stops it, staff's list is for live teams
    terms = terms_published(period=30)
    terms_accept(application=live, user=researcher, terms=terms)
    terms_accept(application=accepted_team, user=accepted_team.lead, terms=terms)

    today = timezone.localdate() + timedelta(days=35)
    members = terms_not_accepted_queryset(terms=terms)
    rows = terms_not_accepted_rows(members.filter(terms_due_on_date__lt=today), terms=terms, today=today)
    assert [(r.user, r.application, r.terms.number, r.days_overdue) for r in rows] == [(co, live, 1, 5)]
    assert rows[0].access_started is True  # the access start is behind "today" here
    in_time = terms_not_accepted_rows(members, terms=terms, today=timezone.localdate())
    assert [(r.user, r.days_left, r.days_overdue, r.access_started) for r in in_time] == [(co, 30, 0, False)]
    status = terms_team_status(application=live, user=co)
    assert status.live
    assert status.i_must_accept
    assert [m.user for m in status.outstanding] == [co]
    assert status.request_to_me.due_on == timezone.localdate() + timedelta(days=30)


def test_a_member_never_asked_is_due_from_publication(staff):
    terms = terms_publish(
        actor=staff,
        label="2026.1",
        text="Terms.",
        summary_of_changes="",
        acceptance_period_days=7,
        base_number=0,
    )
    live = decided_application()  # approved since, not asked yet (the sweep has not run)
    (member,) = terms_not_accepted_queryset(terms=terms)
    assert (member.user, member.terms_due_on_date, member.terms_asked_at) == (
        live.lead,
        timezone.localdate(terms.published_at) + timedelta(days=7),
        None,
    )


def test_an_inactive_staff_account_cannot_publish():
    with pytest.raises(NotPermitted):
        terms_published(actor=StaffFactory(is_active=False))


def test_the_staff_list_agrees_with_the_rule_for_every_live_team():
    """``terms_not_accepted_queryset`` is the set-based mirror of ``terms_outstanding``."""
    live = [decided_application() for _ in range(3)]
    for application in live:
        co_applicant(application)
    in_review = SubmittedApplicationFactory()
    terms = terms_published()
    terms_accept(application=live[0], user=live[0].lead, terms=terms)
    for user in terms_outstanding(application=live[1]):
        terms_accept(application=live[1], user=user, terms=terms)
    expected = {
        (application.pk, user.pk)
        for application in [*live, in_review]
        if application.status in LIVE
        for user in terms_outstanding(application=application)
    }
    found = {(m.application_id, m.user_id) for m in terms_not_accepted_queryset(terms=terms)}
    assert found == expected
    assert len(found) == 3  # live[0]'s co-applicant, live[2]'s lead and co-applicant


def test_with_no_version_published_the_team_status_asks_nothing(researcher):
    application = ApplicationFactory(lead=researcher)
    status = terms_team_status(application=application, user=researcher)
    assert status.terms is None
    assert status.outstanding == []
    assert not status.required
    assert not status.i_must_accept
