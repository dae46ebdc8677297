from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction

from core.services import audit_record

from .enums import AccountsAuditAction
from .models import ResearcherProfile, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "email_confirmed_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "role", "email_confirmed_at"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "password1", "password2"]})
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []

    def user_change_password(self, request, id, form_url=""):
        """Django's change-password page, audited: when the person's password changed (set, or
        password sign-in disabled), accounts.user.password_changed is written in the same
        transaction, with the admin as the actor. Django's page wrote only its own admin log."""
        with transaction.atomic():
            person = self.get_object(request, unquote(id))
            before = (
                User.objects.select_for_update().filter(pk=person.pk).values_list("password", flat=True).get()
                if person is not None and request.method == "POST"
                else None
            )
            response = super().user_change_password(request, id, form_url)
            if before is not None:
                person.refresh_from_db(fields=["password"])
                if person.password != before:
                    audit_record(
                        actor=request.user,
                        action=AccountsAuditAction.PASSWORD_CHANGED,
                        target=person,
                        data={"by": "admin", "password_sign_in": person.has_usable_password()},
                    )
        return response


@admin.register(ResearcherProfile)
class ResearcherProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "sector", "accreditation_status", "accreditation_expires_on"]
    list_filter = ["sector", "accreditation_status"]
    search_fields = ["user__email", "user__full_name", "organisation"]
    raw_id_fields = ["user"]
