"""Journey 4: a draft that asks for a sensitive use a deposit excludes is warned about while the
team edits it; submitted anyway, it is rejected automatically, and the team reads why."""

import pytest

from applications.enums import ApplicationStatus
from panel.models import Decision
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.deposits import AvailableDepositFactory, SensitiveUseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_journey_4_a_broken_use_condition_is_warned_about_then_rejected_automatically(journey):
    linkage = SensitiveUseFactory(code="journey-health-linkage", name="Linkage to health records")
    deposit = AvailableDepositFactory(title="Moving On: outcomes for care leavers", excluded_uses=[linkage])
    lead = ResearcherFactory(full_name="Dr Owen Pryce")
    app = complete_application(
        ApplicationFactory(lead=lead, title="Care leavers' hospital stays"), deposits=[deposit]
    )

    me = journey("lead", user=lead)
    page = me.page
    me.goto(f"/applications/{app.pk}/section/data/")
    assert page.locator("#use-condition-warnings").count() == 0
    page.get_by_label("Linkage to health records").check()
    page.get_by_role("button", name="Save this section").click()
    page.get_by_text("Safe data is saved.").wait_for()
    warning = page.locator("#use-condition-warnings")
    assert warning.get_attribute("role") == "alert"
    assert "it would be rejected automatically on submission" in warning.inner_text()
    assert f"{deposit.reference} ({deposit.title}) excludes linkage to health records" in warning.inner_text()
    me.check("warned on the draft")

    me.goto(f"/applications/{app.pk}/")
    assert "rejected automatically" in page.locator("#use-condition-warnings").inner_text()
    page.get_by_role("link", name="Submit…").click()
    page.locator("#use-condition-warnings").wait_for()
    me.check("submit page with the warning")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_role("heading", name="Care leavers' hospital stays").wait_for()
    assert "Rejected" in page.locator("#application-status").inner_text()
    me.check("rejected on submission")

    page.get_by_role("link", name="Read the decision letter").click()
    page.get_by_role("heading", name=f"Decision on {app.reference}").wait_for()
    letter = page.locator("article").inner_text()
    assert "automatically on submission, without a panel vote" in letter
    assert "linkage to health records" in letter.lower()
    assert deposit.reference in letter
    me.check("decision letter says why")

    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    decision = Decision.objects.get(application=app)
    assert decision.is_automatic
    assert decision.decided_by is None
