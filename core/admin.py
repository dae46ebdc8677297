from django.contrib import admin

from .models import AuditEvent, QueuedEmail


class ReadOnlyAdminMixin:
    """Records written only through the services (and audited there): the admin shows them and
    never adds, changes or deletes one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_email", "action", "target_type", "target_repr", "ip_address"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_email", "action", "target_repr", "target_id"]
    date_hierarchy = "created_at"


@admin.register(QueuedEmail)
class QueuedEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["subject"]
    readonly_fields = [f.name for f in QueuedEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
