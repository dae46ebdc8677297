"""What the home page shows staff about deposits."""

from django.urls import reverse

from core.home import NextAction
from core.permissions import is_staff_member

from .selectors import deposits_awaiting_approval_count


def next_actions(user) -> list[NextAction]:
    if not is_staff_member(user):
        return []
    actions = []
    count = deposits_awaiting_approval_count(user)
    if count:
        actions.append(
            NextAction(
                "Deposits waiting for your approval",
                reverse("deposits:staff_list") + "?status=awaiting_approval",
                "Opening a deposit, or changing its use conditions, needs a second staff member.",
                count=count,
                urgent=True,
            )
        )
    actions.append(NextAction("Register a deposit", reverse("deposits:staff_create")))
    return actions
