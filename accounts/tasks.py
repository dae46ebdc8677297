"""Celery interfaces of accounts: thin, they take what the request gave and call a service."""

from celery import shared_task


@shared_task(ignore_result=True)
def password_reset_emails_send_task(email: str) -> None:
    from .services import password_reset_emails_send  # inline: services imports this module

    password_reset_emails_send(email=email)
