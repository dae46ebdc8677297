"""Every write to deposits: one function per change, each in one transaction with its audit event.

Edits are kept twice: django-simple-history keeps a full snapshot of each version of a deposit (with
its excluded uses) and who made it, so staff can see who changed what field and when; the audit log
keeps the portal-wide record of state changes."""

from .lifecycle import (
    deposit_approval_blockers,
    deposit_approve,
    deposit_return_to_draft,
    deposit_submit_for_approval,
    deposit_suspend,
    deposit_use_conditions_change_approve,
    deposit_use_conditions_change_reject,
    deposit_withdraw,
)
from .lists import deposit_register_export, sensitive_use_create, sensitive_use_update
from .registry import deposit_create, deposit_document_add, deposit_update

__all__ = [
    "deposit_approval_blockers",
    "deposit_approve",
    "deposit_create",
    "deposit_document_add",
    "deposit_register_export",
    "deposit_return_to_draft",
    "deposit_submit_for_approval",
    "deposit_suspend",
    "deposit_update",
    "deposit_use_conditions_change_approve",
    "deposit_use_conditions_change_reject",
    "deposit_withdraw",
    "sensitive_use_create",
    "sensitive_use_update",
]
