"""Read-only views of the transparency records: edits go through the staff screens (which keep
every version and write the audit log), never through the admin."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AccessNotice, InfoPage, InfoPageVersion


@admin.register(InfoPage)
class InfoPageAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "version", "updated_at", "updated_by"]


@admin.register(InfoPageVersion)
class InfoPageVersionAdmin(ReadOnlyAdmin):
    list_display = ["page", "number", "saved_at", "saved_by"]
    list_filter = ["page"]


@admin.register(AccessNotice)
class AccessNoticeAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "access_end", "sent_at"]
    list_filter = ["kind"]
