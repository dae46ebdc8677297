"""Celery interfaces to the email outbox: thin, they take ids and call a service."""

from celery import shared_task

from .services import queued_email_send, queued_emails_sweep


@shared_task(ignore_result=True)
def queued_email_send_task(email_id: int) -> None:
    queued_email_send(email_id=email_id)


@shared_task(ignore_result=True)
def queued_email_sweep_task() -> None:
    queued_emails_sweep()
