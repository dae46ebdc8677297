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


class VisaStatus(models.TextChoices):
    """Where one visa of a grant stands when the API is asked (``api.visas.grant_visas``)."""

    VALID = "valid", "Valid (signed)"
    EXPIRED = "expired", "Expired (access or accreditation ended; not signed)"
    REVOKED = "revoked", "Revoked (the grant is no longer live; not signed, in /api/v1/visas/revoked)"
