"""Every write to deposits: one function per change, each in one transaction with its audit event.

Edits are kept twice: django-simple-history keeps a full snapshot of each version of a deposit (with
its excluded uses) and who made it, so staff can see who changed what field and when; the audit log
keeps the portal-wide record of state changes."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted, domain_error_from
from core.files import validate_pdf_upload
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue, reference_next
from core.text import one_line_clean

from .enums import (
    DEPOSIT_TRANSITIONS,
    ApprovalKind,
    DepositAuditAction,
    DepositStatus,
    DocumentKind,
    UseConditionChangeStatus,
)
from .models import (
    DEPOSIT_HISTORY,
    Deposit,
    DepositApproval,
    DepositDocument,
    DepositStatusChange,
    DepositUseConditionChange,
    SensitiveUse,
    SrsDataset,
)
from .sections import EDITABLE_FIELDS
from .selectors import deposit_register_rows

# --- helpers ----------------------------------------------------------------------------------------


def _ensure_staff(actor) -> None:
    if not is_staff_member(actor):
        raise NotPermitted("Only archive staff can change deposits.")


def _lock(deposit: Deposit) -> Deposit:
    return Deposit.objects.select_for_update().get(pk=deposit.pk)


def _save_with_history(
    deposit: Deposit,
    *,
    actor,
    history_type: str,
    reason: str = "",
    excluded_uses: Iterable[SensitiveUse] | None = None,
    update_fields: list[str] | None = None,
) -> None:
    """Save the deposit (and its excluded uses) and write exactly one history record for the edit."""
    deposit.skip_history_when_saving = True
    try:
        deposit.save(update_fields=update_fields)
        if excluded_uses is not None:
            deposit.excluded_uses.set(list(excluded_uses))
    finally:
        del deposit.skip_history_when_saving
    deposit._history_user = actor
    deposit._change_reason = reason[:100] if reason else None
    DEPOSIT_HISTORY.create_historical_record(deposit, history_type)


def _full_clean(deposit: Deposit) -> None:
    try:
        deposit.full_clean(exclude=["reference", "created_by"])
    except ValidationError as exc:
        raise domain_error_from(exc, code="invalid") from exc


def _normalise_dataset_ids(dataset_ids: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for raw in dataset_ids:
        value = raw.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _set_srs_datasets(deposit: Deposit, *, actor, dataset_ids: list[str]) -> dict[str, list[str]]:
    taken = (
        SrsDataset.objects.filter(dataset_id__in=dataset_ids)
        .exclude(deposit=deposit)
        .select_related("deposit")
        .first()
    )
    if taken is not None:
        raise DomainError(
            f"SRS dataset {taken.dataset_id} is already linked to {taken.deposit.reference}. "
            "An SRS dataset belongs to one deposit only.",
            field="srs_dataset_ids",
            code="duplicate_srs_dataset",
        )
    current = {row.dataset_id: row for row in deposit.srs_datasets.all()}
    added = [value for value in dataset_ids if value not in current]
    removed = [value for value in current if value not in dataset_ids]
    for value in removed:
        row = current[value]
        row._history_user = actor
        row.delete()
    for value in added:
        row = SrsDataset(deposit=deposit, dataset_id=value)
        row._history_user = actor
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # another deposit claimed it a moment ago
            raise DomainError(
                f"SRS dataset {value} is already linked to another deposit.",
                field="srs_dataset_ids",
                code="duplicate_srs_dataset",
            ) from exc
    return {"added": added, "removed": removed}


def _change_status(
    deposit: Deposit, *, actor, to_status: str, reason: str, action: str, extra: dict | None = None
) -> Deposit:
    if to_status not in DEPOSIT_TRANSITIONS[deposit.status]:
        raise InvalidTransition(
            f"A {deposit.get_status_display().lower()} deposit cannot become "
            f"{DepositStatus(to_status).label.lower()}."
        )
    previous = deposit.status
    now = timezone.now()
    deposit.status = to_status
    fields = ["status", "updated_at"]
    milestone = {
        DepositStatus.AWAITING_APPROVAL: "submitted_at",
        DepositStatus.AVAILABLE: "approved_at",
        DepositStatus.SUSPENDED: "suspended_at",
        DepositStatus.WITHDRAWN: "withdrawn_at",
    }.get(to_status)
    if milestone:
        setattr(deposit, milestone, now)
        fields.append(milestone)
    if to_status == DepositStatus.AVAILABLE:
        deposit.approved_by = actor
        fields.append("approved_by")
    _save_with_history(deposit, actor=actor, history_type="~", reason=reason, update_fields=fields)
    DepositStatusChange.objects.create(
        deposit=deposit, from_status=previous, to_status=to_status, reason=reason, changed_by=actor
    )
    audit_record(
        actor=actor,
        action=action,
        target=deposit,
        data={"from": previous, "to": to_status, "reason": reason, **(extra or {})},
    )
    return deposit


def _other_staff_emails(*exclude) -> list[str]:
    """Who could be the second pair of eyes."""
    from accounts.enums import Role
    from accounts.models import User

    return list(
        User.objects.filter(role=Role.STAFF, is_active=True)
        .exclude(pk__in=[person.pk for person in exclude if person is not None])
        .values_list("email", flat=True)
    )


def _check_sectors(fields: dict[str, Any]) -> None:
    from accounts.enums import OrganisationSector

    unknown = set(fields.get("excluded_sectors") or []) - set(OrganisationSector.values)
    if unknown:
        raise DomainError(
            f"Unknown organisation sector: {', '.join(sorted(map(str, unknown)))}.", field="excluded_sectors"
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for this change of status.", field="reason", code="reason_required")
    return reason


# --- registry --------------------------------------------------------------------------------------


@transaction.atomic
def deposit_create(
    *,
    actor,
    fields: dict[str, Any],
    excluded_uses: Iterable[SensitiveUse] = (),
    srs_dataset_ids: Iterable[str] = (),
) -> Deposit:
    """Register a new deposit as a draft, with a fresh ``DEP-<year>-<nnnn>`` reference."""
    _ensure_staff(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    _check_sectors(fields)
    now = timezone.now()
    deposit = Deposit(**fields, created_by=actor, last_edited_by=actor, last_edited_at=now)
    deposit.reference = "DEP-pending"
    _full_clean(deposit)
    deposit.reference = reference_next(prefix="DEP", year=timezone.localdate().year)
    excluded_uses = list(excluded_uses)
    _save_with_history(deposit, actor=actor, history_type="+", excluded_uses=excluded_uses)
    datasets = _set_srs_datasets(deposit, actor=actor, dataset_ids=_normalise_dataset_ids(srs_dataset_ids))
    audit_record(
        actor=actor,
        action=DepositAuditAction.CREATED,
        target=deposit,
        data={"srs_datasets": datasets["added"], "excluded_uses": sorted(u.code for u in excluded_uses)},
    )
    return deposit


@transaction.atomic
def deposit_update(
    *,
    actor,
    deposit: Deposit,
    fields: dict[str, Any],
    excluded_uses: Iterable[SensitiveUse] | None = None,
    srs_dataset_ids: Iterable[str] | None = None,
    reason: str = "",
) -> DepositUseConditionChange | None:
    """Apply an edit. On an available deposit a change to the use conditions does not apply: it is
    held as a pending change (returned) until a second staff member approves it."""
    _ensure_staff(actor)
    deposit = _lock(deposit)
    if deposit.status == DepositStatus.WITHDRAWN:
        raise InvalidTransition("A withdrawn deposit can no longer be edited.")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    _check_sectors(fields)

    current_uses = set(deposit.excluded_uses.values_list("pk", flat=True))
    new_uses = list(excluded_uses) if excluded_uses is not None else None
    use_conditions = {
        "permitted_purposes": fields.get("permitted_purposes", deposit.permitted_purposes),
        "excluded_sectors": sorted(fields.get("excluded_sectors", deposit.excluded_sectors) or []),
    }
    use_conditions_changed = (
        use_conditions["permitted_purposes"] != deposit.permitted_purposes
        or use_conditions["excluded_sectors"] != sorted(deposit.excluded_sectors or [])
        or (new_uses is not None and {u.pk for u in new_uses} != current_uses)
    )
    hold_use_conditions = deposit.status == DepositStatus.AVAILABLE and use_conditions_changed

    changed: list[str] = []
    for name, value in fields.items():
        if hold_use_conditions and name in ("permitted_purposes", "excluded_sectors"):
            continue
        if name == "excluded_sectors":
            value = sorted(value or [])
        if getattr(deposit, name) != value:
            setattr(deposit, name, value)
            changed.append(name)
    uses_to_set = None
    if not hold_use_conditions and new_uses is not None and {u.pk for u in new_uses} != current_uses:
        uses_to_set = new_uses
        changed.append("excluded_uses")

    datasets = {"added": [], "removed": []}
    if srs_dataset_ids is not None:
        datasets = _set_srs_datasets(
            deposit, actor=actor, dataset_ids=_normalise_dataset_ids(srs_dataset_ids)
        )
        if datasets["added"] or datasets["removed"]:
            changed.append("srs_datasets")

    pending = None
    if hold_use_conditions:
        if not reason.strip():
            raise DomainError(
                "Say why the use conditions should change: the second staff member reads it first.",
                field="reason",
                code="reason_required",
            )
        if deposit.use_condition_changes.filter(status=UseConditionChangeStatus.PENDING).exists():
            raise DomainError(
                "A change to this deposit's use conditions is already waiting for approval. "
                "Approve or reject it before proposing another.",
                code="pending_change_exists",
            )
        pending = DepositUseConditionChange.objects.create(
            deposit=deposit,
            permitted_purposes=use_conditions["permitted_purposes"],
            excluded_sectors=use_conditions["excluded_sectors"],
            reason=reason,
            proposed_by=actor,
        )
        pending.excluded_uses.set(new_uses if new_uses is not None else list(current_uses))
        audit_record(
            actor=actor,
            action=DepositAuditAction.USE_CONDITIONS_CHANGE_PROPOSED,
            target=deposit,
            data={"change": pending.pk, "reason": reason},
        )
        email_queue(
            to=_other_staff_emails(actor, deposit.created_by),
            template="deposits/use_conditions_change_proposed",
            context={
                "deposit": deposit,
                "actor": actor,
                "change": pending,
                "url": absolute_url(
                    "deposits:staff_change_approve", reference=deposit.reference, pk=pending.pk
                ),
            },
        )

    if not changed and pending is None:
        return None
    deposit.last_edited_by = actor
    deposit.last_edited_at = timezone.now()
    _full_clean(deposit)
    _save_with_history(deposit, actor=actor, history_type="~", reason=reason, excluded_uses=uses_to_set)
    audit_record(
        actor=actor,
        action=DepositAuditAction.UPDATED,
        target=deposit,
        data={"fields": changed, "srs_datasets": datasets, "held_for_approval": pending is not None},
    )
    return pending


# --- documents -------------------------------------------------------------------------------------


@transaction.atomic
def deposit_document_add(
    *,
    actor,
    deposit: Deposit,
    kind: str,
    title: str,
    version: str,
    document_date: date,
    is_internal: bool,
    file: UploadedFile | None = None,
    url: str = "",
) -> DepositDocument:
    """Attach a governance document: a PDF (checked by content and size) or a link, not both."""
    _ensure_staff(actor)
    deposit = _lock(deposit)
    if deposit.status == DepositStatus.WITHDRAWN:
        raise InvalidTransition("A withdrawn deposit can no longer be edited.")
    if bool(file) == bool(url):
        raise DomainError("Upload a PDF or give a link, not both and not neither.", field="file")
    if file:
        try:
            validate_pdf_upload(file)
        except ValidationError as exc:
            raise domain_error_from(exc, field="file", code=exc.code) from exc
    document = DepositDocument(
        deposit=deposit,
        kind=kind,
        title=title,
        url=url or "",
        version=version,
        document_date=document_date,
        is_internal=is_internal,
        uploaded_by=actor,
        original_filename=one_line_clean(file.name if file else "")[:255],
    )
    if file:
        document.file = file
    try:
        document.full_clean(exclude=["file"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    document._history_user = actor
    document.save()
    deposit.last_edited_by = actor
    deposit.last_edited_at = timezone.now()
    _save_with_history(
        deposit,
        actor=actor,
        history_type="~",
        reason=f"Added {document.get_kind_display().lower()} version {version}"[:100],
        update_fields=["last_edited_by", "last_edited_at", "updated_at"],
    )
    audit_record(
        actor=actor,
        action=DepositAuditAction.DOCUMENT_ADDED,
        target=deposit,
        data={"document": document.pk, "kind": kind, "version": version, "internal": is_internal},
    )
    return document


# --- lifecycle -------------------------------------------------------------------------------------


def deposit_approval_blockers(deposit: Deposit) -> list[str]:
    """What stops the deposit being offered for (or given) approval; empty when nothing does."""
    blockers = []
    documents = list(deposit.documents.all())
    if not any(d.kind == DocumentKind.PRIVACY_NOTICE and not d.is_internal for d in documents):
        blockers.append("Add the privacy notice given to participants (not marked internal).")
    if not any(d.kind == DocumentKind.DPIA for d in documents):
        blockers.append("Add the DPIA document.")
    if not deposit.dpia_reference or not deposit.dpia_outcome:
        blockers.append("Record the DPIA reference and outcome.")
    if not deposit.srs_datasets.exists():
        blockers.append("Link at least one SRS dataset.")
    if not deposit.permitted_purposes.strip():
        blockers.append("State the permitted purposes.")
    return blockers


@transaction.atomic
def deposit_submit_for_approval(*, actor, deposit: Deposit, reason: str = "") -> Deposit:
    """Draft (or suspended) → awaiting approval, once the governance record is complete."""
    _ensure_staff(actor)
    deposit = _lock(deposit)
    if DepositStatus.AWAITING_APPROVAL not in DEPOSIT_TRANSITIONS[deposit.status]:
        raise InvalidTransition(
            f"A {deposit.get_status_display().lower()} deposit cannot be sent for approval."
        )
    blockers = deposit_approval_blockers(deposit)
    if blockers:
        raise DomainError("Not ready for approval: " + " ".join(blockers), code="incomplete")
    if deposit.status == DepositStatus.SUSPENDED:
        reason = _require_reason(reason)
    deposit = _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.AWAITING_APPROVAL,
        reason=reason or "Sent for approval",
        action=DepositAuditAction.SUBMITTED,
    )
    email_queue(
        to=_other_staff_emails(actor, deposit.created_by, deposit.last_edited_by),
        template="deposits/awaiting_approval",
        context={
            "deposit": deposit,
            "actor": actor,
            "url": absolute_url("deposits:staff_approve", reference=deposit.reference),
        },
    )
    return deposit


def _ensure_second_pair_of_eyes(deposit: Deposit, actor, *, proposer=None) -> None:
    if actor.pk == deposit.created_by_id:
        raise NotPermitted("You registered this deposit, so a second staff member must approve it.")
    if actor.pk == deposit.last_edited_by_id:
        raise NotPermitted(
            "You made the last edit to this deposit, so a second staff member must approve it."
        )
    if proposer is not None and actor.pk == proposer.pk:
        raise NotPermitted("You proposed this change, so a second staff member must approve it.")


def _ensure_checked(privacy_notice_checked: bool, dpia_checked: bool) -> None:
    if not (privacy_notice_checked and dpia_checked):
        raise DomainError(
            "Confirm that you have checked both the privacy notice and the DPIA.", code="not_checked"
        )


def _latest(deposit: Deposit, kind: str) -> DepositDocument | None:
    return deposit.documents.filter(kind=kind).order_by("-document_date", "-id").first()


@transaction.atomic
def deposit_approve(
    *, actor, deposit: Deposit, privacy_notice_checked: bool, dpia_checked: bool, note: str = ""
) -> DepositApproval:
    """The four-eyes step: a second staff member (neither the registrar nor the last editor) opens
    the deposit after checking the privacy notice and the DPIA."""
    _ensure_staff(actor)
    deposit = _lock(deposit)
    if deposit.status != DepositStatus.AWAITING_APPROVAL:
        raise InvalidTransition("Only a deposit awaiting approval can be approved.")
    _ensure_second_pair_of_eyes(deposit, actor)
    _ensure_checked(privacy_notice_checked, dpia_checked)
    blockers = deposit_approval_blockers(deposit)
    if blockers:
        raise DomainError("Cannot approve yet: " + " ".join(blockers), code="incomplete")
    approval = DepositApproval.objects.create(
        deposit=deposit,
        kind=ApprovalKind.OPENING,
        approved_by=actor,
        privacy_notice_checked=True,
        dpia_checked=True,
        privacy_notice=_latest(deposit, DocumentKind.PRIVACY_NOTICE),
        dpia_document=_latest(deposit, DocumentKind.DPIA),
        dpia_reference=deposit.dpia_reference,
        note=note,
    )
    _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.AVAILABLE,
        reason=note or "Approved after checking the privacy notice and DPIA",
        action=DepositAuditAction.APPROVED,
        extra={
            "approval": approval.pk,
            "privacy_notice": approval.privacy_notice_id,
            "dpia_document": approval.dpia_document_id,
            "dpia_reference": approval.dpia_reference,
        },
    )
    return approval


@transaction.atomic
def deposit_return_to_draft(*, actor, deposit: Deposit, reason: str) -> Deposit:
    _ensure_staff(actor)
    deposit = _lock(deposit)
    if deposit.status != DepositStatus.AWAITING_APPROVAL:
        raise InvalidTransition("Only a deposit awaiting approval can be returned to draft.")
    return _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.DRAFT,
        reason=_require_reason(reason),
        action=DepositAuditAction.RETURNED_TO_DRAFT,
    )


@transaction.atomic
def deposit_suspend(*, actor, deposit: Deposit, reason: str) -> Deposit:
    _ensure_staff(actor)
    deposit = _lock(deposit)
    return _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.SUSPENDED,
        reason=_require_reason(reason),
        action=DepositAuditAction.SUSPENDED,
    )


@transaction.atomic
def deposit_withdraw(*, actor, deposit: Deposit, reason: str) -> Deposit:
    _ensure_staff(actor)
    deposit = _lock(deposit)
    deposit = _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.WITHDRAWN,
        reason=_require_reason(reason),
        action=DepositAuditAction.WITHDRAWN,
    )
    deposit.use_condition_changes.filter(status=UseConditionChangeStatus.PENDING).update(
        status=UseConditionChangeStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note="The deposit was withdrawn.",
    )
    return deposit


# --- pending changes to use conditions -------------------------------------------------------------


def _lock_pending(change: DepositUseConditionChange) -> DepositUseConditionChange:
    change = DepositUseConditionChange.objects.select_for_update().get(pk=change.pk)
    if change.status != UseConditionChangeStatus.PENDING:
        raise InvalidTransition("This change has already been decided.")
    return change


@transaction.atomic
def deposit_use_conditions_change_approve(
    *,
    actor,
    change: DepositUseConditionChange,
    privacy_notice_checked: bool,
    dpia_checked: bool,
    note: str = "",
) -> DepositApproval:
    """Apply a held change to the use conditions after a second staff member's approval."""
    _ensure_staff(actor)
    deposit = _lock(change.deposit)
    change = _lock_pending(change)
    _ensure_second_pair_of_eyes(deposit, actor, proposer=change.proposed_by)
    _ensure_checked(privacy_notice_checked, dpia_checked)
    approval = DepositApproval.objects.create(
        deposit=deposit,
        kind=ApprovalKind.USE_CONDITIONS,
        use_condition_change=change,
        approved_by=actor,
        privacy_notice_checked=True,
        dpia_checked=True,
        privacy_notice=_latest(deposit, DocumentKind.PRIVACY_NOTICE),
        dpia_document=_latest(deposit, DocumentKind.DPIA),
        dpia_reference=deposit.dpia_reference,
        note=note,
    )
    deposit.permitted_purposes = change.permitted_purposes
    deposit.excluded_sectors = change.excluded_sectors
    _save_with_history(
        deposit,
        actor=actor,
        history_type="~",
        reason="Approved change to use conditions",
        excluded_uses=list(change.excluded_uses.all()),
        update_fields=["permitted_purposes", "excluded_sectors", "updated_at"],
    )
    change.status = UseConditionChangeStatus.APPROVED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        action=DepositAuditAction.USE_CONDITIONS_CHANGE_APPROVED,
        target=deposit,
        data={"change": change.pk, "approval": approval.pk},
    )
    return approval


