"""Every write to applications. Each state change is one function: it locks the row, checks the
rule, writes the change and its audit event (and any email) in one transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.enums import Role
from accounts.models import ResearcherProfile, User
from core.errors import DomainError, InvalidTransition, NotPermitted, domain_error_from
from core.files import validate_pdf_upload
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue, reference_next
from core.text import email_canonical, one_line_checked, one_line_clean
from deposits.enums import DepositStatus
from deposits.models import Deposit

from .enums import (
    ALLOWED_TRANSITIONS,
    CHANGE_REQUEST_OPEN,
    EDITABLE,
    LIVE,
    TERMS_REQUIRED,
    WITHDRAWABLE,
    ApplicationsAuditAction,
    ApplicationStatus,
    ChangeRequestStatus,
    MemberRole,
    MemberStatus,
)
from .models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationQuery,
    ApplicationVersion,
    ChangeRequest,
    TermsAcceptance,
    TermsAcceptanceRequest,
    TermsOfAccess,
)
from .permissions import TEAM_PERMISSIONS, can_respond_to_invitation, can_view_application
from .sections import SECTION_FIELDS
from .selectors import (
    AccreditationStanding,
    Problem,
    accreditation_standing,
    application_answers,
    application_problems,
    application_team_emails,
    application_team_includes,
    terms_in_force,
    terms_members_to_ask,
)
from .signals import application_submitted, application_withdrawn

#: The milestone timestamp each status sets.
_MILESTONES = {
    ApplicationStatus.SUBMITTED: "submitted_at",
    ApplicationStatus.RESUBMITTED: "submitted_at",
    ApplicationStatus.UNDER_REVIEW: "review_opened_at",
    ApplicationStatus.QUERIED: "queried_at",
    ApplicationStatus.APPROVED: "decided_at",
    ApplicationStatus.REJECTED: "decided_at",
    ApplicationStatus.WITHDRAWN: "withdrawn_at",
}


class ApplicationNotReady(DomainError):
    """Submission refused; ``problems`` lists everything to put right."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "; ".join(p.message for p in problems)
        super().__init__(f"This application cannot be submitted yet: {lines}", code="not_ready")


def application_lock(*, application: Application) -> Application:
    """Re-read the application with a row lock; call inside a transaction."""
    return Application.objects.select_for_update().get(pk=application.pk)


