"""Accreditation during a grant: a team member whose ONS accreditation expires before the grant's
access ends is warned 90 and 30 days ahead (``accreditation_reminder_kind``), once each per expiry
date, with the lead told too. When it lapses, the hourly re-screen (``grant_screening``) ends that
member's access (or suspends the grant, for the lead) unless it was renewed on the profile first."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.links import absolute_url
from core.services import audit_record, email_queue

from .enums import AccreditationReminderKind, ApplicationsAuditAction, MemberStatus
from .grant_selectors import GRANTS_SCREENED
from .models import AccreditationReminder, ApplicationMember, Grant

#: The thresholds, widest first.
REMINDER_KINDS = (AccreditationReminderKind.DAYS_90, AccreditationReminderKind.DAYS_30)


def accreditation_reminder_kind(*, expires_on: date, access_end: date | None, today: date) -> str | None:
    """Which warning is due today for an accreditation expiring on ``expires_on`` inside a grant
    ending on ``access_end``: the narrowest threshold reached (30 days, else 90), none once it has
    expired (the re-screen acts then) or when it outlasts the access period."""
    if expires_on < today or (access_end is not None and expires_on >= access_end):
        return None
    days_left = (expires_on - today).days
    due = [kind for kind in REMINDER_KINDS if days_left <= kind.days]
    return due[-1] if due else None


def accreditation_members_to_warn(*, today: date) -> list[tuple[ApplicationMember, Grant, str]]:
    """Each accepted member of a live or suspended grant's team whose accreditation expires within
    90 days and before the access end, with the grant and the warning due; one query for members."""
    grants = {
        grant.application_id: grant
        for grant in Grant.objects.filter(status__in=GRANTS_SCREENED).only(
            "pk", "reference", "application_id", "access_end"
        )
    }
    members = (
        ApplicationMember.objects.filter(
            application_id__in=list(grants),
            status=MemberStatus.ACCEPTED,
            user__researcher_profile__accreditation_expires_on__gte=today,
            user__researcher_profile__accreditation_expires_on__lte=today
            + timedelta(days=AccreditationReminderKind.DAYS_90.days),
        )
        .select_related("user__researcher_profile", "application__lead")
        .order_by("pk")
    )
    due = []
    for member in members:
        grant = grants[member.application_id]
        expires_on = member.user.researcher_profile.accreditation_expires_on
        kind = accreditation_reminder_kind(expires_on=expires_on, access_end=grant.access_end, today=today)
        if kind is not None:
            due.append((member, grant, kind))
    return due


def accreditation_reminders_send(*, today: date | None = None) -> list[AccreditationReminder]:
    """Hourly (celery beat): warn each member whose accreditation expires before their grant's access
    end (and the lead): one reminder row per member, threshold and expiry date (a constraint, so two
    runs never warn twice), one email and one audit event each, in its own transaction."""
    today = today or timezone.localdate()
    sent = []
    for member, grant, kind in accreditation_members_to_warn(today=today):
        expires_on = member.user.researcher_profile.accreditation_expires_on
        try:
            with transaction.atomic():
                reminder = AccreditationReminder.objects.create(
                    member=member, kind=kind, expires_on=expires_on
                )
                application = member.application
                email_queue(
                    to=[member.user.email, application.lead.email],
                    template="applications/accreditation_expiring",
                    context={
                        "application": application,
                        "grant": grant,
                        "member": member,
                        "expires_on": expires_on,
                        "days_left": (expires_on - today).days,
                        "profile_url": absolute_url("accounts:profile"),
                        "url": absolute_url("applications:detail", pk=application.pk),
                    },
                )
                audit_record(
                    actor=None,
                    action=ApplicationsAuditAction.ACCREDITATION_REMINDED,
                    target=application,
                    data={
                        "email": member.user.email,
                        "grant": grant.reference,
                        "kind": kind,
                        "expires_on": expires_on.isoformat(),
                    },
                )
        except IntegrityError:
            continue  # warned already (by this threshold, for this expiry date)
        sent.append(reminder)
    return sent
