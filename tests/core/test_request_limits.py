"""Request bodies are capped before they are read (issue 14, item 3), through Django's test client: the
middleware's 413 and 411, the upload handler's 413 on its own (with the middleware taken out), and
Django's RequestDataTooBig answered 413 rather than 400. The same limits on a real gunicorn, measured
on disk, are in test_request_limits_server.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from applications.models import ApplicationAttachment
from tests.factories.applications import ApplicationFactory
from tests.factories.deposits import PDF_BYTES as PDF

MB = 1024 * 1024

pytestmark = pytest.mark.django_db


def test_a_body_over_the_limit_is_answered_413_before_it_is_read(client, settings, django_assert_num_queries):
    settings.MAX_REQUEST_BYTES = 1000
    with django_assert_num_queries(0):
        response = client.post(
            reverse("accounts:login"), {"username": "a@example.org", "password": "x" * 2000}
        )
    assert response.status_code == 413
    assert "This upload is too large" in response.content.decode()
    assert f"at most {settings.MAX_UPLOAD_BYTES // MB} MB" in response.content.decode()


def test_a_body_at_the_limit_is_read(client, settings):
    body = "username=a%40example.org&password=" + "x" * 100
    settings.MAX_REQUEST_BYTES = len(body)
    response = client.post(reverse("accounts:login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200  # the sign-in form again, with its error


def test_a_chunked_body_without_a_length_is_answered_411(client):
    response = client.generic(
        "POST",
        reverse("accounts:login"),
        b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.content.decode()


def test_a_form_body_over_django_s_memory_limit_is_answered_413_not_400(client, settings):
    """DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig, which Django answers 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("accounts:login"), {"username": "a@example.org", "password": "x" * 2000})
    assert response.status_code == 413
    assert "This upload is too large" in response.content.decode()


RECEIVED: list[tuple[str, int]] = []


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's spooling handler, noting how far into each file it was handed bytes."""

    def receive_data_chunk(self, raw_data, start):
        RECEIVED.append((self.file.temporary_file_path(), start + len(raw_data)))
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def handler_alone(settings, tmp_path):
    """The upload handler without the middleware in front of it (as for a body longer than its
    Content-Length said), every upload spooled to disk in ``tmp_path``."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "core.middleware.RequestBodyLimitMiddleware"
    ]
    settings.FILE_UPLOAD_HANDLERS = [
        "core.uploads.RequestBodyLimitUploadHandler",
        f"{__name__}.RecordingTemporaryFileUploadHandler",
    ]
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.MAX_REQUEST_BYTES = 1 * MB
    RECEIVED.clear()
    yield tmp_path
    RECEIVED.clear()


def test_the_upload_handler_stops_a_file_at_the_limit_and_answers_413(client_for, researcher, handler_alone):
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {
            "description": "Ethics letter",
            "file": SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * MB), content_type="application/pdf"),
        },
    )
    assert response.status_code == 413
    assert "This upload is too large" in response.content.decode()
    assert not ApplicationAttachment.objects.exists()
    assert RECEIVED  # the spooling handler did get the start of the file ...
    assert max(end for _, end in RECEIVED) <= MB  # ... and nothing past the limit
    assert list(handler_alone.iterdir()) == []  # and the spooled part is deleted


def test_the_upload_handler_passes_a_file_under_the_limit(client_for, researcher, handler_alone):
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {"description": "Ethics letter", "file": SimpleUploadedFile("ethics.pdf", PDF)},
    )
    assert response.status_code == 302
    assert ApplicationAttachment.objects.count() == 1


def test_a_file_over_the_file_limit_but_under_the_request_limit_gets_the_field_message(
    client_for, researcher, settings
):
    """With the default limits, a 10.5 MB file is read (the request cap is 11 MB) and refused by the
    form with its size, on the form page."""
    assert settings.MAX_UPLOAD_BYTES < int(10.5 * MB) < settings.MAX_REQUEST_BYTES
    application = ApplicationFactory(lead=researcher)
    response = client_for(researcher).post(
        reverse("applications:attachment_add", kwargs={"pk": application.pk}),
        {
            "description": "Ethics letter",
            "file": SimpleUploadedFile("big.pdf", PDF + b"0" * (int(10.5 * MB) - len(PDF))),
        },
    )
    assert response.status_code == 200
    assert "This file is 10.5 MB; the limit is 10 MB." in response.content.decode()
    assert not ApplicationAttachment.objects.exists()
