from celery import shared_task

from .services import access_periods_process


@shared_task(ignore_result=True)
def access_periods_task() -> None:
    """Hourly (celery beat): remind teams 30 days before access ends; end access periods that have
    passed and tell ONS. Safe to run any number of times."""
    access_periods_process()
