"""Read-only admin: notifications are written only by the services (and audited there); staff
resend from the portal's own screen."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import OnsDeliveryAttempt, OnsNotification
from .signing import admin as signing_admin  # noqa: F401 (registers the signing keys' admin)


class OnsDeliveryAttemptInline(admin.TabularInline):
    model = OnsDeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "duration_ms", "status_code", "error", "outcome"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OnsNotification)
class OnsNotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "event_type",
        "sequence",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["status", "channel", "event_type"]
    list_select_related = ["application"]
    search_fields = ["application__reference", "message_id"]
    inlines = [OnsDeliveryAttemptInline]
