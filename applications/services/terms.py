"""The terms of access: staff publish a version, each team member accepts the version in force,
and whoever has not yet is asked."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted, domain_error_from
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue
from core.text import one_line_checked

from ..enums import CHANGE_REQUEST_OPEN, LIVE, TERMS_REQUIRED, ApplicationsAuditAction, MemberStatus
from ..models import Application, ApplicationMember, TermsAcceptance, TermsAcceptanceRequest, TermsOfAccess
from ..selectors import application_team_includes, terms_in_force, terms_members_to_ask
from .lifecycle import application_lock
from .team import application_member_accept


@transaction.atomic
def terms_publish(
    *,
    actor,
    label: str,
    text: str,
    summary_of_changes: str,
    acceptance_period_days: int,
    base_number: int,
) -> TermsOfAccess:
    """Staff publish a new version of the terms of access; from this moment it is the version in
    force. Every team in progress or live is asked, by one email per member, to accept it (live
    teams within ``acceptance_period_days``). Refused when someone else published a version after
    the form was opened (``base_number``: the number in force then, 0 for none)."""
    if not is_staff_member(actor):
        raise NotPermitted("Only archive staff publish the terms of access.")
    latest = TermsOfAccess.objects.select_for_update().order_by("-number").first()
    number_in_force = latest.number if latest else 0
    if base_number != number_in_force:
        raise DomainError(
            f"Someone else published version {number_in_force} of the terms after you opened the form. "
            "Open the form again to see their text, then make your change."
        )
    text, summary_of_changes = text.strip(), summary_of_changes.strip()
    if not text:
        raise DomainError("Write the terms of access.", field="text")
    if latest is not None and not summary_of_changes:
        raise DomainError(
            f"Say what changed since version {latest.number}: teams read it before accepting again.",
            field="summary_of_changes",
        )
    if latest is not None and latest.text == text:
        raise DomainError("The text is the same as the version in force: nothing to publish.", field="text")
    label = one_line_checked(label, field="label")
    if TermsOfAccess.objects.filter(label__iexact=label).exists():
        raise DomainError(f"A version labelled {label} exists already: choose another label.", field="label")
    terms = TermsOfAccess(
        number=number_in_force + 1,
        label=label,
        text=text,
        summary_of_changes=summary_of_changes,
        acceptance_period_days=acceptance_period_days,
        published_at=timezone.now(),
        published_by=actor,
    )
    try:
        terms.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    try:
        with transaction.atomic():  # the first version has no row to lock: two at once meet here
            terms.save()
    except IntegrityError as exc:
        raise DomainError(
            "Another version of the terms was published at the same moment. Open the form again."
        ) from exc
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.TERMS_PUBLISHED,
        target=terms,
        data={
            "version": terms.number,
            "label": terms.label,
            "previous_version": latest.number if latest else None,
            "acceptance_period_days": terms.acceptance_period_days,
        },
    )
    terms_acceptance_requests_send(terms=terms, statuses=TERMS_REQUIRED)
    return terms


@transaction.atomic
def terms_accept(*, application: Application, user, terms: TermsOfAccess) -> TermsAcceptance:
    """A team member accepts the version in force for this application (for themselves only).
    Accepting again changes nothing; an older version, or an application closed for good, is
    refused."""
    app = application_lock(application=application)
    joining = app.members.filter(
        user_id=user.pk, status=MemberStatus.PROPOSED, change_request__status__in=CHANGE_REQUEST_OPEN
    ).exists()  # invited by an open change request: they accept before they join (and before access)
    if not (joining or application_team_includes(application=app, user=user)):
        raise NotPermitted("Only a member of the application's team accepts its terms of access.")
    if app.status not in TERMS_REQUIRED:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: there are no terms to accept for it."
        )
    in_force = terms_in_force()
    if in_force is None or in_force.pk != terms.pk:
        raise DomainError(
            f"Version {terms.number} of the terms is no longer in force"
            + (f": read version {in_force.number} and accept that one." if in_force else ".")
        )
    existing = TermsAcceptance.objects.filter(terms=terms, application=app, user=user).first()
    if existing is not None:
        return existing
    acceptance = TermsAcceptance.objects.create(
        terms=terms, application=app, user=user, accepted_at=timezone.now()
    )
    audit_record(
        actor=user,
        action=ApplicationsAuditAction.TERMS_ACCEPTED,
        target=app,
        data={"version": terms.number, "label": terms.label, "acceptance": acceptance.pk},
    )
    return acceptance


@transaction.atomic
def application_member_accept_with_terms(
    *, membership: ApplicationMember, user, terms: TermsOfAccess
) -> ApplicationMember:
    """An invited researcher joins the team and accepts the terms in force, in one step (the
    invitation page offers both): either both happen or neither does."""
    member = application_member_accept(membership=membership, user=user)
    terms_accept(application=member.application, user=user, terms=terms)
    return member


@transaction.atomic
def terms_acceptance_requests_send(
    *, terms: TermsOfAccess | None = None, statuses=LIVE, today: date | None = None
) -> list[TermsAcceptanceRequest]:
    """Ask every team member of the applications in ``statuses`` who has neither accepted ``terms``
    (by default the version in force) for that application nor been asked already: one request row
    (unique per member, version and application) and one email each, due ``acceptance_period_days``
    from ``today``. On publication every team in progress or live is asked; the hourly sweep asks
    the members of teams that became live, or joined a live team, since. The version's row is
    locked, so two runs never ask anyone twice."""
    terms = terms if terms is not None else terms_in_force()
    if terms is None:
        return []
    terms = TermsOfAccess.objects.select_for_update().get(pk=terms.pk)
    if TermsOfAccess.objects.filter(number__gt=terms.number).exists():
        return []  # superseded: nobody is asked to accept an old version
    today = today or timezone.localdate()
    now = timezone.now()
    due_on = today + timedelta(days=terms.acceptance_period_days)
    members = list(terms_members_to_ask(terms=terms, statuses=statuses))
    requests = TermsAcceptanceRequest.objects.bulk_create(
        TermsAcceptanceRequest(
            terms=terms, application=m.application, user=m.user, asked_at=now, due_on=due_on
        )
        for m in members
    )
    asked_by_application: dict[int, list[str]] = {}
    for member in members:
        app = member.application
        email_queue(
            to=[member.user.email],
            template="applications/terms_to_accept",
            context={
                "application": app,
                "user": member.user,
                "terms": terms,
                "due_on": due_on if app.status in LIVE else None,
                "url": absolute_url("applications:terms_accept", pk=app.pk),
                "terms_url": absolute_url("terms:version", number=terms.number),
            },
        )
        asked_by_application.setdefault(app.pk, []).append(member.user.email)
    applications = {m.application.pk: m.application for m in members}
    for pk, emails in asked_by_application.items():
        audit_record(
            actor=None,
            action=ApplicationsAuditAction.TERMS_ACCEPTANCE_REQUESTED,
            target=applications[pk],
            data={"version": terms.number, "members": emails, "due_on": due_on.isoformat()},
        )
    return requests
