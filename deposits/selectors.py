"""Reads of deposits that other apps rely on."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from accounts.enums import OrganisationSector
from core.permissions import is_staff_member
from core.selectors import prefetched

from .enums import (
    ARCHIVE_DUO_CONDITIONS,
    DUO_TERMS,
    SECTOR_DUO_CODES,
    DepositStatus,
    DocumentKind,
    UseConditionChangeStatus,
)
from .models import (
    Deposit,
    DepositDocument,
    DepositUseConditionChange,
    SensitiveUse,
    SrsDataset,
)


@dataclass(frozen=True)
class UseConditionMatch:
    """One way a request breaks a deposit's use conditions."""

    deposit_reference: str
    deposit_title: str
    kind: str  # "sensitive_use" or "sector"
    condition: str  # the sensitive use's name, or the sector's label

    def describe(self) -> str:
        if self.kind == "sector":
            return (
                f"{self.deposit_reference} ({self.deposit_title}) may not be used by organisations in the "
                f"{self.condition.lower()} sector."
            )
        return (
            f"{self.deposit_reference} ({self.deposit_title}) excludes {self.condition.lower()}: "
            "participants were not told about it or would not be comfortable with it."
        )


def deposit_use_condition_matches(
    *, deposits: Iterable[Deposit], sensitive_uses: Iterable[SensitiveUse], sector: str
) -> list[UseConditionMatch]:
    """Every (deposit, condition) pair that the declared sensitive uses or the applicant's sector
    break. Deposits should come with ``excluded_uses`` prefetched."""
    declared = {use.pk: use for use in sensitive_uses}
    sector = str(sector or "")
    matches: list[UseConditionMatch] = []
    for deposit in deposits:
        for use in deposit.excluded_uses.all():
            if use.pk in declared:
                matches.append(UseConditionMatch(deposit.reference, deposit.title, "sensitive_use", use.name))
        if sector and sector in (deposit.excluded_sectors or []):
            label = dict(OrganisationSector.choices).get(sector, sector)
            matches.append(UseConditionMatch(deposit.reference, deposit.title, "sector", label))
    return matches


# --- use conditions in a shared vocabulary (GA4GH DUO) -------------------------------------------------


def _duo_condition(*, kind: str, condition: str, code: str = "") -> dict:
    term = DUO_TERMS.get(code) if code else None
    return {
        "kind": kind,
        "condition": condition,
        "local": term is None,
        "code": str(term.code) if term else None,
        "duo_id": term.duo_id if term else None,
        "label": term.label if term else None,
        "iri": term.iri if term else None,
    }


def deposit_use_conditions_duo(deposit: Deposit) -> list[dict]:
    """Every use condition of the deposit, each with the GA4GH Data Use Ontology term it amounts to,
    or ``local`` when DUO has none: the conditions of every deposit in the archive (project
    specific, time limited), the permitted purposes (free text, local), each excluded sensitive use
    (``SensitiveUse.duo_code``) and each excluded sector (``SECTOR_DUO_CODES``). Each is a dict:
    ``kind`` (archive, permitted_purposes, excluded_use, excluded_sector), ``condition`` (the
    portal's words), ``local``, and ``code``, ``duo_id``, ``label``, ``iri`` (None when local).
    Reads ``excluded_uses`` through ``.all()``, so a prefetch keeps a list of deposits at a fixed
    number of queries. The catalogue, the register and the API show these."""
    conditions = [
        _duo_condition(kind="archive", condition=condition, code=code)
        for code, condition in ARCHIVE_DUO_CONDITIONS
    ]
    if deposit.permitted_purposes.strip():
        conditions.append(
            _duo_condition(
                kind="permitted_purposes", condition=f"Permitted purposes: {deposit.permitted_purposes}"
            )
        )
    excluded = prefetched(deposit, "excluded_uses")  # as is, without a queryset per deposit
    for use in sorted(
        excluded if excluded is not None else deposit.excluded_uses.all(), key=lambda u: u.name
    ):
        conditions.append(
            _duo_condition(kind="excluded_use", condition=f"Excluded use: {use.name}", code=use.duo_code)
        )
    sectors = dict(OrganisationSector.choices)
    for sector in deposit.excluded_sectors or []:
        conditions.append(
            _duo_condition(
                kind="excluded_sector",
                condition=f"Excluded sector: {sectors.get(sector, sector)}",
                code=SECTOR_DUO_CODES.get(sector, ""),
            )
        )
    return conditions