@transaction.atomic
def deposit_use_conditions_change_reject(
    *, actor, change: DepositUseConditionChange, note: str
) -> DepositUseConditionChange:
    _ensure_staff(actor)
    change = _lock_pending(change)
    note = (note or "").strip()
    if not note:
        raise DomainError("Say why the change is rejected.", field="note")
    change.status = UseConditionChangeStatus.REJECTED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        action=DepositAuditAction.USE_CONDITIONS_CHANGE_REJECTED,
        target=change.deposit,
        data={"change": change.pk, "note": note},
    )
    return change


# --- export --------------------------------------------------------------------------------------------


@transaction.atomic
def deposit_register_export(
    *, actor, deposits: QuerySet[Deposit], filters: dict | None = None
) -> list[list[str]]:
    """The register's rows for the CSV (header first). Exports are audited: they carry contact
    details out of the portal."""
    _ensure_staff(actor)
    content = deposit_register_rows(deposits)
    audit_record(
        actor=actor,
        action=DepositAuditAction.EXPORTED,
        data={"filters": filters or {}, "rows": deposits.count()},
    )
    return content


# --- the controlled list of sensitive uses ---------------------------------------------------------


@transaction.atomic
def sensitive_use_create(*, actor, code: str, name: str, description: str = "") -> SensitiveUse:
    _ensure_staff(actor)
    use = SensitiveUse(code=code, name=name, description=description)
    try:
        use.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    use.save()
    audit_record(
        actor=actor, action=DepositAuditAction.SENSITIVE_USE_CREATED, target=use, data={"code": code}
    )
    return use


@transaction.atomic
def sensitive_use_update(
    *, actor, sensitive_use: SensitiveUse, name: str, description: str, is_active: bool
) -> SensitiveUse:
    """Rename, describe or retire a category. Its code never changes: applications refer to it."""
    _ensure_staff(actor)
    use = SensitiveUse.objects.select_for_update().get(pk=sensitive_use.pk)
    before = {"name": use.name, "description": use.description, "is_active": use.is_active}
    use.name, use.description, use.is_active = name, description, is_active
    after = {"name": use.name, "description": use.description, "is_active": use.is_active}
    if before == after:
        return use
    try:
        use.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    use.save(update_fields=["name", "description", "is_active", "updated_at"])
    audit_record(
        actor=actor,
        action=DepositAuditAction.SENSITIVE_USE_UPDATED,
        target=use,
        data={"before": before, "after": after},
    )
    return use
