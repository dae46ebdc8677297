from django.db import models


class ApiScope(models.TextChoices):
    """What a client's token lets it do. The API only reads; no other scope exists yet."""

    READ = "read", "Read only"


class ApiAuditAction:
    CLIENT_CREATED = "api.api_client.created"
    CLIENT_REVOKED = "api.api_client.revoked"
    #: One per call made with a known token (the answer's status in ``data``).
    CALL_MADE = "api.call.made"
    #: A call with a revoked token (refused with 401).
    CALL_REFUSED = "api.call.refused"
