"""What the home page shows panel members and staff."""

from django.urls import reverse

from core.home import NextAction
from core.permissions import is_panel_member, is_staff_member

from .queue_selectors import panel_queue_counts
from .selectors import staff_application_list


def panel_next_actions(user) -> list[NextAction]:

    actions: list[NextAction] = []
    if is_panel_member(user):
        counts = panel_queue_counts(user=user)
        to_declare, to_vote = counts["awaiting_declaration"], counts["awaiting_vote"]
        if to_declare or to_vote:
            actions.append(
                NextAction(
                    title="Applications awaiting you",
                    url=reverse("panel:queue"),
                    description=f"{to_declare} to declare interests on, {to_vote} to vote on.",
                    count=to_declare + to_vote,
                    urgent=True,
                )
            )
        else:
            actions.append(NextAction(title="My panel queue", url=reverse("panel:queue")))
    if is_staff_member(user):
        count = staff_application_list(awaiting_screening=True).count()
        actions.append(
            NextAction(
                title="Applications to screen",
                url=reverse("panel:staff_applications"),
                description="Check them and open them for panel review, or query the applicants.",
                count=count,
                urgent=bool(count),
            )
        )
    return actions
