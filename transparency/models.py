"""Public information pages (versioned) and the record of access-period notices sent.

The public register itself has no table: it is a read over approved applications and their
decisions (``transparency.selectors.register_entries``), so it can never disagree with them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models import Application
from core.text import OneLineCharField

from .enums import AccessNoticeKind, InfoPageSlug


class InfoPage(models.Model):
    """A public page staff edit in Markdown. The current text lives here; every saved text, the
    current one included, is also an ``InfoPageVersion`` (nothing is overwritten)."""

    slug = models.SlugField(max_length=40, unique=True, choices=InfoPageSlug.choices)
    title = OneLineCharField(max_length=200)
    body = models.TextField(help_text="Markdown. HTML is not allowed and is removed.")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class InfoPageVersion(models.Model):
    """One saved text of a page, kept for good."""

    page = models.ForeignKey(InfoPage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = OneLineCharField(max_length=200)
    body = models.TextField()
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = OneLineCharField(max_length=300, blank=True)

    class Meta:
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="uniq_info_page_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class AccessNotice(models.Model):
    """A notice about an approved application's access period that was sent (the 30-day reminder
    to the team, the end of access). One of each kind per application, enforced by the database."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="access_notices")
    kind = models.CharField(max_length=20, choices=AccessNoticeKind.choices)
    access_end = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="uniq_access_notice_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.application.reference}"