# --- the public catalogue ------------------------------------------------------------------------------


def deposit_list_available() -> QuerySet[Deposit]:
    """Deposits that can be requested, with their excluded uses prefetched (the application form's
    picker and the automatic use-condition check read them)."""
    return (
        Deposit.objects.filter(status=DepositStatus.AVAILABLE)
        .prefetch_related(Prefetch("excluded_uses", queryset=SensitiveUse.objects.order_by("name")))
        .order_by("reference")
    )


def deposit_list_catalogue() -> QuerySet[Deposit]:
    """What anyone may browse: available deposits only, with what each row shows fetched in a fixed
    number of queries (the row and its excluded uses)."""
    return deposit_list_available()


def deposit_get_available(reference: str) -> Deposit | None:
    """The available deposit with this reference, or None: for an unknown or unavailable one, and
    for anything that cannot be a reference (too long, a NUL), without asking the database."""
    reference = (reference or "").strip()
    max_length = Deposit._meta.get_field("reference").max_length
    if not reference or len(reference) > max_length or "\x00" in reference:
        return None
    return Deposit.objects.filter(reference=reference, status=DepositStatus.AVAILABLE).first()


def deposit_get_public(reference: str) -> Deposit | None:
    """An available deposit as the public may see it: its public documents only (never the internal
    ones), or None when the reference is unknown or the deposit is not available."""
    return (
        Deposit.objects.filter(reference=reference, status=DepositStatus.AVAILABLE)
        .prefetch_related(
            Prefetch("excluded_uses", queryset=SensitiveUse.objects.order_by("name")),
            "srs_datasets",
            Prefetch(
                "documents",
                queryset=DepositDocument.objects.filter(is_internal=False).order_by("kind", "-document_date"),
                to_attr="public_documents",
            ),
        )
        .first()
    )


def deposit_public_document_get(*, reference: str, document_id: int) -> DepositDocument | None:
    """A file the public may download: not internal, on an available deposit."""
    return (
        DepositDocument.objects.filter(
            pk=document_id,
            deposit__reference=reference,
            deposit__status=DepositStatus.AVAILABLE,
            is_internal=False,
        )
        .exclude(file="")
        .select_related("deposit")
        .first()
    )


# --- staff ---------------------------------------------------------------------------------------------


def deposit_list_for_staff(user) -> QuerySet[Deposit]:
    if not is_staff_member(user):
        return Deposit.objects.none()
    return (
        Deposit.objects.select_related("created_by", "last_edited_by", "approved_by")
        .prefetch_related(
            "srs_datasets",
            Prefetch(
                "use_condition_changes",
                queryset=DepositUseConditionChange.objects.filter(status=UseConditionChangeStatus.PENDING),
                to_attr="pending_changes",
            ),
        )
        .order_by("-created_at")
    )


def deposit_get_for_staff(*, user, reference: str) -> Deposit | None:
    if not is_staff_member(user):
        return None
    return (
        Deposit.objects.filter(reference=reference)
        .select_related("created_by", "last_edited_by", "approved_by")
        .prefetch_related(
            Prefetch("excluded_uses", queryset=SensitiveUse.objects.order_by("name")),
            "srs_datasets",
            Prefetch("documents", queryset=DepositDocument.objects.select_related("uploaded_by")),
            "status_changes__changed_by",
            "approvals__approved_by",
            "approvals__privacy_notice",
            "approvals__dpia_document",
            Prefetch(
                "use_condition_changes",
                queryset=DepositUseConditionChange.objects.select_related("proposed_by", "decided_by")
                .prefetch_related("excluded_uses")
                .order_by("-created_at"),
            ),
        )
        .first()
    )


