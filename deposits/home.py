"""What the home page shows staff about deposits."""

from django.urls import reverse

from core.home import NextAction
from core.permissions import is_staff_member

from .selectors import deposit_approvals_waiting_for


def next_actions(user) -> list[NextAction]:
    if not is_staff_member(user):
        return []
    actions = []
    deposits, changes = deposit_approvals_waiting_for(user)
    register = reverse("deposits:staff_list")
    if deposits:
        actions.append(
            NextAction(
                "Deposits waiting for your approval",
                f"{register}?status=awaiting_approval",
                "A deposit opens to applications only after a second staff member checks it.",
                count=deposits,
                urgent=True,
            )
        )
    if changes:
        actions.append(
            NextAction(
                "Use-condition changes waiting for your approval",
                f"{register}?pending_change=yes",
                "A change to an open deposit's use conditions applies only after a second approval.",
                count=changes,
                urgent=True,
            )
        )
    actions.append(NextAction("Register a deposit", reverse("deposits:staff_create")))
    return actions
