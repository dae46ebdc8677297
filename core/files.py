"""Uploaded documents: checked by content (not by name), stored outside any URL space and served
only by views that check permission first."""

import logging
import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.text import get_valid_filename
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF_MAGIC = b"%PDF-"

#: Dictionary keys that make a PDF do something when it is opened or clicked: run JavaScript, start
#: a program, send a form, play media, carry files, or take its content from an XFA form.
ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/OpenAction": "an action that runs when it is opened",
    "/AA": "actions that run on events",
    "/Launch": "an action that starts a program",
    "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files",
    "/RichMedia": "embedded media",
    "/XFA": "an XFA form",
}
#: Action types (``/S``) and annotation subtypes that do the same.
ACTIVE_NAMES = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "an action that imports data",
    "/GoToE": "a link into an embedded file",
    "/Rendition": "embedded media",
    "/RichMedia": "embedded media",
    "/FileAttachment": "embedded files",
}
#: A PDF with more objects than this is refused rather than walked (a decompression bomb).
MAX_PDF_OBJECTS = 200_000

logger = logging.getLogger(__name__)


def sniff_content_type(uploaded: UploadedFile) -> str:
    """The content type the bytes show, whatever the name or the browser claim."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(1024)
    uploaded.seek(position)
    if head.lstrip().startswith(PDF_MAGIC):
        return "application/pdf"
    return "application/octet-stream"


class UnreadablePdf(Exception):
    """pypdf could not read the file, or it is too large a structure to check."""


def pdf_active_content(stream) -> list[str]:
    """What in the PDF would act rather than show (JavaScript, open actions, launch actions, embedded
    files ...), described for a person; empty when it only shows. Every object reachable from the
    trailer and every object in the cross-reference table is looked at, so an action cannot hide in
    an object no page uses. Raises UnreadablePdf when pypdf cannot read the file."""
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            raise UnreadablePdf("encrypted")
        roots = [reader.trailer]
        for generation, numbers in reader.xref.items():
            roots.extend(IndirectObject(number, generation, reader) for number in numbers)
        roots.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
        found: dict[str, None] = {}
        seen: set[tuple[int, int]] = set()
        pending = list(roots)
        while pending:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > MAX_PDF_OBJECTS:
                    raise UnreadablePdf("too many objects")
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                for name, value in item.items():
                    if name in ACTIVE_KEYS:
                        found[ACTIVE_KEYS[name]] = None
                    if name in ("/S", "/Subtype", "/Type") and isinstance(value, NameObject):
                        if value in ACTIVE_NAMES:
                            found[ACTIVE_NAMES[value]] = None
                        elif value == "/EmbeddedFile":
                            found[ACTIVE_KEYS["/EmbeddedFiles"]] = None
                    pending.append(value)
            elif isinstance(item, ArrayObject):
                pending.extend(item)
        return list(found)
    except UnreadablePdf:
        raise
    except Exception as exc:  # pypdf raises many kinds on hostile input: each means "cannot read"
        logger.info("PDF not readable: %s", exc)
        raise UnreadablePdf(str(exc)) from exc


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
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    try:
        active = pdf_active_content(uploaded)
    except UnreadablePdf as exc:
        raise ValidationError(
            "This PDF could not be read (it may be damaged, incomplete or password-protected). "
            "Open it, save it again as PDF without a password, and upload the new file.",
            code="unreadable_pdf",
        ) from exc
    finally:
        uploaded.seek(position)
    if active:
        raise ValidationError(
            "This PDF contains %(what)s, which the portal does not accept in documents people will open. "
            "Print it to a new PDF (File, Print, Save as PDF) and upload that file.",
            code="active_pdf",
            params={"what": ", ".join(active)},
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