def deposit_pending_change(deposit: Deposit) -> DepositUseConditionChange | None:
    for change in deposit.use_condition_changes.all():
        if change.status == UseConditionChangeStatus.PENDING:
            return change
    return None


def deposit_document_get_for_staff(*, user, reference: str, document_id: int) -> DepositDocument | None:
    if not is_staff_member(user):
        return None
    return (
        DepositDocument.objects.filter(pk=document_id, deposit__reference=reference)
        .exclude(file="")
        .select_related("deposit")
        .first()
    )


def deposit_can_approve(*, user, deposit: Deposit) -> bool:
    """Whether to offer this user the approval form (the service has the last word)."""
    return (
        is_staff_member(user)
        and deposit.status == DepositStatus.AWAITING_APPROVAL
        and user.pk not in (deposit.created_by_id, deposit.last_edited_by_id)
    )


def deposit_can_approve_change(*, user, change: DepositUseConditionChange) -> bool:
    deposit = change.deposit
    return (
        is_staff_member(user)
        and change.status == UseConditionChangeStatus.PENDING
        and user.pk not in (deposit.created_by_id, deposit.last_edited_by_id, change.proposed_by_id)
    )


def deposit_approvals_waiting_for(user) -> tuple[int, int]:
    """(deposits, use-condition changes) that this staff member could approve."""
    if not is_staff_member(user):
        return 0, 0
    deposits = (
        Deposit.objects.filter(status=DepositStatus.AWAITING_APPROVAL)
        .exclude(created_by=user)
        .exclude(last_edited_by=user)
        .count()
    )
    changes = (
        DepositUseConditionChange.objects.filter(status=UseConditionChangeStatus.PENDING)
        .exclude(proposed_by=user)
        .exclude(deposit__created_by=user)
        .exclude(deposit__last_edited_by=user)
        .count()
    )
    return deposits, changes


# --- history -------------------------------------------------------------------------------------------

_HISTORY_SKIP = {"id", "history_id", "history_date", "history_user", "history_type", "history_change_reason"}


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    when: Any
    who: Any
    what: str  # "created", "changed", "added", "removed"
    subject: str  # "Deposit", "SRS dataset DS-1", "Document ..."
    reason: str
    changes: list[HistoryChange]


def _display(field, value) -> str:
    if value in (None, "", []):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name == "excluded_sectors":
        labels = dict(OrganisationSector.choices)
        return ", ".join(labels.get(code, code) for code in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, date):
        return date_format(value, "j M Y")
    return str(value)


