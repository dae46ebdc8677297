"""Journey 11 (issue 17: the participants' rule kept in force, and how a suspension ends): the
archive suspends a deposit; the grant using it is suspended and the staff mailbox is told, with a
link to the staff page of the application. A staff member follows that link, signs in with the
second factor, and finds that the suspension cannot be lifted while the deposit is suspended. Once
the deposit is reinstated, the staff member lifts it through the form (an empty note is refused
first); ONS is told ``access.resumed`` for the new grant, naming the suspended one."""

import re

import pytest
from django.core import mail

from applications.enums import GrantStatus
from applications.grant_selectors import grant_in_force
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.services import deposit_suspend
from notifications.enums import OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from tests.factories.accounts import PASSWORD, ResearcherFactory, StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application
from tests.security.otp import totp_code, totp_device_for

from .steps import type_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _emailed_link(to: str, subject_part: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to and subject_part in m.subject)
    return re.search(r"https?://\S+", message.body).group(0)


def test_journey_11_staff_lift_a_suspension_from_the_emailed_link(journey, live_server, settings):
    settings.SITE_URL = live_server.url
    deposit = AvailableDepositFactory(title="Moving On study")
    project = decided_application(
        lead=ResearcherFactory(full_name="Dr Amira Haddad"), deposits=[deposit], title="Care leavers and work"
    )
    first = grant_in_force(application=project)
    staff = StaffFactory(full_name="Sam Okafor")
    staff_app = totp_device_for(staff)
    deposit_suspend(actor=StaffFactory(), deposit=deposit, reason="The DPIA is being reviewed.")
    first.refresh_from_db()
    assert first.status == GrantStatus.SUSPENDED
    link = _emailed_link(settings.STAFF_ALERT_EMAIL, f"{first.reference} is suspended")
    assert link == f"{live_server.url}/panel/staff/applications/{project.reference}/", link

    office = journey("staff")
    office.goto(link)
    office.page.locator("#id_username").fill(staff.email)
    office.page.locator("#id_password").fill(PASSWORD)
    office.page.get_by_role("button", name="Sign in").click()
    office.page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    office.page.get_by_label("Code").fill(totp_code(staff_app))
    office.page.get_by_role("button", name="Continue").click()
    office.page.locator("#grant-suspension-reason").get_by_text("was suspended by the archive").wait_for()
    office.check("staff page of a suspended grant")

    office.page.get_by_role("link", name="Lift the suspension…").click()
    office.page.locator("#grant-resume-blocked").get_by_text(deposit.reference).wait_for()
    office.check("suspension cannot be lifted yet")

    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.AVAILABLE)  # reinstated by two staff
    office.page.reload()
    office.page.locator("#grant-resume-clear").wait_for()
    office.page.get_by_role("button", name="Lift the suspension and tell ONS").click()
    office.page.get_by_label("Why the suspension can be lifted").wait_for()
    assert grant_in_force(application=project).status == GrantStatus.SUSPENDED  # the empty note refused
    type_in(office.page.get_by_label("Why the suspension can be lifted"), "The DPIA review found no problem.")
    office.page.get_by_role("button", name="Lift the suspension and tell ONS").click()
    office.page.get_by_text("is live; ONS is told to provide access again").wait_for()
    office.check("suspension lifted")

    second = grant_in_force(application=project)
    assert second.status == GrantStatus.LIVE
    assert second.supersedes_id == first.pk
    (resumed,) = OnsNotification.objects.filter(grant=second, event_type=OnsEventType.RESUMED)
    assert resumed.status == OnsNotificationStatus.DELIVERED
    assert resumed.payload["data"]["supersedes_grant_reference"] == first.reference
    assert resumed.payload["data"]["reasons"] == ["The DPIA review found no problem."]
    assert any("PROVIDE ACCESS AGAIN" in m.body for m in mail.outbox if "ONS SRS access" in m.subject)
