"""Submission and what follows it on the team's side: submit, answer the panel's questions,
resubmit, withdraw, and the project's reference at ONS."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition
from core.services import audit_record, email_queue
from core.text import one_line_checked

from ..enums import WITHDRAWABLE, ApplicationsAuditAction, ApplicationStatus
from ..models import Application, ApplicationQuery, ApplicationVersion
from ..selectors import Problem, application_answers, application_problems, application_team_emails
from ..signals import application_submitted, application_withdrawn
from ._common import _application_url, _ensure_lead, _ensure_team_member
from .lifecycle import application_lock, application_transition


class ApplicationNotReady(DomainError):
    """Submission refused; ``problems`` lists everything to put right."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "; ".join(p.message for p in problems)
        super().__init__(f"This application cannot be submitted yet: {lines}", code="not_ready")


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
