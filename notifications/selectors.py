"""Reads of the outbox for staff screens, the home page, the banner and /healthz."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.home import NextAction
from core.permissions import is_staff_member
from core.selectors import heartbeat_at

from .enums import OnsNotificationStatus
from .models import OnsEndpoint, OnsIncident, OnsNotification

Status = OnsNotificationStatus
WAITING = (Status.PENDING, Status.SENDING)
#: The heartbeat the sweep writes and /healthz reads.
SCHEDULER_HEARTBEAT = "scheduler"


def ons_notification_list(*, status: str = "") -> QuerySet[OnsNotification]:
    queryset = OnsNotification.objects.select_related("application").defer("payload")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def ons_endpoint_list() -> QuerySet[OnsEndpoint]:
    return OnsEndpoint.objects.order_by("channel", "target")


def ons_incident_list(*, limit: int = 10) -> list[OnsIncident]:
    return list(
        OnsIncident.objects.annotate(failed_count=Count("failed_notifications")).order_by("-opened_at")[
            :limit
        ]
    )


def ons_notification_get(*, pk: int) -> OnsNotification:
    return OnsNotification.objects.select_related("application", "revocation", "decision").get(pk=pk)


def ons_notification_counts() -> dict[str, int]:
    """Pending (sending included) and failed, in one query."""
    return OnsNotification.objects.aggregate(
        pending=Count("pk", filter=Q(status__in=[Status.PENDING, Status.SENDING])),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
    )


# --- Delivery health ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryHealth:
    """What staff and /healthz need to know about delivery, in two queries."""

    failed: int
    waiting_long: int
    oldest_waiting_since: datetime | None
    disabled_endpoints: list[OnsEndpoint]

    @property
    def healthy(self) -> bool:
        return not self.waiting_long and not self.disabled_endpoints


def _waiting_since_before(limit: datetime) -> Q:
    """Rows waiting since before ``limit``: recorded then, or resent then."""
    return Q(resent_at__isnull=True, created_at__lte=limit) | Q(resent_at__lte=limit)


def ons_delivery_health(*, now: datetime | None = None) -> DeliveryHealth:
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.ONS_DELAY_ALERT_SECONDS)
    figures = OnsNotification.objects.aggregate(
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        waiting_long=Count("pk", filter=Q(status__in=WAITING) & _waiting_since_before(limit)),
        oldest=Min("created_at", filter=Q(status__in=WAITING)),
    )
    return DeliveryHealth(
        failed=figures["failed"],
        waiting_long=figures["waiting_long"],
        oldest_waiting_since=figures["oldest"],
        disabled_endpoints=list(OnsEndpoint.objects.filter(disabled_at__isnull=False)),
    )


def scheduler_last_run() -> datetime | None:
    return heartbeat_at(name=SCHEDULER_HEARTBEAT)


@dataclass(frozen=True)
class SchedulerState:
    last_run: datetime | None
    stale: bool


def scheduler_state(*, now: datetime | None = None) -> SchedulerState:
    """Whether the sweep has failed to run for ONS_SCHEDULER_STALE_SECONDS. Before its first run it
    counts as stale only once something has waited that long for it (a fresh install is no outage)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.ONS_SCHEDULER_STALE_SECONDS)
    last = scheduler_last_run()
    if last is not None:
        return SchedulerState(last, last < limit)
    waiting = OnsNotification.objects.filter(Q(status__in=WAITING) & _waiting_since_before(limit)).exists()
    return SchedulerState(None, waiting)


@dataclass(frozen=True)
class StaffBanner:
    """What the staff banner says about delivery to ONS (nothing when all is well)."""

    health: DeliveryHealth
    scheduler: SchedulerState

    @property
    def shown(self) -> bool:
        return bool(self.health.failed or not self.health.healthy or self.scheduler.stale)


def ons_staff_banner_for(user) -> StaffBanner | None:
    """For the banner on every page: three small queries for staff, none for anyone else."""
    if not is_staff_member(user):
        return None
    now = timezone.now()
    return StaffBanner(health=ons_delivery_health(now=now), scheduler=scheduler_state(now=now))


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
