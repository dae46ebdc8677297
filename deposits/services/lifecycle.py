"""A deposit's life: submitted for approval, approved by a second member of staff, returned,
suspended, withdrawn; and the four-eyes approval of changes to an available deposit's use conditions."""

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.services import audit_record, email_queue

from ..enums import (
    DEPOSIT_TRANSITIONS,
    ApprovalKind,
    DepositAuditAction,
    DepositStatus,
    DocumentKind,
    UseConditionChangeStatus,
)
from ..models import (
    Deposit,
    DepositApproval,
    DepositDocument,
    DepositUseConditionChange,
)
from ..signals import deposit_conditions_changed
from ._common import (
    _change_status,
    _ensure_staff,
    _lock,
    _other_staff_emails,
    _require_reason,
    _save_with_history,
)

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
    deposit = _change_status(
        deposit,
        actor=actor,
        to_status=DepositStatus.SUSPENDED,
        reason=_require_reason(reason),
        action=DepositAuditAction.SUSPENDED,
    )
    deposit_conditions_changed.send(sender=Deposit, deposit=deposit, cause="suspended")
    return deposit


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
    deposit_conditions_changed.send(sender=Deposit, deposit=deposit, cause="withdrawn")
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
    deposit_conditions_changed.send(sender=Deposit, deposit=deposit, cause="use_conditions")
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
