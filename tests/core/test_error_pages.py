"""Server errors (issue 14, item 10): sent to ADMINS by email, and the 500 page says that the staff
have been told only when someone was. The page is rendered without the request's context and
touches no database."""

import json

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.production_support import run_with_production_settings

ERROR_URL = "/test-server-error/"
TOLD = "The staff have been told."


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF="tests.core.error_urls", ADMINS=[("Ops", "ops@example.org")])
def test_with_admins_a_server_error_is_mailed_to_them_and_the_page_says_so(
    browser, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = browser.get(ERROR_URL)
    assert response.status_code == 500
    assert TOLD in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.org"]
    assert ERROR_URL in mail.outbox[0].subject
    assert "a test error the view did not expect" in mail.outbox[0].body


@override_settings(ROOT_URLCONF="tests.core.error_urls", ADMINS=[("Ops", "ops@example.org")])
def test_the_error_email_carries_no_form_value_and_no_cookie_value(browser, db):
    browser.cookies["__Host-sessionid"] = "a-session-key-that-would-sign-someone-in"
    response = browser.post(
        ERROR_URL, {"password1": "correct horse battery staple", "organisation": "University of Leeds"}
    )
    assert response.status_code == 500
    (email,) = mail.outbox
    assert "correct horse battery staple" not in email.body
    assert "University of Leeds" not in email.body
    assert "a-session-key-that-would-sign-someone-in" not in email.body
    assert "organisation = '********************'" in email.body  # the names stay, for the diagnosis
    assert "__Host-sessionid = '********************'" in email.body


@override_settings(ROOT_URLCONF="tests.core.error_urls", ADMINS=[])
def test_without_admins_the_page_does_not_claim_anyone_was_told(browser, db):
    response = browser.get(ERROR_URL)
    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "have been told" not in content
    assert "tell the archive team" in content
    assert mail.outbox == []


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
override_settings(ROOT_URLCONF="tests.core.error_urls").enable()
client = Client(raise_request_exception=False)
error = client.get("/test-server-error/", secure=True, HTTP_HOST="portal.example.org")
errors_mailed = len(getattr(mail, "outbox", []))
# A form body over DATA_UPLOAD_MAX_MEMORY_SIZE: the client's fault (413), logged by django.security.
too_big = client.post("/accounts/login/", {"password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
                      secure=True, HTTP_HOST="portal.example.org")
print(json.dumps({
    "status": error.status_code, "page": error.content.decode(), "admins": settings.ADMINS,
    "errors_mailed": errors_mailed, "to": [m.to for m in getattr(mail, "outbox", [])],
    "too_big": too_big.status_code, "mailed_after_too_big": len(getattr(mail, "outbox", [])),
}))
"""


def _production_error(admins: str) -> dict:
    result = run_with_production_settings(
        PRODUCTION_PROBE,
        ADMINS=admins,
        EMAIL_URL="memorymail://",
        # No database can be reached: neither the failing request nor its 500 page may need one.
        DATABASE_URL="postgres://postgres@127.0.0.1:9/unreachable",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mails_a_server_error_once_to_each_admin_and_says_so():
    seen = _production_error("Ops Desk <ops@example.org>, duty@example.org")
    assert seen["admins"] == [["Ops Desk", "ops@example.org"], ["duty@example.org", "duty@example.org"]]
    assert seen["status"] == 500
    assert TOLD in seen["page"]
    assert seen["errors_mailed"] == 1
    assert seen["to"] == [["ops@example.org", "duty@example.org"]]
    assert seen["too_big"] == 413
    assert seen["mailed_after_too_big"] == 1  # a client's oversized body is not a server error


def test_production_without_admins_mails_nobody_and_does_not_say_so():
    seen = _production_error("")
    assert seen["status"] == 500
    assert "have been told" not in seen["page"]
    assert seen["errors_mailed"] == 0
