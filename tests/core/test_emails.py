import pytest
from django.core import mail

from core.models import QueuedEmail
from core.services import email_queue, render_text_email

pytestmark = pytest.mark.django_db


def test_plain_text_emails_are_not_html_escaped():
    subject, body = render_text_email(
        template="accounts/invitation",
        context={
            "user": {"full_name": "Siân O'Brien & Co"},
            "role": "Staff",
            "set_password_url": "https://x/?a=1&b=2",
        },
    )
    assert "Siân O'Brien & Co" in body
    assert "https://x/?a=1&b=2" in body
    assert "&amp;" not in body
    assert "&#x27;" not in body
    assert subject.startswith("You are invited")


def test_email_queue_sends_after_commit_only(django_capture_on_commit_callbacks, researcher):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = email_queue(
            to=[researcher.email], template="accounts/sign_up_existing", context={"user": researcher}
        )
    assert QueuedEmail.objects.get(pk=email.pk).status == "pending"
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    email.refresh_from_db()
    assert email.status == "sent"
    assert mail.outbox[0].to == [researcher.email]
