"""Registering and editing a deposit, and adding its documents."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, domain_error_from
from core.files import validate_pdf_upload
from core.links import absolute_url
from core.services import audit_record, email_queue, reference_next
from core.text import one_line_clean

from ..enums import (
    DepositAuditAction,
    DepositStatus,
    UseConditionChangeStatus,
)
from ..models import (
    Deposit,
    DepositDocument,
    DepositUseConditionChange,
    SensitiveUse,
)
from ..sections import EDITABLE_FIELDS
from ._common import (
    _check_sectors,
    _ensure_staff,
    _full_clean,
    _lock,
    _normalise_dataset_ids,
    _other_staff_emails,
    _save_with_history,
    _set_srs_datasets,
)

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