def application_transition(
    *,
    application: Application,
    to: str,
    actor,
    action: str = ApplicationsAuditAction.STATUS_CHANGED,
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
) -> Application:
    """Move a *locked* application to ``to``: checks the transition table, stamps the milestone,
    saves and audits. Callers (the services of this app and of the panel) lock the row first and
    run inside their own transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("application_transition must run inside a transaction.")
    previous = application.status
    if to not in ALLOWED_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}; "
            f"it cannot become {ApplicationStatus(to).label.lower()}."
        )
    application.status = to
    fields = ["status", "updated_at", *extra_fields]
    milestone = _MILESTONES.get(to)
    if milestone:
        setattr(application, milestone, timezone.now())
        fields.append(milestone)
    application.save(update_fields=list(dict.fromkeys(fields)))
    audit_record(
        actor=actor, action=action, target=application, data={"from": previous, "to": to, **(data or {})}
    )
    return application


# --- Helpers ---------------------------------------------------------------------------------------


def _application_url(application: Application, name: str = "applications:detail") -> str:
    return absolute_url(name, pk=application.pk)


def _ensure_team_member(application: Application, actor) -> None:
    if not can_view_application(actor, application):
        raise NotPermitted("Only the application's team may do this.")


def _ensure_lead(application: Application, actor, doing: str) -> None:
    _ensure_team_member(application, actor)
    if application.lead_id != actor.pk:
        raise NotPermitted(f"Only the lead applicant may {doing}.")


def _ensure_editable(application: Application) -> None:
    if application.status not in EDITABLE:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}: "
            "its answers can no longer be changed."
        )


def _grant_team_permissions(user, application: Application) -> None:
    for codename in TEAM_PERMISSIONS:
        assign_perm(f"applications.{codename}", user, application)


def _revoke_team_permissions(user, application: Application) -> None:
    for codename in TEAM_PERMISSIONS:
        remove_perm(f"applications.{codename}", user, application)


# --- Drafts ----------------------------------------------------------------------------------------


def _ensure_requestable(deposits) -> None:
    unavailable = [d for d in deposits if d.status != DepositStatus.AVAILABLE]
    if unavailable:
        raise DomainError(
            "Only deposits available in the catalogue can be requested: "
            + ", ".join(d.reference for d in unavailable)
            + ".",
            field="deposits",
        )


@transaction.atomic
def application_create(*, lead, title: str = "", deposits: Sequence[Deposit] = ()) -> Application:
    """A researcher starts a draft; they become its lead applicant. ``deposits`` are requested from
    the start (the researcher started from a deposit's catalogue page)."""
    if not (lead.is_active and lead.role == Role.RESEARCHER):
        raise NotPermitted("Only researchers may apply for access.")
    application = Application(
        reference=reference_next(prefix="APP", year=timezone.localdate().year),
        lead=lead,
        title=title.strip(),
    )
    application.full_clean(validate_unique=False, validate_constraints=False)
    application.save()
    ApplicationMember.objects.create(
        application=application,
        user=lead,
        email=lead.email.lower(),
        role=MemberRole.LEAD,
        status=MemberStatus.ACCEPTED,
        accepted_at=timezone.now(),
        responded_at=timezone.now(),
    )
    _grant_team_permissions(lead, application)
    if deposits:
        _ensure_requestable(deposits)
        application.deposits.set(deposits)
    audit_record(
        actor=lead,
        action=ApplicationsAuditAction.CREATED,
        target=application,
        data={"deposits": [d.reference for d in deposits]} if deposits else None,
    )
    return application


@transaction.atomic
def application_update(*, application: Application, actor, section: str, data: dict) -> Application:
    """Save the answers of one section of a draft (or of a queried application). Incomplete
    answers are fine: what is missing only stops submission."""
    allowed = SECTION_FIELDS.get(section)
    if allowed is None:
        raise DomainError("There is no such section of the form.")
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError(f"These answers do not belong to this section: {', '.join(sorted(unknown))}.")
    app = application_lock(application=application)
    _ensure_team_member(app, actor)
    _ensure_editable(app)
    changed: list[str] = []
    for name, value in data.items():
        if name in {"deposits", "sensitive_uses"}:
            continue
        if getattr(app, name) != value:
            setattr(app, name, value)
            changed.append(name)
    try:
        app.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    if changed:
        app.save(update_fields=[*changed, "updated_at"])
    if "deposits" in data:
        wanted = {d.pk: d for d in data["deposits"]}
        current = set(app.deposits.values_list("pk", flat=True))
        _ensure_requestable([d for pk, d in wanted.items() if pk not in current])
        if set(wanted) != current:
            app.deposits.set(list(wanted.values()))
            changed.append("deposits")
    if "sensitive_uses" in data:
        wanted_uses = {u.pk for u in data["sensitive_uses"]}
        if wanted_uses != set(app.sensitive_uses.values_list("pk", flat=True)):
            app.sensitive_uses.set(list(data["sensitive_uses"]))
            changed.append("sensitive_uses")
    if changed:
        if "updated_at" not in changed and {"deposits", "sensitive_uses"} & set(changed):
            app.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=ApplicationsAuditAction.SAVED,
            target=app,
            data={"section": section, "changed": changed},
        )
    return app


# --- The team --------------------------------------------------------------------------------------


def _ensure_change_request_awaits_team(app: Application, change_request: ChangeRequest) -> None:
    if change_request.application_id != app.pk or change_request.status != ChangeRequestStatus.AWAITING_TEAM:
        raise InvalidTransition(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "its team can no longer change."
        )


