from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.models import Application
from core.models import AuditEvent
from panel import services
from panel.enums import OutcomeRule, PanelAuditAction
from panel.models import Decision, PanelMembership, Vote
from panel.selectors import rules_current
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import SubmittedApplicationFactory, UnderReviewApplicationFactory
from tests.factories.panel import declared_vote

pytestmark = pytest.mark.django_db

SECRET_COMMENT = "SECRET-COMMENT-by-another-member"


def _urls(app) -> list[str]:
    """Every URL of the panel app (read from its urlconf, so a new page is covered too), for ``app``."""
    from panel.urls import urlpatterns

    urls = []
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        kwargs = {}
        if "<reference:reference>" in route:
            kwargs["reference"] = app.reference
        if "<int:pk>" in route:
            kwargs["pk"] = 1
        if "<int:number>" in route:
            kwargs["number"] = 1
        urls.append(reverse(f"panel:{pattern.name}", kwargs=kwargs))
    return urls


# --- acceptance 3: no vote is shown to a member before they vote -----------------------------------


@pytest.mark.parametrize("who", ["member", "chair"])
def test_no_panel_url_shows_another_vote_before_the_member_votes(board, client_for, who):
    app = UnderReviewApplicationFactory()
    other = board.members[0]
    declared_vote(
        app,
        other,
        "reject",
        "unsuitable",
        project_comment=SECRET_COMMENT,
        researcher_fit_comment=SECRET_COMMENT,
    )
    viewer = board.members[1] if who == "member" else board.chair
    services.conflict_declare(application=app, member=viewer, has_conflict=False)
    client = client_for(viewer)
    for url in _urls(app):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404, 405), url
        body = response.content.decode()
        assert SECRET_COMMENT not in body, url
        context = response.context or {}
        assert not context.get("votes"), url
        assert context.get("tally") is None, url
        assert not context.get("recommendation"), url
    assert client.get(reverse("panel:tally", args=[app.reference])).status_code == 403
    # once they vote, the tally shows the other vote
    services.vote_cast(application=app, member=viewer, project_vote="approve", researcher_fit="suitable")
    response = client.get(reverse("panel:tally", args=[app.reference]))
    assert response.status_code == 200
    assert SECRET_COMMENT in response.content.decode()


def test_votes_shown_once_voting_has_closed(board, client_for):
    app = UnderReviewApplicationFactory()
    declared_vote(app, board.members[0], project_comment=SECRET_COMMENT)
    services.conflict_declare(application=app, member=board.members[1], has_conflict=False)
    client = client_for(board.members[1])
    assert client.get(reverse("panel:tally", args=[app.reference])).status_code == 403
    app.voting_deadline = timezone.now() - timedelta(minutes=1)
    app.save(update_fields=["voting_deadline"])
    assert SECRET_COMMENT in client.get(reverse("panel:tally", args=[app.reference])).content.decode()


def test_after_resubmission_a_member_sees_no_vote_until_voting_again(board, client_for):
    app = UnderReviewApplicationFactory()
    declared_vote(app, board.members[0], project_comment=SECRET_COMMENT)
    declared_vote(app, board.members[1])
    client = client_for(board.members[1])
    assert client.get(reverse("panel:tally", args=[app.reference])).status_code == 200
    app.version_number = 2
    app.save(update_fields=["version_number"])
    assert client.get(reverse("panel:tally", args=[app.reference])).status_code == 403
    assert SECRET_COMMENT not in client.get(reverse("panel:review", args=[app.reference])).content.decode()


# --- acceptance 4: conflicts first --------------------------------------------------------------


def test_before_declaring_a_member_sees_only_title_and_organisation(board, client_for):
    app = UnderReviewApplicationFactory(lay_summary="LAY-SUMMARY-TEXT")
    client = client_for(board.members[0])
    response = client.get(reverse("panel:review", args=[app.reference]))
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:declare", args=[app.reference])
    body = client.get(reverse("panel:declare", args=[app.reference])).content.decode()
    assert app.title in body
    assert app.lead.researcher_profile.organisation in body
    assert "LAY-SUMMARY-TEXT" not in body
    assert client.get(reverse("panel:vote", args=[app.reference])).status_code == 302


