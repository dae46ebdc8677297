"""Helpers shared by the deposit services: the staff check, row locks, saving with history, the
status change, the SRS dataset ids."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.enums import OrganisationSector, Role
from accounts.models import User
from core.errors import DomainError, InvalidTransition, NotPermitted, domain_error_from
from core.permissions import is_staff_member
from core.services import audit_record

from ..enums import (
    DEPOSIT_TRANSITIONS,
    DepositStatus,
)
from ..models import (
    DEPOSIT_HISTORY,
    Deposit,
    DepositStatusChange,
    SensitiveUse,
    SrsDataset,
)

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

    return list(
        User.objects.filter(role=Role.STAFF, is_active=True)
        .exclude(pk__in=[person.pk for person in exclude if person is not None])
        .values_list("email", flat=True)
    )


def _check_sectors(fields: dict[str, Any]) -> None:
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