@transaction.atomic
def application_member_invite(
    *, application: Application, actor, email: str, role: str, change_request: ChangeRequest | None = None
) -> ApplicationMember:
    """The lead invites a co-applicant by email. They join once they accept. With
    ``change_request`` (a change request on a live grant, waiting for its team), the invited person
    joins only when that change request is approved (``applications.grant_services``)."""

    app = application_lock(application=application)
    _ensure_lead(app, actor, "invite co-applicants")
    if change_request is None:
        _ensure_editable(app)
    else:
        _ensure_change_request_awaits_team(app, change_request)
    if role not in {MemberRole.RESEARCHER, MemberRole.SUPERVISOR}:
        raise DomainError("A co-applicant is a researcher or a supervisor.", field="role")
    email = email_canonical(email)
    existing_user = User.objects.filter(email__iexact=email).first()
    if existing_user is not None and existing_user.role != Role.RESEARCHER:
        raise DomainError(
            f"{email} belongs to an account that is not a researcher's; only researchers can join a team.",
            field="email",
        )
    member = (
        ApplicationMember.objects.select_for_update().filter(application=app, email__iexact=email).first()
    )
    if member is not None and member.status in {MemberStatus.INVITED, MemberStatus.ACCEPTED}:
        raise DomainError(f"{email} is already on the team or invited.", field="email")
    if member is None:
        member = ApplicationMember(application=app, email=email)
    member.user = None
    member.role = role
    member.status = MemberStatus.INVITED
    member.invited_by = actor
    member.accepted_at = None
    member.responded_at = None
    member.change_request = change_request
    member.full_clean(validate_unique=False, validate_constraints=False)
    member.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.MEMBER_INVITED,
        target=app,
        data={"email": email, "role": role},
    )
    email_queue(
        to=[email],
        template="applications/member_invited",
        context={
            "application": app,
            "member": member,
            "inviter": actor,
            "has_account": existing_user is not None,
            "change_request": change_request,
            "invitation_url": absolute_url("applications:invitation", member_pk=member.pk),
            "sign_up_url": absolute_url("accounts:sign_up"),
        },
    )
    return member


def _lock_membership(membership: ApplicationMember) -> tuple[Application, ApplicationMember]:
    app = Application.objects.select_for_update().get(pk=membership.application_id)
    member = ApplicationMember.objects.select_for_update().get(pk=membership.pk)
    return app, member


@transaction.atomic
def application_member_accept(*, membership: ApplicationMember, user) -> ApplicationMember:
    """The invited researcher joins the team and gets the team's object permissions. Invited by a
    change request on a live grant, they are *proposed* instead: they join, and get the
    permissions, when the change request is approved (``grant_services.change_request_member_accept``
    calls this, then submits the change request once nobody is left to answer)."""
    app, member = _lock_membership(membership)
    if not can_respond_to_invitation(user, member):
        raise NotPermitted("This invitation is not yours to answer, or it has been answered already.")
    if user.role != Role.RESEARCHER:
        raise NotPermitted("Only researchers can join an application's team.")
    change_request = (
        ChangeRequest.objects.select_for_update().get(pk=member.change_request_id)
        if member.change_request_id
        else None
    )
    if change_request is not None:
        _ensure_change_request_awaits_team(app, change_request)
    elif app.status not in EDITABLE:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: its team can no longer change."
        )
    profile = ResearcherProfile.objects.filter(user=user).first()  # fresh, not a cached relation
    standing = accreditation_standing(profile, today=timezone.localdate(), access_end=None)
    if standing == AccreditationStanding.MISSING:
        raise DomainError(
            "Every team member must be an ONS accredited researcher: add your accreditation to your "
            "profile, then accept the invitation."
        )
    if ApplicationMember.objects.filter(application=app, user=user).exclude(pk=member.pk).exists():
        raise DomainError("You are already on this team.")
    now = timezone.now()
    member.user = user
    member.status = MemberStatus.ACCEPTED if change_request is None else MemberStatus.PROPOSED
    member.accepted_at = now
    member.responded_at = now
    member.save(update_fields=["user", "status", "accepted_at", "responded_at", "updated_at"])
    if change_request is None:
        _grant_team_permissions(user, app)
    audit_record(
        actor=user,
        action=ApplicationsAuditAction.MEMBER_ACCEPTED,
        target=app,
        data={
            "email": member.email,
            **({"change_request": change_request.reference} if change_request else {}),
        },
    )
    email_queue(
        to=[app.lead.email],
        template="applications/member_accepted",
        context={
            "application": app,
            "member": member,
            "user": user,
            "change_request": change_request,
            "url": _application_url(app),
        },
    )
    return member


@transaction.atomic
def application_member_decline(*, membership: ApplicationMember, user) -> ApplicationMember:
    app, member = _lock_membership(membership)
    if not can_respond_to_invitation(user, member):
        raise NotPermitted("This invitation is not yours to answer, or it has been answered already.")
    member.status = MemberStatus.DECLINED
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "responded_at", "updated_at"])
    audit_record(
        actor=user, action=ApplicationsAuditAction.MEMBER_DECLINED, target=app, data={"email": member.email}
    )
    return member


