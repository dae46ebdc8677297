"""Celery interfaces to the outbox: thin, they take ids and call a service. Delivery runs on the
"ons" queue, the sweep on "housekeeping" (settings.CELERY_TASK_ROUTES)."""

from celery import shared_task
from django.conf import settings

#: One attempt waits at most the connect timeout and then the read timeout; the hard limit stays
#: below the lease (ONS_LEASE_SECONDS), so the sweep never hands a row to a second worker while the
#: first still runs.
_SOFT_LIMIT = int(settings.ONS_WEBHOOK_CONNECT_TIMEOUT + settings.ONS_WEBHOOK_TIMEOUT + 5)


@shared_task(ignore_result=True, soft_time_limit=_SOFT_LIMIT, time_limit=_SOFT_LIMIT + 5)
def ons_notification_deliver_task(notification_id: int) -> None:
    from .services import ons_notification_deliver  # inline: services imports this module

    ons_notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=55)
def ons_notification_sweep_task() -> None:
    from .services import ons_notifications_sweep  # inline: services imports this module

    ons_notifications_sweep()