def deposit_history(deposit: Deposit) -> list[HistoryEntry]:
    """Every version of the deposit, its SRS links and documents, newest first, with who made it and
    which fields changed. A fixed number of queries, however long the history."""
    model_fields = {
        f.attname: f
        for f in Deposit._meta.fields
        if f.attname not in _HISTORY_SKIP and f.attname not in {"updated_at", "created_at"}
    }
    records = list(deposit.history.select_related("history_user").order_by("history_date", "history_id"))
    m2m_model = Deposit.history.model.excluded_uses.model
    uses_by_record: dict[int, list[int]] = {}
    for history_id, use_id in m2m_model.objects.filter(history_id__in=[r.pk for r in records]).values_list(
        "history_id", "sensitiveuse_id"
    ):
        uses_by_record.setdefault(history_id, []).append(use_id)
    use_names = dict(SensitiveUse.objects.values_list("pk", "name"))
    user_names: dict[int, str] = {}
    user_ids = {
        getattr(r, name)
        for r in records
        for name in ("created_by_id", "last_edited_by_id", "approved_by_id")
        if getattr(r, name)
    }
    if user_ids:
        user_names = {u.pk: u.get_full_name() for u in get_user_model().objects.filter(pk__in=user_ids)}

    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        uses = sorted(use_names.get(pk, "?") for pk in uses_by_record.get(record.pk, []))
        changes: list[HistoryChange] = []
        for attname, field in model_fields.items():
            if attname in {"last_edited_at", "last_edited_by_id"}:
                continue
            new = getattr(record, attname)
            old = getattr(previous["record"], attname) if previous else None
            if previous is None and new in (None, "", [], False):
                continue
            if previous is not None and old == new:
                continue
            if attname.endswith("_id") and field.is_relation:
                old_text = user_names.get(old, "—") if old else "—"
                new_text = user_names.get(new, "—") if new else "—"
            else:
                old_text = _display(field, old)
                new_text = _display(field, new)
            changes.append(HistoryChange(str(field.verbose_name), old_text if previous else "", new_text))
        if previous is None or previous["uses"] != uses:
            changes.append(
                HistoryChange(
                    "excluded uses",
                    (", ".join(previous["uses"]) or "—") if previous else "",
                    ", ".join(uses) or "—",
                )
            )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                what="created" if record.history_type == "+" else "changed",
                subject="Deposit record",
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = {"record": record, "uses": uses}

    attached = (
        (SrsDataset, lambda row: f"SRS dataset {row.dataset_id}"),
        (DepositDocument, lambda row: f"{DocumentKind(row.kind).label}: {row.title} (version {row.version})"),
    )
    for model, subject in attached:
        for row in model.history.filter(deposit_id=deposit.pk).select_related("history_user"):
            entries.append(
                HistoryEntry(
                    when=row.history_date,
                    who=row.history_user,
                    what={"+": "added", "-": "removed"}.get(row.history_type, "changed"),
                    subject=subject(row),
                    reason="",
                    changes=[],
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


# --- export --------------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("reference", "Reference"),
    ("title", "Title"),
    ("status", "Status"),
    ("population", "Population"),
    ("geography", "Geography"),
    ("access_level", "Access level"),
    ("originating_project", "Originating project"),
    ("principal_investigator", "Principal investigator"),
    ("institution", "Institution"),
    ("funder", "Funder"),
    ("collection_start", "Collection started"),
    ("collection_end", "Collection ended"),
    ("srs_datasets", "SRS datasets"),
    ("dpia_reference", "DPIA reference"),
    ("dpia_outcome", "DPIA outcome"),
    ("dpia_review_date", "DPIA review date"),
    ("ethics_reference", "Ethics reference"),
    ("lawful_basis_art6", "Lawful basis Art 6"),
    ("lawful_basis_art9", "Art 9 condition"),
    ("deposit_agreement_date", "Deposit agreement date"),
    ("deidentification_level", "De-identification level"),
    ("permitted_purposes", "Permitted purposes"),
    ("excluded_uses", "Excluded uses"),
    ("excluded_sectors", "Excluded sectors"),
    ("review_date", "Review date"),
    ("approved_at", "Approved at"),
    ("approved_by", "Approved by"),
    ("created_by", "Registered by"),
]


def deposit_register_rows(queryset: QuerySet[Deposit]) -> list[list[str]]:
    """The register for the staff CSV: a header, then one row per deposit (``core.csv`` writes it)."""
    deposits = queryset.select_related("created_by", "approved_by").prefetch_related(
        "srs_datasets", "excluded_uses"
    )
    rows = [[label for _, label in EXPORT_COLUMNS]]
    for deposit in deposits:
        values = []
        for name, _ in EXPORT_COLUMNS:
            if name == "srs_datasets":
                value = "; ".join(d.dataset_id for d in deposit.srs_datasets.all())
            elif name == "excluded_uses":
                value = "; ".join(u.name for u in deposit.excluded_uses.all())
            elif name == "excluded_sectors":
                value = "; ".join(deposit.excluded_sector_labels)
            elif name in ("approved_by", "created_by"):
                person = getattr(deposit, name)
                value = person.get_full_name() if person else ""
            elif hasattr(deposit, f"get_{name}_display"):
                value = getattr(deposit, f"get_{name}_display")()
            else:
                raw = getattr(deposit, name)
                value = "" if raw is None else str(raw)
            values.append(value)
        rows.append(values)
    return rows
