from celery import shared_task

from .accreditation_watch import accreditation_reminders_send
from .after_approval.services import reports_process
from .grant_screening import grants_rescreen_all, grants_rescreen_for_deposit
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


@shared_task(name="applications.tasks.grants_rescreen_for_deposit_task", ignore_result=True)
def grants_rescreen_for_deposit_task(deposit_id: int, cause: str) -> None:
    """After a deposit's conditions changed: screen every live grant using it again."""
    grants_rescreen_for_deposit(deposit_id=deposit_id, cause=cause)


@shared_task(name="applications.tasks.grants_rescreen_all_task", ignore_result=True)
def grants_rescreen_all_task() -> None:
    """Hourly (celery beat): every live or suspended grant screened again (lapsed accreditations;
    the safety net for a lost task)."""
    grants_rescreen_all()


@shared_task(name="applications.tasks.accreditation_reminders_task", ignore_result=True)
def accreditation_reminders_task() -> None:
    """Hourly (celery beat): warn team members whose ONS accreditation expires before their grant's
    access end, 90 and 30 days ahead. Safe to run any number of times: nobody is warned twice."""
    accreditation_reminders_send()
