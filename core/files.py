"""Uploaded documents: checked by content (not by name), stored outside any URL space and served
only by views that check permission first."""

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.text import get_valid_filename

PDF_MAGIC = b"%PDF-"


def sniff_content_type(uploaded: UploadedFile) -> str:
    """The content type the bytes show, whatever the name or the browser claim."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(1024)
    uploaded.seek(position)
    if head.lstrip().startswith(PDF_MAGIC):
        return "application/pdf"
    return "application/octet-stream"


def validate_pdf_upload(uploaded: UploadedFile, *, max_bytes: int | None = None) -> None:
    """Refuse anything that is not a PDF by content, or is larger than the limit."""
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            f"This file is {uploaded.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB.",
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError("This file is empty.", code="empty")
    if sniff_content_type(uploaded) != "application/pdf":
        raise ValidationError(
            "This file is not a PDF (its content is not PDF, whatever its name). "
            "Save it as PDF and upload it again.",
            code="not_pdf",
        )


def safe_download_name(name: str) -> str:
    return get_valid_filename(PurePath(name).name) or "document.pdf"


def private_file_response(file_field, *, download_name: str, content_type: str | None = None) -> FileResponse:
    """Stream a stored file as an attachment, never inline, with no caching."""
    handle = file_field.open("rb")
    content_type = content_type or mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=safe_download_name(download_name), content_type=content_type
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
