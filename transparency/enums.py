from django.db import models


class InfoPageSlug(models.TextChoices):
    """The public information pages. Each exists from the first migration on (the footer links two)."""

    ARCHIVE_PRIVACY = "archive-privacy", "Archive privacy policy"
    SITE_PRIVACY = "privacy", "Privacy policy"
    DPIA_SUMMARY = "dpia-summary", "Data protection impact assessment: summary"
    RESEARCHER_GUIDE = "researcher-guide", "Guide for external researchers"


class AccessNoticeKind(models.TextChoices):
    REMINDER_30_DAYS = "reminder_30_days", "Access ends in 30 days"
    ENDED = "ended", "Access ended"


class TransparencyAuditAction:
    PAGE_UPDATED = "transparency.page.updated"
    ACCESS_REMINDER_SENT = "transparency.access.reminder_sent"
    ACCESS_ENDED = "transparency.access.ended"
    EXPORT_DOWNLOADED = "transparency.export.downloaded"
