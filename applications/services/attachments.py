"""The PDFs attached to a draft or a queried application."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.errors import domain_error_from
from core.files import validate_pdf_upload
from core.services import audit_record
from core.text import one_line_checked, one_line_clean

from ..enums import ApplicationsAuditAction
from ..models import Application, ApplicationAttachment
from ._common import _ensure_editable, _ensure_team_member
from .lifecycle import application_lock


@transaction.atomic
def application_attachment_add(
    *, application: Application, actor, uploaded: UploadedFile, description: str
) -> ApplicationAttachment:
    """Attach a PDF (checked by content and size) to a draft or a queried application."""
    app = application_lock(application=application)
    _ensure_team_member(app, actor)
    _ensure_editable(app)
    try:
        validate_pdf_upload(uploaded)
    except ValidationError as exc:
        raise domain_error_from(exc, field="file") from exc
    description = one_line_checked(description, field="description") or "Attachment"
    attachment = ApplicationAttachment(
        application=app,
        original_name=(one_line_clean(uploaded.name or "") or "document.pdf")[:200],
        description=description[:200],
        size=uploaded.size or 0,
        uploaded_by=actor,
    )
    attachment.file.save(uploaded.name or "document.pdf", uploaded, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.ATTACHMENT_ADDED,
        target=app,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    return attachment


@transaction.atomic
def application_attachment_remove(*, attachment: ApplicationAttachment, actor) -> None:
    app = application_lock(application=attachment.application)
    _ensure_team_member(app, actor)
    _ensure_editable(app)
    name, pk, stored = attachment.original_name, attachment.pk, attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.ATTACHMENT_REMOVED,
        target=app,
        data={"attachment": pk, "name": name},
    )
    transaction.on_commit(lambda: storage.delete(stored))
