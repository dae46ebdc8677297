"""Reads of the outbox for staff screens, the home page and the banner."""

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from core.home import NextAction
from core.permissions import is_staff_member

from .enums import OnsNotificationStatus
from .models import OnsNotification

Status = OnsNotificationStatus


def ons_notification_list(*, status: str = "") -> QuerySet[OnsNotification]:
    queryset = OnsNotification.objects.select_related("application").defer("payload")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def ons_notification_get(*, pk: int) -> OnsNotification:
    return OnsNotification.objects.select_related("application", "revocation", "decision").get(pk=pk)


def ons_notification_counts() -> dict[str, int]:
    """Pending (sending included) and failed, in one query."""
    return OnsNotification.objects.aggregate(
        pending=Count("pk", filter=Q(status__in=[Status.PENDING, Status.SENDING])),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
    )


def ons_failed_count_for(user) -> int:
    """For the staff banner: one cheap count for staff, no query for anyone else."""
    if not is_staff_member(user):
        return 0
    return OnsNotification.objects.filter(status=Status.FAILED).count()


def ons_next_actions(user) -> list[NextAction]:
    if not is_staff_member(user):
        return []
    counts = ons_notification_counts()
    url = reverse("notifications:log")
    actions = [
        NextAction(
            "ONS notifications waiting",
            f"{url}?status={Status.PENDING}",
            "Pending or being sent to ONS now.",
            count=counts["pending"],
        )
    ]
    if counts["failed"]:
        actions.insert(
            0,
            NextAction(
                "ONS notifications failed",
                f"{url}?status={Status.FAILED}",
                "ONS was not told of these decisions: check the error and resend.",
                count=counts["failed"],
                urgent=True,
            ),
        )
    return actions
