"""The acceptance journeys end to end, through the real applications services and the panel's
screens with the test client (the browser journeys come later)."""

from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import ApplicationStatus
from applications.services import application_submit
from core.models import AuditEvent
from deposits.models import SensitiveUse
from panel.enums import PanelAuditAction
from panel.models import Decision, Vote
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import AvailableDepositFactory

pytestmark = pytest.mark.django_db


def test_acceptance_1_screened_declared_voted_decided_and_the_team_reads_the_letter(board, staff, client_for):
    lead = ResearcherFactory()
    app = complete_application(ApplicationFactory(lead=lead, title="School moves of children in care"))
    app = application_submit(application=app, actor=lead)
    ref = app.reference

    # staff screen it and open it for review
    staff_client = client_for(staff)
    assert ref in staff_client.get(reverse("panel:staff_applications")).content.decode()
    screen = staff_client.get(reverse("panel:staff_application", args=[ref])).content.decode()
    assert "which kinds of care help children" in screen
    deadline = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    assert (
        staff_client.post(
            reverse("panel:staff_application", args=[ref]), {"voting_deadline": deadline}
        ).status_code
        == 302
    )

    # four members declare no conflict and vote
    votes = [
        ("approve", "suitable"),
        ("approve", "suitable"),
        ("approve", "unsuitable"),
        ("abstain", "suitable"),
    ]
    for member, (project, fit) in zip(board.members, votes, strict=True):
        client = client_for(member)
        assert ref in client.get(reverse("panel:queue")).content.decode()
        assert client.post(reverse("panel:declare", args=[ref]), {"has_conflict": "no"}).status_code == 302
        review = client.get(reverse("panel:review", args=[ref]))
        assert review.status_code == 200
        assert "which kinds of care help children" in review.content.decode()
        response = client.post(
            reverse("panel:vote", args=[ref]),
            {
                "project_vote": project,
                "project_comment": "ok",
                "researcher_fit": fit,
                "researcher_fit_comment": "ok",
            },
        )
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200  # the tally, after my vote
    assert Vote.objects.filter(application=app).count() == 4

    # the chair declares, votes and decides
    chair_client = client_for(board.chair)
    chair_client.post(reverse("panel:declare", args=[ref]), {"has_conflict": "no"})
    chair_client.post(
        reverse("panel:vote", args=[ref]), {"project_vote": "approve", "researcher_fit": "suitable"}
    )
    page = chair_client.get(reverse("panel:decide", args=[ref])).content.decode()
    assert "Recommended outcome" in page
    end = (app.access_end - timedelta(days=60)).isoformat()
    response = chair_client.post(
        reverse("panel:decide", args=[ref]),
        {
            "outcome": "approved_with_conditions",
            "rationale": "Clear benefit to children in care.",
            "public_rationale": "Approved for its benefit to children in care.",
            "conditions": "Share the briefing with the charity before publication.",
            "access_end": end,
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    decision = Decision.objects.get(application=app)

    # the team reads the decision letter
    letter = client_for(lead).get(reverse("panel:decision_letter", args=[ref])).content.decode()
    for text in (
        "Approved with conditions",
        "Clear benefit to children in care.",
        "Share the briefing",
        decision.access_end.strftime("%-d %B %Y"),
    ):
        assert text in letter

    # every step is in the audit log with its actor and time
    events = AuditEvent.objects.filter(target_type="applications.application", target_id=str(app.pk))
    expected = [
        ("applications.application.submitted", lead),
        (PanelAuditAction.REVIEW_OPENED, staff),
        *[(PanelAuditAction.CONFLICT_DECLARED, m) for m in [*board.members, board.chair]],
        *[(PanelAuditAction.VOTE_CAST, m) for m in [*board.members, board.chair]],
        (PanelAuditAction.DECISION_RECORDED, board.chair),
    ]
    for action, actor in expected:
        event = events.filter(action=action, actor=actor).first()
        assert event is not None, (action, actor.email)
        assert event.created_at is not None


def test_acceptance_2_commercial_team_on_a_non_commercial_deposit_is_rejected_on_submission(client_for):
    commercial_use, _ = SensitiveUse.objects.get_or_create(
        code="commercial", defaults={"name": "Commercial use"}
    )
    deposit = AvailableDepositFactory(title="Moving On cohort")
    deposit.excluded_uses.add(commercial_use)
    lead = ResearcherFactory(profile__sector=OrganisationSector.UNIVERSITY)
    app = complete_application(
        ApplicationFactory(lead=lead), deposits=[deposit], sensitive_uses=[commercial_use]
    )

    # the draft warned first
    draft_page = client_for(lead).get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert "use-condition-warnings" in draft_page
    assert deposit.reference in draft_page

    app = application_submit(application=app, actor=lead)
    assert app.status == ApplicationStatus.REJECTED  # the service returns what the panel made of it
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    decision = Decision.objects.get(application=app)
    assert decision.is_automatic
    assert decision.decided_by is None
    assert (
        f"{deposit.reference} (Moving On cohort) excludes {commercial_use.name.lower()}" in decision.rationale
    )
    assert not Vote.objects.filter(application=app).exists()
    assert app.review_opened_at is None  # no panel time
    letter = client_for(lead).get(reverse("panel:decision_letter", args=[app.reference])).content.decode()
    assert "automatically" in letter
    assert deposit.reference in letter


def test_acceptance_2_commercial_sector_team_is_rejected_on_submission():
    deposit = AvailableDepositFactory(
        title="Moving On cohort", excluded_sectors=[OrganisationSector.COMMERCIAL]
    )
    lead = ResearcherFactory(profile__sector=OrganisationSector.COMMERCIAL)
    app = complete_application(ApplicationFactory(lead=lead), deposits=[deposit])
    application_submit(application=app, actor=lead)
    decision = Decision.objects.get(application=app)
    assert "may not be used by organisations in the commercial sector" in decision.rationale


def test_query_answer_resubmit_the_panel_sees_the_diff_and_earlier_votes_are_stale(board, staff, client_for):
    from applications.enums import ApplicationSection
    from applications.services import application_query_answer, application_resubmit, application_update
    from panel import services

    lead = ResearcherFactory()
    app = application_submit(application=complete_application(ApplicationFactory(lead=lead)), actor=lead)
    services.review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=7))
    member = board.members[0]
    services.conflict_declare(application=app, member=member, has_conflict=False)
    services.vote_cast(application=app, member=member, project_vote="reject", researcher_fit="suitable")
    services.conflict_declare(application=app, member=board.chair, has_conflict=False)
    chair_client = client_for(board.chair)
    response = chair_client.post(
        reverse("panel:query", args=[app.reference]), {"questions": "Why school identifiers?"}
    )
    assert response.status_code == 302

    app.refresh_from_db()
    application_query_answer(query=app.queries.get(), actor=lead, answer="To link attendance; pseudonymised.")
    application_update(
        application=app,
        actor=lead,
        section=ApplicationSection.DATA,
        data={"variables_needed": "Placement type and dates only: NEW-VARIABLES-ANSWER"},
    )
    app = application_resubmit(application=app, actor=lead)
    assert app.version_number == 2
    services.review_open(application=app, actor=staff, voting_deadline=timezone.now() + timedelta(days=7))

    client = client_for(member)
    page = client.get(reverse("panel:review", args=[app.reference])).content.decode()
    assert "What changed since version 1" in page
    assert "NEW-VARIABLES-ANSWER" in page
    assert "To link attendance; pseudonymised." in page
    assert client.get(reverse("panel:tally", args=[app.reference])).status_code == 403  # must vote again
    client.post(
        reverse("panel:vote", args=[app.reference]), {"project_vote": "approve", "researcher_fit": "suitable"}
    )
    tally = client.get(reverse("panel:tally", args=[app.reference])).content.decode()
    assert "stale" in tally
    assert Vote.objects.filter(application=app, member=member).count() == 2

    # The review page shows the current version's answers and votes; each earlier version and the
    # earlier votes are a link away (issue 19: it rendered every version's answers and every vote).
    page = client.get(reverse("panel:review", args=[app.reference])).content.decode()
    version_1 = reverse("panel:version", args=[app.reference, 1])
    assert f'href="{version_1}">Version 1</a>' in page
    old_answer = escape(app.versions.get(number=1).answers["variables_needed"])
    assert page.count(old_answer) == 1  # only as the diff's "before", not version 1 in full
    assert page.count("NEW-VARIABLES-ANSWER") == 2  # the current answers and the diff's "after"
    assert 'badge text-bg-secondary">stale' not in page  # no earlier vote is listed here
    assert "1 vote on earlier versions</a>" in page
    earlier = client.get(version_1).content.decode()
    assert "Version 1 of" in earlier
    assert "The current version is 2" in earlier
    assert "NEW-VARIABLES-ANSWER" not in earlier
    assert old_answer in earlier
    assert client.get(reverse("panel:version", args=[app.reference, 3])).status_code == 404
    assert client.get(reverse("panel:version", args=[app.reference, 2])).status_code == 200
