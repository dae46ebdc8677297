"""The size limit on request bodies (MAX_REQUEST_BYTES), kept while a request is read rather than
after: a larger upload is answered 413 and never spooled to disk in full.

Two guards, both answering with ``request_too_large_response``:
- ``core.middleware.RequestBodyLimitMiddleware`` refuses a declared ``Content-Length`` over the limit
  before anything reads the body;
- ``RequestBodyLimitUploadHandler`` counts the bytes of the files as the multipart parser hands them
  over and stops the upload at the limit, whatever the headers said.
Django raises ``RequestDataTooBig`` for a body over DATA_UPLOAD_MAX_MEMORY_SIZE too; it turns that
exception into a 400, and ``core.views.error_400`` answers it with the 413 page instead."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse
from django.template import loader


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.0f}"


def request_too_large_response() -> HttpResponse:
    """The 413 page: a static template with the limits, rendered with no request context (no session,
    user or database)."""
    body = loader.get_template("413.html").render(
        {
            "file_limit_mb": _megabytes(settings.MAX_UPLOAD_BYTES),
            "request_limit_mb": _megabytes(settings.MAX_REQUEST_BYTES),
        }
    )
    return HttpResponse(body, status=413)


def length_required_response() -> HttpResponse:
    """A body without a Content-Length (``Transfer-Encoding: chunked``): its size is unknown until it
    has been read, and Django's WSGI handler would not read it at all. Browsers always send a length."""
    return HttpResponse(
        "Length required: send the request body with a Content-Length header.\n",
        status=411,
        content_type="text/plain; charset=utf-8",
    )


class RequestBodyLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts the bytes of a request's uploaded files as they arrive.
    When they pass MAX_REQUEST_BYTES it stops the upload (``StopUpload(connection_reset=True)``:
    Django closes, and so deletes, the file being spooled and reads nothing more), before the chunk
    that passed the limit reaches the handlers after it; then, when Django signals the end of the
    upload, it raises ``RequestDataTooBig`` so that the request is answered 413 instead of reaching
    the view with a file missing."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.MAX_REQUEST_BYTES
        self.received = 0
        self.stopped = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.stopped = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one store the file

    def upload_complete(self) -> None:
        if self.stopped:
            raise RequestDataTooBig(f"The uploaded files passed MAX_REQUEST_BYTES ({self.limit} bytes).")
