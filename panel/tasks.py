from celery import shared_task

from .services import vote_reminders_send


@shared_task(name="panel.tasks.vote_reminders_task")
def vote_reminders_task() -> int:
    """Hourly (celery beat): remind members who have not voted, 3 days and 1 day before the deadline."""
    return vote_reminders_send()
