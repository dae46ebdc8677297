"""The register's export and the controlled list of sensitive uses."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from core.errors import domain_error_from
from core.services import audit_record

from ..enums import (
    DepositAuditAction,
)
from ..models import (
    Deposit,
    SensitiveUse,
)
from ..selectors import deposit_register_rows
from ._common import (
    _ensure_staff,
)

# --- export --------------------------------------------------------------------------------------------


@transaction.atomic
def deposit_register_export(
    *, actor, deposits: QuerySet[Deposit], filters: dict | None = None
) -> list[list[str]]:
    """The register's rows for the CSV (header first). Exports are audited: they carry contact
    details out of the portal."""
    _ensure_staff(actor)
    content = deposit_register_rows(deposits)
    audit_record(
        actor=actor,
        action=DepositAuditAction.EXPORTED,
        data={"filters": filters or {}, "rows": deposits.count()},
    )
    return content


# --- the controlled list of sensitive uses ---------------------------------------------------------


@transaction.atomic
def sensitive_use_create(
    *, actor, code: str, name: str, description: str = "", duo_code: str = ""
) -> SensitiveUse:
    _ensure_staff(actor)
    use = SensitiveUse(code=code, name=name, description=description, duo_code=duo_code)
    try:
        use.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    use.save()
    audit_record(
        actor=actor,
        action=DepositAuditAction.SENSITIVE_USE_CREATED,
        target=use,
        data={"code": code, "duo_code": duo_code},
    )
    return use


_SENSITIVE_USE_EDITABLE = ("name", "description", "is_active", "duo_code")


@transaction.atomic
def sensitive_use_update(
    *,
    actor,
    sensitive_use: SensitiveUse,
    name: str,
    description: str,
    is_active: bool,
    duo_code: str | None = None,
) -> SensitiveUse:
    """Rename, describe, retire or map a category to a GA4GH DUO code (None keeps the code as it
    is). Its own code never changes: applications refer to it."""
    _ensure_staff(actor)
    use = SensitiveUse.objects.select_for_update().get(pk=sensitive_use.pk)
    before = {field: getattr(use, field) for field in _SENSITIVE_USE_EDITABLE}
    use.name, use.description, use.is_active = name, description, is_active
    if duo_code is not None:
        use.duo_code = duo_code
    after = {field: getattr(use, field) for field in _SENSITIVE_USE_EDITABLE}
    if before == after:
        return use
    try:
        use.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    use.save(update_fields=[*_SENSITIVE_USE_EDITABLE, "updated_at"])
    audit_record(
        actor=actor,
        action=DepositAuditAction.SENSITIVE_USE_UPDATED,
        target=use,
        data={"before": before, "after": after},
    )
    return use
