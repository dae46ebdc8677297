"""Every write of the transparency app: information pages, and the end of access periods."""

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.services import audit_record

from .enums import TransparencyAuditAction
from .models import InfoPage, InfoPageVersion


@transaction.atomic
def info_page_update(
    *, page: InfoPage, title: str, body: str, actor, base_version: int, change_note: str = ""
) -> InfoPage:
    """Publish a new version of a page. The previous text stays as its own version. Refused when
    someone else published a version after the editor opened the page (``base_version``)."""
    locked = InfoPage.objects.select_for_update().get(pk=page.pk)
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise DomainError("A page needs a title and some text.")
    if locked.version != base_version:
        raise DomainError(
            f"Someone else published version {locked.version} of this page after you opened it. "
            "Open the page again to see their text, then make your change."
        )
    if locked.title == title and locked.body == body:
        return locked  # nothing changed: no new version
    now = timezone.now()
    locked.title, locked.body, locked.version = title, body, locked.version + 1
    locked.updated_at, locked.updated_by = now, actor
    locked.full_clean()
    locked.save(update_fields=["title", "body", "version", "updated_at", "updated_by"])
    InfoPageVersion.objects.create(
        page=locked,
        number=locked.version,
        title=title,
        body=body,
        saved_at=now,
        saved_by=actor,
        change_note=change_note.strip(),
    )
    audit_record(
        actor=actor,
        action=TransparencyAuditAction.PAGE_UPDATED,
        target=locked,
        data={"version": locked.version, "previous_version": locked.version - 1},
    )
    return locked


@transaction.atomic
def export_record(*, actor, kind: str, filters: dict) -> None:
    """Staff downloaded an export of applications or decisions: who, which, with what filters."""
    audit_record(
        actor=actor,
        action=TransparencyAuditAction.EXPORT_DOWNLOADED,
        data={"export": kind, "filters": filters},
    )
