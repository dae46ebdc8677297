from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    ConflictDeclaration,
    Decision,
    MemberInterest,
    PanelMembership,
    PanelRules,
    Revocation,
    Vote,
)


@admin.register(PanelRules)
class PanelRulesAdmin(admin.ModelAdmin):
    """The one row of rules: staff change the quorum and the outcome rule here."""

    list_display = ["__str__", "quorum", "outcome_rule", "updated_at"]
    fields = ["quorum", "outcome_rule", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return not PanelRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "outcome", "is_automatic", "decided_by", "decided_at"]
    list_filter = ["outcome", "is_automatic"]
    search_fields = ["application__reference", "application__title"]


@admin.register(PanelMembership)
class PanelMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "is_chair", "started_at", "ended_at"]
    list_filter = ["is_chair"]


@admin.register(MemberInterest)
class MemberInterestAdmin(ReadOnlyAdmin):
    list_display = ["member", "declared_at", "withdrawn_at"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["application", "member", "has_conflict", "declared_at"]
    list_filter = ["has_conflict"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["application", "member", "version_number", "project_vote", "researcher_fit", "updated_at"]


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ["application", "revoked_by", "revoked_at"]
    list_select_related = ["application", "revoked_by"]
