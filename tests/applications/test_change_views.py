"""The change request pages through the client: the lead's form, the co-applicant's acceptance from
the invitation page, the panel's review after declaring, the chair's decision, staff's delegated
decision, and the register entry showing the new datasets."""

from datetime import timedelta

import pytest
from django.urls import reverse

from applications.enums import ChangeRequestStatus, ChangeRoute
from applications.grant_selectors import grant_in_force
from applications.models import ApplicationMember, ChangeRequest
from panel.models import PanelRules
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import change_requested, live_grant
from tests.factories.panel import panel_member

pytestmark = pytest.mark.django_db


def test_acceptance_1_through_the_pages_add_a_co_applicant_and_a_deposit(client_for):
    PanelRules.objects.filter(pk=1).update(quorum=1)
    grant = live_grant()
    app = grant.application
    added = AvailableDepositFactory(title="School census extract")
    newcomer = ResearcherFactory(email="co@example.org")
    lead = client_for(app.lead)
    assert "Request a change" in lead.get(reverse("applications:detail", args=[app.pk])).content.decode()
    response = lead.post(
        reverse("applications:change_request_create", args=[app.pk]),
        {
            "invite_email": "co@example.org",
            "invite_role": "researcher",
            "deposits_added": [added.pk],
            "purpose": grant.purpose,
            "outputs_plan": grant.outputs_plan,
            "reason": "A school-moves strand.",
        },
    )
    change = ChangeRequest.objects.get(application=app)
    assert response.status_code == 302
    page = lead.get(reverse("applications:change_request", args=[app.pk, change.number])).content.decode()
    assert "School census extract" in page
    assert change.status == ChangeRequestStatus.AWAITING_TEAM
    member = ApplicationMember.objects.get(email="co@example.org")
    co = client_for(newcomer)
    assert (
        co.post(reverse("applications:invitation", args=[member.pk]), {"decision": "accept"}).status_code
        == 302
    )
    change.refresh_from_db()
    assert change.route == ChangeRoute.PANEL
    voter, chair = panel_member(), panel_member(chair=True)
    panel = client_for(voter)
    review = reverse("panel:change_review", args=[change.reference])
    assert panel.get(review).url == reverse("panel:change_declare", args=[change.reference])  # conflict first
    panel.post(reverse("panel:change_declare", args=[change.reference]), {"has_conflict": "no"})
    content = panel.get(review).content.decode()
    assert "School census extract" in content
    assert app.lay_summary not in content  # only what changes
    voted = panel.post(
        reverse("panel:change_vote", args=[change.reference]),
        {"project_vote": "approve", "researcher_fit": "suitable"},
    )
    assert voted.status_code == 302
    chair_client = client_for(chair)
    chair_client.post(reverse("panel:change_declare", args=[change.reference]), {"has_conflict": "no"})
    chair_client.post(
        reverse("panel:change_vote", args=[change.reference]),
        {"project_vote": "approve", "researcher_fit": "suitable"},
    )
    decided = chair_client.post(
        reverse("panel:change_decide", args=[change.reference]), {"outcome": "approve", "rationale": "Sound."}
    )
    assert decided.status_code == 302
    assert grant_in_force(application=app).number == 2
    entry = client_for(ResearcherFactory()).get(reverse("transparency:register_detail", args=[app.reference]))
    assert "School census extract" in entry.content.decode()
    assert f"{app.reference}-G2" in entry.content.decode()


def test_acceptance_2_through_the_pages_staff_approve_a_short_extension_a_long_one_goes_to_the_chair(
    client_for,
):
    grant = live_grant()
    app = grant.application
    lead = client_for(app.lead)
    lead.post(
        reverse("applications:change_request_create", args=[app.pk]),
        {
            "access_end": (grant.access_end + timedelta(days=90)).isoformat(),
            "reason": "Delays.",
            "purpose": grant.purpose,
            "outputs_plan": grant.outputs_plan,
        },
    )
    change = ChangeRequest.objects.get(application=app)
    assert change.route == ChangeRoute.STAFF
    staff = client_for(StaffFactory())
    assert change.reference in staff.get(reverse("panel:staff_change_requests")).content.decode()
    staff.post(
        reverse("panel:staff_change_request", args=[change.reference]),
        {"outcome": "approve", "rationale": "Within the rule."},
    )
    new = grant_in_force(application=app)
    assert new.number == 2
    lead.post(
        reverse("applications:change_request_create", args=[app.pk]),
        {
            "access_end": (new.access_end + timedelta(days=274)).isoformat(),
            "reason": "More delays.",
            "purpose": new.purpose,
            "outputs_plan": new.outputs_plan,
        },
    )
    longer = ChangeRequest.objects.filter(application=app).order_by("-number").first()
    assert longer.route == ChangeRoute.CHAIR
    refused = staff.post(
        reverse("panel:staff_change_request", args=[longer.reference]),
        {"outcome": "approve", "rationale": "x"},
    )
    assert refused.status_code == 400  # "Only a panel chair decides this change", on the form
    longer.refresh_from_db()
    assert longer.status == ChangeRequestStatus.SUBMITTED


def test_the_change_request_pages_answer_the_team_and_404_to_a_researcher_not_on_it(client_for):
    """The team-only check of tests/applications/test_views_urls_and_lists.py, on an approved project
    (change requests exist only there)."""
    grant = live_grant()
    app = grant.application
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=30))
    create = reverse("applications:change_request_create", args=[app.pk])
    detail = reverse("applications:change_request", args=[app.pk, change.number])
    withdraw = reverse("applications:change_request_withdraw", args=[app.pk, change.number])
    stranger = client_for(ResearcherFactory())
    for url in (create, detail, withdraw):
        assert stranger.get(url).status_code == 404, url
        assert stranger.post(url, {"reason": "x"}).status_code == 404, url
    lead = client_for(app.lead)
    assert lead.get(create).status_code == 200
    assert change.reference in lead.get(detail).content.decode()
    assert lead.get(withdraw).status_code == 405  # a button, not a page
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.SUBMITTED  # the stranger changed nothing
