"""The clients of the read API: one row per trusted system (ONS, a TRE), each with one token that
staff issue once and may revoke. Only a SHA-256 of the token is kept, with its first characters
(``token_prefix``) to find the row and to show staff which token is which."""

from django.conf import settings
from django.db import models

from .enums import ApiScope


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    token_prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256, hex.")
    scope = models.CharField(max_length=10, choices=ApiScope.choices, default=ApiScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when created on the command line.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
