from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read only: clients are issued by ``api_client_create`` and revoked on the staff page."""

    list_display = ["name", "token_prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = [f.name for f in ApiClient._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
