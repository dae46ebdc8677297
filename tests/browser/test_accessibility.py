"""Errors are announced and linked to their fields: the sign-in refusal and the sign-up form's
field errors (role=alert summary with links; each field is aria-invalid and described by its error)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wrong_password_is_announced(journey, researcher):
    me = journey()
    me.sign_in(researcher.email, "not-the-password")
    alert = me.page.get_by_role("alert")
    assert "not right" in alert.inner_text()
    me.check("wrong password")


def test_field_errors_are_announced_and_linked_to_their_fields(journey):
    me = journey()
    page = me.page
    me.goto("/accounts/sign-up/")
    page.get_by_label("Full name").fill("Dr Ada Ellis")
    page.get_by_label("Email address").fill("ada.ellis@example.org")
    page.locator("#id_password1").fill("Lantern-Orchard-2026")
    page.locator("#id_password2").fill("Lantern-Orchard-2062")
    page.locator("#id_password2").press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Password again" in alert.inner_text()
    me.check("sign-up with errors")

    field = page.locator("#id_password2")
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby").split()
    messages = " ".join(page.locator(f"#{i}").inner_text() for i in described_by)
    assert "The two passwords do not match." in messages
    alert.get_by_role("link", name="Password again").click()
    assert page.evaluate("document.activeElement.id") == "id_password2"


def test_the_researcher_form_announces_a_field_error_and_links_it(journey, researcher):
    from tests.factories.applications import ApplicationFactory

    app = ApplicationFactory(lead=researcher, title="Care leavers and housing")
    me = journey(user=researcher)
    page = me.page
    me.goto(f"/applications/{app.pk}/section/project/")
    page.get_by_label("Access start").fill("2027-06-01")
    page.get_by_label("Access end").fill("2027-01-01")
    page.get_by_role("button", name="Save this section").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "The access end must be after its start." in alert.inner_text()
    me.check("section with an error")
    field = page.locator("#id_access_end")
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby").split()
    assert "must be after its start" in " ".join(page.locator(f"#{i}").inner_text() for i in described_by)
    alert.get_by_role("link", name="Access end").click()
    assert page.evaluate("document.activeElement.id") == "id_access_end"