@transaction.atomic
def application_member_remove(*, membership: ApplicationMember, actor) -> ApplicationMember:
    """The lead removes a co-applicant (or withdraws an invitation); the person loses access."""
    app, member = _lock_membership(membership)
    _ensure_lead(app, actor, "change the team")
    _ensure_editable(app)
    if member.role == MemberRole.LEAD:
        raise DomainError("The lead applicant cannot be removed from the team.")
    if member.status not in {MemberStatus.INVITED, MemberStatus.ACCEPTED}:
        raise DomainError(f"{member.email} is not on the team.")
    if member.user_id:
        _revoke_team_permissions(member.user, app)
    member.status = MemberStatus.REMOVED
    member.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=ApplicationsAuditAction.MEMBER_REMOVED, target=app, data={"email": member.email}
    )
    return member


# --- Attachments -----------------------------------------------------------------------------------


@transaction.atomic
def application_attachment_add(
    *, application: Application, actor, uploaded: UploadedFile, description: str
) -> ApplicationAttachment:
    """Attach a PDF (checked by content and size) to a draft or a queried application."""
    app = application_lock(application=application)
    _ensure_team_member(app, actor)
    _ensure_editable(app)
    try:
        validate_pdf_upload(uploaded)
    except ValidationError as exc:
        raise domain_error_from(exc, field="file") from exc
    description = one_line_checked(description, field="description") or "Attachment"
    attachment = ApplicationAttachment(
        application=app,
        original_name=(one_line_clean(uploaded.name or "") or "document.pdf")[:200],
        description=description[:200],
        size=uploaded.size or 0,
        uploaded_by=actor,
    )
    attachment.file.save(uploaded.name or "document.pdf", uploaded, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.ATTACHMENT_ADDED,
        target=app,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    return attachment


@transaction.atomic
def application_attachment_remove(*, attachment: ApplicationAttachment, actor) -> None:
    app = application_lock(application=attachment.application)
    _ensure_team_member(app, actor)
    _ensure_editable(app)
    name, pk, stored = attachment.original_name, attachment.pk, attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.ATTACHMENT_REMOVED,
        target=app,
        data={"attachment": pk, "name": name},
    )
    transaction.on_commit(lambda: storage.delete(stored))


# --- Submission ------------------------------------------------------------------------------------


def _freeze_version(app: Application, actor) -> ApplicationVersion:
    return ApplicationVersion.objects.create(
        application=app,
        number=app.version_number,
        answers=application_answers(application=app),
        submitted_by=actor,
        submitted_at=app.submitted_at,
    )


def _ensure_ready(app: Application) -> None:
    problems = application_problems(application=app)
    if problems:
        raise ApplicationNotReady(problems)


def _next_version_submit(
    app: Application, actor, *, to: str, action: str, template: str, extra_fields: tuple[str, ...] = ()
) -> Application:
    """Submit the next version of a locked, complete application: number it, move to ``to``
    (audited), freeze the answers, tell the team, and announce it. The panel reacts inside this
    transaction (panel/receivers.py): it rejects at once a request that breaks a deposit's use
    conditions, so the status is read again before the application is returned."""
    app.version_number += 1
    application_transition(
        application=app,
        to=to,
        actor=actor,
        action=action,
        data={"version": app.version_number},
        extra_fields=("version_number", *extra_fields),
    )
    version = _freeze_version(app, actor)
    email_queue(
        to=application_team_emails(application=app),
        template=template,
        context={"application": app, "version": version, "url": _application_url(app)},
    )
    application_submitted.send(sender=Application, application=app, version=version, actor=actor)
    app.refresh_from_db(fields=["status", "decided_at", "updated_at"])  # a receiver may have rejected it
    return app


