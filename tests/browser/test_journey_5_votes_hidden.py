"""Journey 5: a panel member does not see the other members' votes (names, choices, comments) until
they have voted on the current version; after voting they see the tally and every vote."""

import pytest

from panel.enums import ProjectVote
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.panel import declared_vote, panel_member

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_COMMENT = "The request for school identifiers is broader than the questions need."


def test_journey_5_a_member_sees_the_others_votes_only_after_voting(journey):
    app = UnderReviewApplicationFactory(title="Placement moves and exclusions")
    ref = app.reference
    other = panel_member(full_name="Priya Raman", email="journey5-other@example.org")
    declared_vote(app, other, ProjectVote.REJECT, project_comment=OTHER_COMMENT)
    member = panel_member(full_name="Tom Hughes", email="journey5-member@example.org")

    me = journey("member", user=member)
    page = me.page
    me.goto(f"/panel/applications/{ref}/")
    page.get_by_label("No, I have no conflict of interest").check()  # declaring comes first
    page.get_by_role("button", name="Record my declaration").click()
    page.get_by_text("Your declaration is recorded.").wait_for()
    me.check("review page before voting")
    body = page.locator("main").inner_text()
    assert "You see the other members' votes after you vote." in body
    assert "Priya Raman" not in body
    assert OTHER_COMMENT not in body
    assert "Reject" not in body
    assert page.get_by_role("heading", name="The tally").count() == 0
    assert page.get_by_role("link", name="The tally").count() == 0
    assert page.goto(f"/panel/applications/{ref}/tally/").status == 403
    assert OTHER_COMMENT not in page.content()

    me.goto(f"/panel/applications/{ref}/vote/")
    assert OTHER_COMMENT not in page.content()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Suitable", exact=True).check()
    page.get_by_role("button", name="Record my vote").click()
    page.get_by_text("Your vote is recorded.").wait_for()
    me.goto(f"/panel/applications/{ref}/")
    page.get_by_role("heading", name="The tally").wait_for()
    body = page.locator("main").inner_text()
    assert "Priya Raman" in body
    assert OTHER_COMMENT in body
    assert "1 approve, 1 reject" in body
    me.check("review page after voting")