def test_conflicted_member_gets_403_on_content_and_vote_and_is_not_counted(board, client_for):
    app = UnderReviewApplicationFactory()
    member = board.members[0]
    client = client_for(member)
    response = client.post(
        reverse("panel:declare", args=[app.reference]), {"has_conflict": "yes", "reason": "My former student"}
    )
    assert response.status_code == 302
    for name in ("review", "vote", "tally", "attachment"):
        args = [app.reference, 1] if name == "attachment" else [app.reference]
        assert client.get(reverse(f"panel:{name}", args=args)).status_code == 403, name
    response = client.post(
        reverse("panel:vote", args=[app.reference]), {"project_vote": "approve", "researcher_fit": "suitable"}
    )
    assert response.status_code == 403
    assert not Vote.objects.filter(member=member).exists()
    # a vote that slipped in before the declaration of conflict is not counted toward quorum
    for m in board.members[1:3]:
        declared_vote(app, m)
    Vote.objects.create(
        application=app, member=member, version_number=1, project_vote="approve", researcher_fit="suitable"
    )
    chair_client = client_for(board.chair)
    chair_client.post(reverse("panel:declare", args=[app.reference]), {"has_conflict": "no"})
    page = chair_client.get(reverse("panel:decide", args=[app.reference])).content.decode()
    assert "2 counted votes of the quorum of 3" in page
    assert "conflicted (not counted)" in page


def test_conflicted_chair_gets_403_on_the_decision_page(board, client_for):
    app = UnderReviewApplicationFactory()
    services.conflict_declare(
        application=app, member=board.chair, has_conflict=True, reason="Co-investigator"
    )
    assert client_for(board.chair).get(reverse("panel:decide", args=[app.reference])).status_code == 403


def test_a_member_cannot_open_the_decision_page(board, client_for):
    app = UnderReviewApplicationFactory()
    services.conflict_declare(application=app, member=board.members[0], has_conflict=False)
    assert client_for(board.members[0]).get(reverse("panel:decide", args=[app.reference])).status_code == 403


def test_panel_urls_answer_404_to_researchers_and_for_unopened_applications(board, client_for, researcher):
    app = UnderReviewApplicationFactory()
    submitted = SubmittedApplicationFactory()
    client = client_for(researcher)
    for url in _urls(app):
        if url in (reverse("panel:decision_letter", args=[app.reference]),):
            assert client.get(url).status_code == 404
    assert client.get(reverse("panel:review", args=[app.reference])).status_code == 403  # not a panel role
    assert (
        client_for(board.members[0]).get(reverse("panel:declare", args=[submitted.reference])).status_code
        == 404
    )


# --- acceptance 5: quorum message on the page -----------------------------------------------------


def test_chair_sees_a_clear_message_below_quorum(board, client_for):
    app = UnderReviewApplicationFactory(voting_deadline=timezone.now() + timedelta(days=1))
    declared_vote(app, board.members[0])
    services.conflict_declare(application=app, member=board.chair, has_conflict=False)
    app.voting_deadline = timezone.now() - timedelta(minutes=1)
    app.save(update_fields=["voting_deadline"])
    client = client_for(board.chair)
    response = client.post(
        reverse("panel:decide", args=[app.reference]), {"outcome": "approved", "rationale": "Fine"}
    )
    assert response.status_code == 400
    assert "The quorum is not met: 1 of the 3" in response.content.decode()
    assert not Decision.objects.exists()


def test_departure_without_reason_is_a_form_error(board, client_for):
    app = UnderReviewApplicationFactory()
    for m in board.members[:3]:
        declared_vote(app, m)
    declared_vote(app, board.chair)
    response = client_for(board.chair).post(
        reverse("panel:decide", args=[app.reference]), {"outcome": "rejected", "rationale": "No"}
    )
    assert response.status_code == 400
    assert "give the reason for departing" in response.content.decode()


# --- acceptance 7: queue query count ----------------------------------------------------------------


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("panel:queue"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_panel_queue_issues_the_same_queries_for_10_and_500_applications(board, client_for):
    member = board.members[0]
    client = client_for(member)

    def add(n):
        for i in range(n):
            app = UnderReviewApplicationFactory()
            if i % 3 == 0:
                declared_vote(app, member)
            elif i % 3 == 1:
                services.conflict_declare(application=app, member=member, has_conflict=False)
            if i % 5 == 0:  # some decided ones too
                Decision.objects.create(
                    application=app,
                    outcome="approved",
                    rationale="Fine",
                    decided_by=board.chair,
                    version_number=1,
                )
                Application.objects.filter(pk=app.pk).update(
                    status=ApplicationStatus.APPROVED, decided_at=timezone.now()
                )

    add(10)
    small = _queue_queries(client)
    add(490)
    large = _queue_queries(client)
    assert small == large
    body = client.get(reverse("panel:queue")).content.decode()
    assert "Awaiting my declaration of interests" in body
    # 100 are decided: one page of them is shown (tests/panel/test_pagination.py pages through them)
    body = client.get(reverse("panel:queue"), {"list": "decided"}).content.decode()
    assert body.count(reverse("panel:decision_letter", args=["X"]).rsplit("X", 1)[0]) == 50
    assert "Decided (100)" in body
    for list_name in ("declare", "vote", "changes", "progress"):  # every list at a fixed count too
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("panel:queue"), {"list": list_name})
        assert len(ctx.captured_queries) <= small, list_name  # an empty list skips its page query


