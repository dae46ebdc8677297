"""Every email the portal sends, driven through the service that sends it: each link in it is
absolute, starts with SITE_URL (never the request's host, never a default port) and opens a page of
the portal. A new template under templates/emails/ without a driver here fails the walk."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import resolve
from django.utils import timezone

from accounts import services as accounts_services
from accounts.enums import Role
from accounts.models import ResearcherProfile
from applications import services as applications_services
from applications.accreditation_watch import accreditation_reminders_send
from applications.after_approval.services import application_close_early, reports_process
from applications.enums import MemberRole
from applications.grant_screening import grant_rescreen
from applications.grant_selectors import grant_in_force
from applications.grant_services import change_request_member_decline, grant_resume
from applications.models import Application, ApplicationMember
from core.models import QueuedEmail
from deposits import services as deposits_services
from deposits.enums import DepositStatus
from deposits.models import Deposit, SensitiveUse
from notifications.models import OnsNotification
from notifications.services import ons_incidents_review, ons_notification_deliver
from panel import services as panel_services
from panel.models import PanelMembership
from panel.services import application_revoke
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import (
    ApplicationFactory,
    SubmittedApplicationFactory,
    UnderReviewApplicationFactory,
    complete_application,
    terms_published,
)
from tests.factories.deposits import AvailableDepositFactory, DepositFactory, governance_documents
from tests.factories.grants import change_requested, live_grant
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test
from tests.factories.panel import declared_vote, panel_member
from tests.factories.transparency import decided_application
from transparency.services import access_periods_process

pytestmark = pytest.mark.django_db

SITE_URL = "https://portal.example.org:8443"
EMAILS = Path(django_settings.BASE_DIR) / "templates" / "emails"
LINK = re.compile(r"[a-z][a-z0-9+.-]*://[^\s<>\"']+")
BARE_PATH = re.compile(r"(?<![\w/:.])/[a-z0-9_-]+/[^\s<>\"']*")


def _link_from(topic: str) -> str:
    body = QueuedEmail.objects.filter(topic=topic).latest("pk").body
    return LINK.search(body).group(0)


# --- one driver per email: it makes the portal send that email as people would -------------------


def _sign_up():
    accounts_services.user_sign_up(email="new@example.org", full_name="Ada Lovelace", password="x" * 20)


def _sign_up_existing():
    existing = ResearcherFactory()
    accounts_services.user_sign_up(email=existing.email, full_name="Someone", password="x" * 20)


def _email_change():
    accounts_services.user_email_change_request(user=ResearcherFactory(), new_email="moved@example.org")


def _email_change_taken():
    accounts_services.user_email_change_request(user=ResearcherFactory(), new_email=ResearcherFactory().email)


def _email_changed():
    _email_change()
    token = urlsplit(_link_from("accounts/email_change_confirm")).path.rstrip("/").rsplit("/", 1)[1]
    accounts_services.user_email_change_confirm(token=token)


def _invitation():
    accounts_services.user_invite(
        actor=StaffFactory(), email="invitee@example.org", full_name="Grace Hopper", role=Role.PANEL_MEMBER
    )


def _password_reset(client):
    # The request's host must not make the link: the portal's address is SITE_URL.
    client.post("/accounts/password/reset/", {"email": ResearcherFactory().email}, HTTP_HOST="localhost")


def _member_invited():
    application = ApplicationFactory()
    applications_services.application_member_invite(
        application=application,
        actor=application.lead,
        email="colleague@example.org",
        role=MemberRole.RESEARCHER,
    )


def _member_accepted():
    application = ApplicationFactory()
    colleague = ResearcherFactory()
    membership = applications_services.application_member_invite(
        application=application, actor=application.lead, email=colleague.email, role=MemberRole.RESEARCHER
    )
    applications_services.application_member_accept(membership=membership, user=colleague)


def _submitted():
    application = complete_application(ApplicationFactory())
    return applications_services.application_submit(application=application, actor=application.lead)


def _resubmitted():
    application = _submitted()
    query = panel_services.application_query_raise(
        application=application, actor=StaffFactory(), questions="Why school identifiers?"
    )
    applications_services.application_query_answer(
        query=query, actor=application.lead, answer="To follow school moves."
    )
    applications_services.application_resubmit(application=application, actor=application.lead)


def _withdrawn():
    application = SubmittedApplicationFactory()
    applications_services.application_withdraw(
        application=application, actor=application.lead, reason="Moved"
    )


def _terms_to_accept():
    decided_application()  # a live team, asked within the version's period
    ApplicationFactory()  # a team in progress, asked before it can submit
    terms_published()


def _awaiting_approval():
    staff = StaffFactory()
    StaffFactory()
    deposit = DepositFactory(created_by=staff)
    governance_documents(deposit)
    deposits_services.deposit_submit_for_approval(actor=staff, deposit=deposit)


def _use_conditions_change():
    StaffFactory()
    deposit = AvailableDepositFactory(created_by=StaffFactory())
    governance_documents(deposit)
    deposits_services.deposit_update(
        actor=StaffFactory(),
        deposit=deposit,
        fields={"excluded_sectors": ["commercial"]},
        excluded_uses=list(SensitiveUse.objects.filter(code="commercial")),
        reason="Participants were promised no commercial use",
    )


def _ons_incident_opened(settings):
    settings.ONS_NOTIFY_EMAIL = ""
    settings.ONS_WEBHOOK_URL = "http://127.0.0.1:9/ons"  # nothing listens: the delivery fails
    settings.ONS_WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    settings.ONS_RETRY_DELAYS = []  # no retry window: the first failure fails the notification
    decision = decision_record_for_test(application=OnsApplicationFactory())
    ons_notification_deliver(notification_id=OnsNotification.objects.get(decision=decision).pk)


def _ons_incident_closed(settings):
    _ons_incident_opened(settings)
    settings.ONS_INCIDENT_QUIET_SECONDS = 0
    ons_incidents_review()


def _ons_notification(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    decision = decision_record_for_test(application=OnsApplicationFactory())
    ons_notification_deliver(notification_id=OnsNotification.objects.get(decision=decision).pk)


def _review_opened():
    panel_member()
    panel_services.review_open(
        application=SubmittedApplicationFactory(),
        actor=StaffFactory(),
        voting_deadline=timezone.now() + timedelta(days=7),
    )


def _query_raised():
    panel_services.application_query_raise(
        application=SubmittedApplicationFactory(), actor=StaffFactory(), questions="Why school identifiers?"
    )


def _vote_reminder():
    panel_member()
    UnderReviewApplicationFactory(voting_deadline=timezone.now() + timedelta(hours=20))
    panel_services.vote_reminders_send()


def _decision():
    application = UnderReviewApplicationFactory()
    members = [panel_member() for _ in range(4)]
    for member in members:
        declared_vote(application, member)
    chair = panel_member(chair=True)
    panel_services.conflict_declare(application=application, member=chair, has_conflict=False)
    application.voting_deadline = timezone.now() - timedelta(minutes=1)
    application.save(update_fields=["voting_deadline"])
    panel_services.decision_record(
        application=application, chair=chair, outcome="approved", rationale="Good."
    )


def _access_revoked(settings):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    application_revoke(application=application, actor=StaffFactory(), reason="Outputs released unchecked.")


def _quorum_reached():
    application = UnderReviewApplicationFactory()
    panel_member(chair=True)
    for member in [panel_member() for _ in range(3)]:
        panel_services.conflict_declare(application=application, member=member, has_conflict=False)
        panel_services.vote_cast(
            application=application, member=member, project_vote="approve", researcher_fit="suitable"
        )


def _withdrawn_under_review():
    panel_member()
    application = UnderReviewApplicationFactory()
    applications_services.application_withdraw(application=application, actor=application.lead)


def _access_ending():
    application = decided_application()
    access_periods_process(today=application.decision.access_end - timedelta(days=10))


def _access_ended():
    application = decided_application()
    access_periods_process(today=application.decision.access_end + timedelta(days=1))


def _report_reminder():
    application = decided_application()
    today = timezone.localdate()
    Application.objects.filter(pk=application.pk).update(access_start=today - timedelta(days=365 - 20))
    reports_process(today=today)


def _closed_early():
    application = decided_application()
    application_close_early(application=application, actor=application.lead, reason="Finished early.")


def _change_requested():
    """The lead asks for a new outputs plan (the chair decides it): the team hears it was opened,
    the chair that it waits."""
    panel_member(chair=True)
    return change_requested(live_grant(), outputs_plan="A report for the Department as well.")


def _change_request_declined():
    invitee = ResearcherFactory(email="invitee@example.org")
    change = change_requested(live_grant(), invitations=[(invitee.email, MemberRole.RESEARCHER)])
    change_request_member_decline(
        membership=ApplicationMember.objects.get(change_request=change, email=invitee.email), user=invitee
    )


def _change_request_decided():
    change = _change_requested()
    chair = PanelMembership.objects.get(is_chair=True, ended_at=None).user
    panel_services.change_conflict_declare(change_request=change, member=chair, has_conflict=False)
    panel_services.change_request_decide(
        change_request=change, actor=chair, outcome="approve", rationale="Sound."
    )


def _grant_suspended(settings):
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    grant = live_grant()
    Deposit.objects.filter(pk__in=grant.deposits.all()).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=grant.pk, cause="suspended")


def _grant_reduced(settings):
    """A withdrawn deposit taken off a grant that has another (team and staff told); a co-applicant
    whose accreditation lapsed taken off the team (told why)."""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    application = OnsApplicationFactory(deposits=[AvailableDepositFactory(), AvailableDepositFactory()])
    decision_record_for_test(application=application)
    grant = grant_in_force(application=application)
    Deposit.objects.filter(pk=grant.deposits.order_by("pk")[0].pk).update(status=DepositStatus.WITHDRAWN)
    colleague = ApplicationMember.objects.get(
        application=application, role=MemberRole.RESEARCHER, user__isnull=False
    )
    ResearcherProfile.objects.filter(user=colleague.user).update(
        accreditation_expires_on=timezone.localdate() - timedelta(days=1)
    )
    grant_rescreen(grant_id=grant.pk, cause="withdrawn")


def _grant_resumed(settings):
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    grant = live_grant()
    Deposit.objects.filter(pk__in=grant.deposits.all()).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=grant.pk, cause="suspended")
    Deposit.objects.filter(pk__in=grant.deposits.all()).update(status=DepositStatus.AVAILABLE)
    grant.refresh_from_db()
    grant_resume(grant=grant, actor=StaffFactory(), note="Reinstated.")


def _accreditation_expiring():
    grant = live_grant()
    ResearcherProfile.objects.filter(user=grant.application.lead).update(
        accreditation_expires_on=timezone.localdate() + timedelta(days=60)
    )
    accreditation_reminders_send()


DRIVERS = {
    "applications/grant_amended_by_archive": _grant_reduced,
    "applications/member_access_ended": _grant_reduced,
    "applications/grant_resumed": _grant_resumed,
    "applications/accreditation_expiring": _accreditation_expiring,
    "applications/change_request_opened": _change_requested,
    "applications/change_request_declined": _change_request_declined,
    "applications/grant_suspended": _grant_suspended,
    "panel/change_request_to_decide": _change_requested,
    "panel/change_request_decided": _change_request_decided,
    "accounts/confirm_email": _sign_up,
    "accounts/sign_up_existing": _sign_up_existing,
    "accounts/email_change_confirm": _email_change,
    "accounts/email_change_taken": _email_change_taken,
    "accounts/email_changed_notice": _email_changed,
    "accounts/invitation": _invitation,
    "accounts/password_reset": _password_reset,
    "applications/member_invited": _member_invited,
    "applications/member_accepted": _member_accepted,
    "applications/submitted": _submitted,
    "applications/resubmitted": _resubmitted,
    "applications/withdrawn": _withdrawn,
    "applications/terms_to_accept": _terms_to_accept,
    "deposits/awaiting_approval": _awaiting_approval,
    "deposits/use_conditions_change_proposed": _use_conditions_change,
    "notifications/ons_incident_opened": _ons_incident_opened,
    "notifications/ons_incident_closed": _ons_incident_closed,
    "notifications/ons_notification": _ons_notification,
    "notifications/access_revoked": _access_revoked,
    "panel/review_opened": _review_opened,
    "panel/query_raised": _query_raised,
    "panel/vote_reminder": _vote_reminder,
    "panel/decision": _decision,
    "panel/quorum_reached": _quorum_reached,
    "panel/submission_to_screen": _submitted,
    "panel/withdrawn": _withdrawn_under_review,
    "transparency/access_ending": _access_ending,
    "transparency/access_ended": _access_ended,
    "applications/report_reminder": _report_reminder,
    "applications/closed_early": _closed_early,
    "applications/closed_early_staff": _closed_early,
}

#: Where each email's links go (URL names); an email without links maps to an empty set.
DESTINATIONS = {
    "applications/change_request_opened": {"applications:change_request"},
    "applications/change_request_declined": {"applications:change_request"},
    # The team's email links their page; the staff mailbox's, the staff page of the application.
    "applications/grant_suspended": ({"applications:detail"}, {"panel:staff_application"}),
    "applications/grant_amended_by_archive": ({"applications:detail"}, {"panel:staff_application"}),
    "applications/member_access_ended": {"accounts:profile"},
    "applications/grant_resumed": {"applications:detail"},
    "applications/accreditation_expiring": {"accounts:profile", "applications:detail"},
    "panel/change_request_to_decide": {"panel:change_review"},
    "panel/change_request_decided": {"applications:change_request"},
    "accounts/confirm_email": {"accounts:confirm_email"},
    "accounts/sign_up_existing": {"accounts:login", "accounts:password_reset"},
    "accounts/email_change_confirm": {"accounts:email_change_confirm"},
    "accounts/email_change_taken": set(),
    "accounts/email_changed_notice": set(),
    "accounts/invitation": {"accounts:password_reset_confirm"},
    "accounts/password_reset": {"accounts:password_reset_confirm"},
    "applications/member_invited": {"applications:invitation", "accounts:sign_up"},
    "applications/terms_to_accept": {"applications:terms_accept", "terms:version"},
    "applications/member_accepted": {"applications:detail"},
    "applications/submitted": {"applications:detail"},
    "applications/resubmitted": {"applications:detail"},
    "applications/withdrawn": {"applications:detail"},
    "deposits/awaiting_approval": {"deposits:staff_approve"},
    "deposits/use_conditions_change_proposed": {"deposits:staff_change_approve"},
    "notifications/ons_incident_opened": {"notifications:log"},
    "notifications/ons_incident_closed": {"notifications:log", "notifications:detail"},
    "notifications/ons_notification": set(),
    "notifications/access_revoked": {"applications:detail"},
    "panel/review_opened": {"panel:review"},
    "panel/query_raised": {"applications:queries"},
    "panel/vote_reminder": {"panel:review"},
    "panel/decision": {"panel:decision_letter"},
    "panel/quorum_reached": {"panel:review"},
    "panel/submission_to_screen": {"panel:staff_application"},
    "panel/withdrawn": {"panel:review"},
    "transparency/access_ending": {"applications:detail"},
    "transparency/access_ended": {"applications:detail", "applications:report"},
    "applications/report_reminder": {"applications:report"},
    "applications/closed_early": {"applications:report"},
    "applications/closed_early_staff": {"panel:staff_application"},
}


def _run(driver, *, client, settings):
    arguments = {"client": client, "settings": settings}
    names = driver.__code__.co_varnames[: driver.__code__.co_argcount]
    driver(**{name: arguments[name] for name in names})


def test_every_email_template_has_a_driver():
    templates = {str(path.relative_to(EMAILS).with_suffix("")) for path in EMAILS.rglob("*.txt")}
    assert templates == set(DRIVERS) == set(DESTINATIONS)


@pytest.mark.parametrize("template", sorted(DRIVERS))
def test_every_link_in_every_email_is_absolute_from_site_url_and_opens_a_page(
    template, client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE_URL
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        _run(DRIVERS[template], client=client, settings=settings)
    queued = [(email.subject, email.body) for email in QueuedEmail.objects.filter(topic=template)]
    if template == "notifications/ons_notification":  # sent by the ONS outbox, not the email outbox
        queued = [(m.subject, m.body) for m in mail.outbox if "ONS SRS access" in m.subject]
    assert queued, f"the driver sent no {template} email"
    expected = DESTINATIONS[template]
    alternatives = expected if isinstance(expected, tuple) else (expected,)
    seen = []
    for subject, body in queued:
        text = f"{subject}\n{body}"
        assert not BARE_PATH.findall(text), f"{template} has a link without the site's address"
        destinations = set()
        for link in LINK.findall(text):
            if link == settings.ONS_WEBHOOK_URL:
                continue  # the failed alert names the ONS address it could not reach
            assert link.startswith(SITE_URL + "/"), f"{template}: {link} is not on {SITE_URL}"
            destinations.add(resolve(urlsplit(link).path).view_name)
        assert destinations in alternatives, (template, destinations)
        seen.append(destinations)
    assert all(alternative in seen for alternative in alternatives), (template, seen)
