from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import Deposit, DepositApproval, DepositDocument, SensitiveUse, SrsDataset


class SrsDatasetInline(admin.TabularInline):
    model = SrsDataset
    extra = 0


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-mostly: staff change deposits in the portal, where the four-eyes rule applies."""

    list_display = ["reference", "title", "status", "population", "access_level"]
    list_filter = ["status", "population", "access_level", "geography"]
    search_fields = ["reference", "title"]
    inlines = [SrsDatasetInline]


@admin.register(SensitiveUse)
class SensitiveUseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    readonly_fields = ["code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DepositDocument)
class DepositDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["deposit", "kind", "title", "version", "document_date", "is_internal"]
    list_filter = ["kind", "is_internal"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(DepositApproval)
class DepositApprovalAdmin(admin.ModelAdmin):
    list_display = ["deposit", "kind", "approved_by", "approved_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