# --- screens ---------------------------------------------------------------------------------------


def test_staff_screen_and_open_for_review(staff, board, client_for):
    app = SubmittedApplicationFactory()
    client = client_for(staff)
    assert app.reference in client.get(reverse("panel:staff_applications")).content.decode()
    page = client.get(reverse("panel:staff_application", args=[app.reference]))
    assert page.status_code == 200
    assert "ONS accreditation" in page.content.decode()
    bad = client.post(
        reverse("panel:staff_application", args=[app.reference]), {"voting_deadline": "2001-01-01T10:00"}
    )
    assert bad.status_code == 400
    assert "in the future" in bad.content.decode()
    deadline = (timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("panel:staff_application", args=[app.reference]), {"voting_deadline": deadline}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


def test_staff_query_from_the_screen(staff, client_for):
    app = SubmittedApplicationFactory()
    response = client_for(staff).post(
        reverse("panel:query", args=[app.reference]), {"questions": "Which cohort years?"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.QUERIED
    empty = client_for(staff).post(reverse("panel:query", args=[app.reference]), {"questions": ""})
    assert empty.status_code == 400


def test_staff_manage_membership_on_screen(staff, client_for):
    person = ResearcherFactory()
    client = client_for(staff)
    assert (
        client.post(reverse("panel:staff_members"), {"user": person.pk, "is_chair": "on"}).status_code == 302
    )
    person.refresh_from_db()
    assert person.is_panel_chair
    membership = PanelMembership.objects.get(user=person)
    assert client.post(reverse("panel:staff_member_chair", args=[membership.pk])).status_code == 302
    person.refresh_from_db()
    assert person.is_panel_member
    assert not person.is_panel_chair
    assert client.post(reverse("panel:staff_member_end", args=[membership.pk])).status_code == 302
    person.refresh_from_db()
    assert person.is_researcher
    assert escape(person.full_name) in client.get(reverse("panel:staff_members")).content.decode()


def test_interests_visible_to_chair_and_staff_not_to_members(board, staff, client_for):
    client = client_for(board.members[0])
    client.post(reverse("panel:interests"), {"description": "Trustee of a fostering charity"})
    assert (
        "Trustee of a fostering charity"
        in client_for(board.chair).get(reverse("panel:interest_register")).content.decode()
    )
    assert (
        "Trustee of a fostering charity"
        in client_for(staff).get(reverse("panel:interest_register")).content.decode()
    )
    assert client_for(board.members[1]).get(reverse("panel:interest_register")).status_code == 403


def test_decision_letter_for_the_team_and_404_for_others(board, client_for):
    app = UnderReviewApplicationFactory()
    for m in board.members[:3]:
        declared_vote(app, m)
    declared_vote(app, board.chair)
    services.decision_record(application=app, chair=board.chair, outcome="approved", rationale="REASONS-TEXT")
    url = reverse("panel:decision_letter", args=[app.reference])
    body = client_for(app.lead).get(url).content.decode()
    assert "REASONS-TEXT" in body
    assert "Approved" in body
    assert client_for(ResearcherFactory()).get(url).status_code == 404
    assert client_for(board.members[3]).get(url).status_code == 200


def test_vote_with_bad_input_is_a_400_with_a_message(board, client_for):
    app = UnderReviewApplicationFactory()
    services.conflict_declare(application=app, member=board.members[0], has_conflict=False)
    response = client_for(board.members[0]).post(
        reverse("panel:vote", args=[app.reference]), {"project_vote": "maybe"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Vote.objects.exists()


def test_declaring_a_conflict_without_a_reason_is_a_form_error(board, client_for):
    app = UnderReviewApplicationFactory()
    response = client_for(board.members[0]).post(
        reverse("panel:declare", args=[app.reference]), {"has_conflict": "yes"}
    )
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()


def test_panel_member_downloads_an_attachment_after_declaring(board, client_for):
    from django.core.files.base import ContentFile

    from applications.models import ApplicationAttachment

    app = UnderReviewApplicationFactory()
    attachment = ApplicationAttachment.objects.create(
        application=app,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="ethics.pdf"),
        original_name="ethics.pdf",
        description="Ethics letter",
        size=15,
        uploaded_by=app.lead,
    )
    client = client_for(board.members[0])
    url = reverse("panel:attachment", args=[app.reference, attachment.pk])
    assert client.get(url).status_code == 302  # declare first
    services.conflict_declare(application=app, member=board.members[0], has_conflict=False)
    assert "Ethics letter" in client.get(reverse("panel:review", args=[app.reference])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    services.conflict_declare(application=app, member=board.members[1], has_conflict=True, reason="Colleague")
    assert client_for(board.members[1]).get(url).status_code == 403


def test_decision_admin_is_read_only(board, client_for):
    from tests.factories.accounts import StaffFactory

    app = UnderReviewApplicationFactory()
    for m in board.members[:3]:
        declared_vote(app, m)
    declared_vote(app, board.chair)
    decision = services.decision_record(
        application=app, chair=board.chair, outcome="approved", rationale="Fine"
    )
    admin = StaffFactory(is_superuser=True)
    client = client_for(admin)
    url = reverse("admin:panel_decision_change", args=[decision.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"rationale": "edited", "outcome": "rejected"})
    assert (
        client.post(reverse("admin:panel_decision_delete", args=[decision.pk]), {"post": "yes"}).status_code
        == 403
    )
    decision.refresh_from_db()
    assert decision.rationale == "Fine"
    assert Decision.objects.count() == 1


def test_home_page_lists_the_panel_members_next_actions(board, staff, client_for):
    UnderReviewApplicationFactory()
    SubmittedApplicationFactory()
    body = client_for(board.members[0]).get(reverse("core:home")).content.decode()
    assert "Applications awaiting you" in body
    assert "Applications to screen" in client_for(staff).get(reverse("core:home")).content.decode()


def test_automatic_decision_letter_hidden_from_the_panel_when_it_never_reached_them(board, client_for):
    app = SubmittedApplicationFactory()
    from deposits.selectors import UseConditionMatch

    services.decision_record_automatic_rejection(
        application=app, matches=[UseConditionMatch("DEP-1", "Study", "sector", "Commercial")]
    )
    url = reverse("panel:decision_letter", args=[app.reference])
    assert client_for(board.members[0]).get(url).status_code == 404
    assert client_for(app.lead).get(url).status_code == 200


# --- the panel's rules -----------------------------------------------------------------------------


def test_staff_change_the_quorum_on_the_rules_page_and_it_is_audited(client_for, staff, board):
    client = client_for(staff)
    page = client.get(reverse("panel:staff_rules"))
    assert page.status_code == 200
    assert 'type="submit"' in page.content.decode()
    assert reverse("panel:staff_rules") in client.get(reverse("panel:staff_members")).content.decode()
    before = rules_current().snapshot()
    response = client.post(reverse("panel:staff_rules"), {"quorum": 4, "outcome_rule": OutcomeRule.UNANIMOUS})
    assert response.status_code == 302
    assert rules_current().snapshot() == {"quorum": 4, "outcome_rule": OutcomeRule.UNANIMOUS}
    event = AuditEvent.objects.get(action=PanelAuditAction.RULES_CHANGED)
    assert event.actor == staff
    assert event.data == {"from": before, "to": {"quorum": 4, "outcome_rule": OutcomeRule.UNANIMOUS}}


def test_panel_members_and_chairs_cannot_change_the_rules(client_for, board):

    before = rules_current().snapshot()
    for person in (board.members[0], board.chair):
        client = client_for(person)
        assert client.get(reverse("panel:staff_rules")).status_code == 403
        assert (
            client.post(reverse("panel:staff_rules"), {"quorum": 1, "outcome_rule": "majority"}).status_code
            == 403
        )
    assert rules_current().snapshot() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quorum": 0, "outcome_rule": "majority"}, "quorum", "greater than or equal to 1"),
        ({"quorum": "three", "outcome_rule": "majority"}, "quorum", "whole number"),
        ({"quorum": 3, "outcome_rule": "most"}, "outcome_rule", "Select a valid choice"),
        ({"quorum": 9, "outcome_rule": "majority"}, "quorum", "could never be met"),
    ],
)
def test_invalid_panel_rules_get_a_form_error_and_change_nothing(
    client_for, staff, board, data, field, message
):

    before = rules_current().snapshot()
    response = client_for(staff).post(reverse("panel:staff_rules"), data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert rules_current().snapshot() == before
    assert not AuditEvent.objects.filter(action=PanelAuditAction.RULES_CHANGED).exists()


def test_a_conflicted_members_403_says_they_declared_a_conflict_not_their_role(board, client_for):
    app = UnderReviewApplicationFactory()
    client = client_for(board.members[0])
    services.conflict_declare(
        application=app, member=board.members[0], has_conflict=True, reason="A colleague"
    )
    response = client.get(reverse("panel:review", args=[app.reference]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You declared a conflict of interest on this application" in page
    assert "role" not in page.split('id="main"')[1]


@pytest.mark.parametrize(("raiser", "label"), [("staff", "archive staff"), ("chair", "the panel chair")])
def test_a_query_is_labelled_by_who_raised_it(board, client_for, request, raiser, label):
    app = SubmittedApplicationFactory()
    actor = request.getfixturevalue("staff") if raiser == "staff" else board.chair
    if raiser == "chair":
        app = UnderReviewApplicationFactory()
        services.conflict_declare(application=app, member=actor, has_conflict=False)
    services.application_query_raise(application=app, actor=actor, questions="Why school identifiers?")
    client = client_for(app.lead)
    detail = client.get(reverse("applications:detail", kwargs={"pk": app.pk})).content.decode()
    assert f"Queried by {label}</dt>" in detail
    assert "Queried by the panel<" not in detail  # the old label, on the status and the date
    questions = client.get(reverse("applications:queries", kwargs={"pk": app.pk})).content.decode()
    assert f"Questions from {label} on version 1" in questions
    listing = client.get(reverse("applications:my_list")).content.decode()
    assert "Queried by the panel<" not in listing


def test_the_declaration_page_names_the_team_and_their_organisations_but_no_answers(board, client_for):
    from applications.enums import MemberRole, MemberStatus
    from applications.models import ApplicationMember

    lead = ResearcherFactory(full_name="Dr Nia Adeyemi", profile__organisation="University of Leeds")
    app = UnderReviewApplicationFactory(lead=lead, lay_summary="LAY-SUMMARY-TEXT")
    colleague = ResearcherFactory(full_name="Tom Reyes", profile__organisation="Coram")
    ApplicationMember.objects.create(
        application=app,
        user=colleague,
        email=colleague.email,
        role=MemberRole.SUPERVISOR,
        status=MemberStatus.ACCEPTED,
    )
    page = client_for(board.members[0]).get(reverse("panel:declare", args=[app.reference])).content.decode()
    team = page.split('id="declare-team"')[1].split("</table>")[0]
    for text in (
        "Dr Nia Adeyemi",
        "University of Leeds",
        "Lead applicant",
        "Tom Reyes",
        "Coram",
        "Supervisor",
    ):
        assert text in team
    assert "LAY-SUMMARY-TEXT" not in page


def test_staff_and_the_panel_read_the_register_answers_of_the_submitted_version(staff, board, client_for):
    """Funders and sponsors, the legal bases and the consent to be named are answers like the others:
    frozen with the version, shown to staff screening it and to the panel reviewing it."""
    from applications.services import application_submit
    from tests.factories.applications import ApplicationFactory, complete_application

    app = complete_application(ApplicationFactory())
    application_submit(application=app, actor=app.lead)
    expected = [
        "Funders and sponsors",
        escape("Nuffield Foundation, University of Bristol (sponsor)"),
        "Legal basis under UK GDPR Article 6",
        "Art 6(1)(e) public task",
        "Condition for special category data under UK GDPR Article 9",
        "Art 9(2)(j) archiving, research and statistics",
        "The team agrees to be named in the public register if approved",
    ]
    staff_page = client_for(staff).get(reverse("panel:staff_application", args=[app.reference]))
    for text in expected:
        assert text in staff_page.content.decode(), text
    services.review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=14))
    member = board.members[0]
    services.conflict_declare(application=app, member=member, has_conflict=False)
    review = client_for(member).get(reverse("panel:review", args=[app.reference]))
    assert review.status_code == 200
    for text in expected:
        assert text in review.content.decode(), text
