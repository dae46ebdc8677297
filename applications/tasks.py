from celery import shared_task

from .after_approval.services import reports_process
from .services import terms_acceptance_requests_send


@shared_task(name="applications.tasks.terms_acceptance_requests_task", ignore_result=True)
def terms_acceptance_requests_task() -> None:
    """Hourly (celery beat): ask the members of live teams who have neither accepted the terms of
    access in force nor been asked (a team approved, or a member joined, since the version was
    published). Safe to run any number of times: nobody is asked twice."""
    terms_acceptance_requests_send()


@shared_task(name="applications.tasks.reports_process_task", ignore_result=True)
def reports_process_task() -> None:
    """Hourly (celery beat): schedule the reports live projects owe and remind teams 30 and 7 days
    before each deadline. Safe to run any number of times."""
    reports_process()
