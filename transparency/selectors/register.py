"""The public register: approved applications as public entries (``RegisterEntry``), never a copy."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import (
    Prefetch,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import GRANTED, ApplicationStatus
from applications.models import Application
from deposits.models import Deposit
from panel.enums import APPROVALS

# --- the public register --------------------------------------------------------------------------

_SECTORS = dict(OrganisationSector.choices)


@dataclass(frozen=True)
class RegisterDeposit:
    reference: str
    title: str


@dataclass(frozen=True)
class RegisterEntry:
    """One project in the public register: the only fields any register page or download shows."""

    reference: str
    title: str
    lay_summary: str
    lead_organisation: str
    sector: str
    deposits: tuple[RegisterDeposit, ...]
    decision_date: date
    outcome: str
    status: str
    status_code: str
    access_start: date | None
    access_end: date | None
    public_rationale: str
    revoked_on: date | None = None

    @property
    def url(self) -> str:
        return reverse("transparency:register_detail", args=[self.reference])

    @property
    def is_revoked(self) -> bool:
        return self.status_code == ApplicationStatus.REVOKED

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("status_code")
        data["status"] = self.status
        for key in ("decision_date", "access_start", "access_end", "revoked_on"):
            data[key] = data[key].isoformat() if data[key] else None
        data["deposits"] = [asdict(d) for d in self.deposits]
        return data


#: The column order of the CSV (and the keys of the JSON).
REGISTER_FIELDS = [
    "reference",
    "title",
    "lay_summary",
    "lead_organisation",
    "sector",
    "deposits",
    "decision_date",
    "outcome",
    "status",
    "access_start",
    "access_end",
    "public_rationale",
    "revoked_on",
]


def register_base_queryset() -> QuerySet[Application]:
    """Approved applications whose team consented to publication, in any register status."""
    return Application.objects.filter(
        consent_to_publish=True,
        status__in=GRANTED,  # an approval stays listed after access ends or is revoked
        decision__outcome__in=APPROVALS,
    )


def register_queryset() -> QuerySet[Application]:
    """The register with what ``register_entry`` reads loaded in a constant number of queries."""
    return (
        register_base_queryset()
        .select_related("decision", "revocation")
        .prefetch_related(
            Prefetch(
                "deposits",
                queryset=Deposit.objects.only("id", "reference", "title").order_by("reference"),
            )
        )
        .order_by("-decision__decided_at", "-pk")
    )


def register_entry(application: Application) -> RegisterEntry:
    """One project as the register shows it. The lead's organisation and sector are the ones the
    decision recorded (``Decision.team``), not the profile's today."""
    decision = application.decision
    lead = decision.team_lead
    return RegisterEntry(
        reference=application.reference,
        title=application.title,
        lay_summary=application.lay_summary,
        lead_organisation=lead.get("organisation") or "",
        sector=_SECTORS.get(lead.get("sector") or "", ""),
        deposits=tuple(RegisterDeposit(d.reference, d.title) for d in application.deposits.all()),
        decision_date=timezone.localtime(decision.decided_at).date(),
        outcome=decision.get_outcome_display(),
        status=application.get_status_display(),
        status_code=application.status,
        access_start=decision.access_start or application.access_start,
        access_end=decision.access_end or application.access_end,
        public_rationale=decision.public_rationale,
        revoked_on=_revoked_on(application),
    )


def _revoked_on(application: Application) -> date | None:
    revocation = (
        getattr(application, "revocation", None) if application.status == ApplicationStatus.REVOKED else None
    )
    return timezone.localtime(revocation.revoked_at).date() if revocation else None


def register_entries(queryset: QuerySet[Application] | None = None) -> list[RegisterEntry]:
    qs = register_queryset() if queryset is None else queryset
    return [register_entry(application) for application in qs]


def register_entry_get(*, reference: str) -> RegisterEntry | None:
    application = register_queryset().filter(reference=reference).first()
    return register_entry(application) if application else None


def register_entries_for_deposit(deposit: Deposit) -> list[RegisterEntry]:
    """The register's projects that use this deposit's data, newest decision first (for the public
    deposit page, so participants can see how their de-identified data has been used)."""
    return register_entries(register_queryset().filter(deposits=deposit))