@transaction.atomic
def application_submit(*, application: Application, actor) -> Application:
    """The lead submits a complete draft: a version is frozen and the team is told. Anything
    missing or against the rules refuses the submission and leaves the draft as it was."""
    app = application_lock(application=application)
    _ensure_lead(app, actor, "submit the application")
    if app.status != ApplicationStatus.DRAFT:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}, not a draft: "
            "it cannot be submitted again."
        )
    _ensure_ready(app)
    if app.first_submitted_at is None:
        app.first_submitted_at = timezone.now()
    return _next_version_submit(
        app,
        actor,
        to=ApplicationStatus.SUBMITTED,
        action=ApplicationsAuditAction.SUBMITTED,
        template="applications/submitted",
        extra_fields=("first_submitted_at",),
    )


@transaction.atomic
def application_query_answer(*, query: ApplicationQuery, actor, answer: str) -> ApplicationQuery:
    """A team member answers the panel's questions (they may revise the answer until resubmission)."""
    app = Application.objects.select_for_update().get(pk=query.application_id)
    _ensure_team_member(app, actor)
    if app.status != ApplicationStatus.QUERIED:
        raise InvalidTransition(f"{app.reference} is not waiting for answers to the panel's questions.")
    query = ApplicationQuery.objects.select_for_update().get(pk=query.pk)
    answer = answer.strip()
    if not answer:
        raise DomainError("Write an answer to the panel's questions.", field="answer")
    query.answer = answer
    query.answered_by = actor
    query.answered_at = timezone.now()
    query.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
    audit_record(
        actor=actor, action=ApplicationsAuditAction.QUERY_ANSWERED, target=app, data={"query": query.pk}
    )
    return query


@transaction.atomic
def application_resubmit(*, application: Application, actor) -> Application:
    """After answering the panel's questions, the lead resubmits: a new version is frozen and the
    panel sees what changed."""
    app = application_lock(application=application)
    _ensure_lead(app, actor, "resubmit the application")
    if app.status != ApplicationStatus.QUERIED:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: "
            "only a queried application is resubmitted."
        )
    if app.queries.filter(answered_at__isnull=True).exists():
        raise DomainError("Answer every question from the panel before resubmitting.", code="not_ready")
    _ensure_ready(app)
    return _next_version_submit(
        app,
        actor,
        to=ApplicationStatus.RESUBMITTED,
        action=ApplicationsAuditAction.RESUBMITTED,
        template="applications/resubmitted",
    )


@transaction.atomic
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    """The lead withdraws the application at any point before a decision."""
    app = application_lock(application=application)
    _ensure_lead(app, actor, "withdraw the application")
    if app.status not in WITHDRAWABLE:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: it can no longer be withdrawn."
        )
    previous_status = app.status
    application_transition(
        application=app,
        to=ApplicationStatus.WITHDRAWN,
        actor=actor,
        action=ApplicationsAuditAction.WITHDRAWN,
        data={"reason": reason.strip()[:2000]} if reason.strip() else None,
    )
    application_withdrawn.send(
        sender=Application, application=app, actor=actor, previous_status=previous_status
    )
    email_queue(
        to=application_team_emails(application=app),
        template="applications/withdrawn",
        context={"application": app, "actor": actor, "reason": reason.strip(), "url": _application_url(app)},
    )
    return app


#: What an ONS project reference may look like: letters, digits and the separators ONS uses.
ONS_PROJECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}$")


@transaction.atomic
def application_ons_reference_record(*, application: Application, actor, reference: str) -> Application:
    """The lead records (or corrects, or clears) the project's reference at ONS, so that every later
    instruction to ONS names ONS's own record. Only the lead; not once withdrawn."""
    app = application_lock(application=application)
    _ensure_lead(app, actor, "record the ONS project reference")
    if app.status == ApplicationStatus.WITHDRAWN:
        raise InvalidTransition(f"{app.reference} is withdrawn: ONS holds no project for it.")
    reference = one_line_checked(reference, field="ons_project_reference").strip()
    if reference and not ONS_PROJECT_REFERENCE.match(reference):
        raise DomainError(
            "An ONS project reference is up to 40 letters, digits, spaces and . / _ - (as ONS wrote it).",
            field="ons_project_reference",
        )
    previous = app.ons_project_reference
    if reference == previous:
        return app
    app.ons_project_reference = reference
    app.save(update_fields=["ons_project_reference", "updated_at"])
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.ONS_REFERENCE_RECORDED,
        target=app,
        data={"from": previous, "to": reference},
    )
    return app


# --- Terms of access -------------------------------------------------------------------------------


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
