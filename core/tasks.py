from celery import shared_task


@shared_task(ignore_result=True)
def queued_email_send_task(email_id: int) -> None:
    from .services import queued_email_send

    queued_email_send(email_id=email_id)


@shared_task(ignore_result=True)
def queued_email_sweep_task() -> None:
    from .services import queued_email_due_ids, queued_email_send

    for email_id in queued_email_due_ids():
        queued_email_send(email_id=email_id)
