from django.db import models


class OnsSigningKeyState(models.TextChoices):
    """Where a key stands at a moment, derived from its timestamps (never stored)."""

    NEXT = "next", "Next (published, not yet signing)"
    ACTIVE = "active", "Active (signing)"
    RETIRING = "retiring", "Retiring (still signing until its retirement)"
    RETIRED = "retired", "Retired (no longer signing, still published)"
    WITHDRAWN = "withdrawn", "Withdrawn (no longer published)"


#: The states in which a key signs, and those in which it is in the JWK set.
SIGNING_STATES = frozenset({OnsSigningKeyState.ACTIVE, OnsSigningKeyState.RETIRING})
PUBLISHED_STATES = frozenset({*SIGNING_STATES, OnsSigningKeyState.NEXT, OnsSigningKeyState.RETIRED})


class OnsSigningAuditAction:
    CREATED = "notifications.ons_signing_key.created"
    RETIREMENT_SCHEDULED = "notifications.ons_signing_key.retirement_scheduled"
    WITHDRAWN = "notifications.ons_signing_key.withdrawn"
