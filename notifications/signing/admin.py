"""Read-only admin of the signing keys: the public half, the timeline and the state now. The
sealed private key is not a field of this admin at all."""

from django.contrib import admin
from django.utils import timezone

from core.admin import ReadOnlyAdmin

from .enums import OnsSigningKeyState
from .models import OnsSigningKey


@admin.register(OnsSigningKey)
class OnsSigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "state", "published_at", "activated_at", "retired_at", "unpublished_at"]
    fields = [
        "kid",
        "state",
        "public_key_text",
        "created_at",
        "published_at",
        "activated_at",
        "retired_at",
        "unpublished_at",
    ]
    readonly_fields = fields
    search_fields = ["kid"]

    @admin.display(description="State now")
    def state(self, obj: OnsSigningKey) -> str:
        return OnsSigningKeyState(obj.state_at(timezone.now())).label

    @admin.display(description="Public key (Standard Webhooks form)")
    def public_key_text(self, obj: OnsSigningKey) -> str:
        return obj.public_key_text
