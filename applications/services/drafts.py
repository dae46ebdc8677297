"""A researcher's draft: started (from a deposit's page or not) and saved one section at a time."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.enums import Role
from core.errors import DomainError, NotPermitted, domain_error_from
from core.services import audit_record, reference_next
from deposits.enums import DepositStatus
from deposits.models import Deposit

from ..enums import ApplicationsAuditAction, MemberRole, MemberStatus
from ..models import Application, ApplicationMember
from ..sections import SECTION_FIELDS
from ._common import _ensure_editable, _ensure_team_member, _grant_team_permissions
from .lifecycle import application_lock


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
