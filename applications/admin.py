"""Read-only admin views: every change to an application goes through applications.services (so
it is checked and audited); the admin is for looking things up."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationQuery,
    ApplicationVersion,
    TermsAcceptance,
    TermsAcceptanceRequest,
    TermsOfAccess,
)


class MemberInline(admin.TabularInline):
    model = ApplicationMember
    fields = ["email", "user", "role", "status", "accepted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "lead", "status", "version_number", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["reference", "title", "lead__email"]
    list_select_related = ["lead"]
    inlines = [MemberInline]


@admin.register(ApplicationVersion)
class ApplicationVersionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_by", "submitted_at"]
    list_select_related = ["application", "submitted_by"]
    search_fields = ["application__reference"]


@admin.register(ApplicationQuery)
class ApplicationQueryAdmin(ReadOnlyAdmin):
    list_display = ["application", "version_number", "raised_by", "created_at", "answered_at"]
    list_select_related = ["application", "raised_by"]
    search_fields = ["application__reference"]


@admin.register(ApplicationAttachment)
class ApplicationAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "description", "original_name", "size", "uploaded_by", "created_at"]
    list_select_related = ["application", "uploaded_by"]
    exclude = ["file"]  # served only by the team's permission-checking view


@admin.register(TermsOfAccess)
class TermsOfAccessAdmin(ReadOnlyAdmin):
    list_display = ["number", "label", "published_at", "published_by", "acceptance_period_days"]
    list_select_related = ["published_by"]
    search_fields = ["label"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["terms", "application", "user", "accepted_at"]
    list_select_related = ["terms", "application", "user"]
    search_fields = ["application__reference", "user__email"]


@admin.register(TermsAcceptanceRequest)
class TermsAcceptanceRequestAdmin(ReadOnlyAdmin):
    list_display = ["terms", "application", "user", "asked_at", "due_on"]
    list_select_related = ["terms", "application", "user"]
    search_fields = ["application__reference", "user__email"]
