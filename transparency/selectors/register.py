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
from applications.after_approval.selectors import outputs_prefetch
from applications.enums import GRANTED, ApplicationStatus
from applications.grant_selectors import change_request_summary
from applications.models import Application, ApplicationOutput, Grant
from deposits.models import Deposit
from deposits.public_page import DepositPageSection
from panel.enums import APPROVALS

# --- the public register --------------------------------------------------------------------------

_SECTORS = dict(OrganisationSector.choices)


@dataclass(frozen=True)
class RegisterDeposit:
    reference: str
    title: str


@dataclass(frozen=True)
class RegisterOutput:
    """An output the team recorded, as the public sees it (who recorded it is not shown)."""

    kind: str
    title: str
    published_on: date
    doi: str
    url: str
    citation: str
    deposits: tuple[str, ...]  # the references of the deposits it used

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    def as_text(self) -> str:
        """One line for the CSV: kind, title, date, and the DOI link (or the link)."""
        where = self.doi_url or self.url
        return f"{self.kind}: {self.title} ({self.published_on.isoformat()})" + (f" {where}" if where else "")

    def as_json(self) -> dict:
        data = asdict(self)
        data["published_on"] = self.published_on.isoformat()
        data["deposits"] = list(self.deposits)
        data["doi_url"] = self.doi_url
        return data

    @classmethod
    def of(cls, output: ApplicationOutput) -> "RegisterOutput":
        return cls(
            kind=output.get_kind_display(),
            title=output.title,
            published_on=output.published_on,
            doi=output.doi,
            url=output.url,
            citation=output.citation,
            deposits=tuple(d.reference for d in output.deposits.all()),
        )


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
    grant: str = ""
    #: The grants before the one in force, as lines ("G1 issued 3 March 2026, superseded by G2 on ...").
    grant_history: tuple[str, ...] = ()
    outputs: tuple[RegisterOutput, ...] = ()

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
        data.pop("grant_history")
        data["outputs"] = [o.as_json() for o in self.outputs]
        return data

    def outputs_using(self, reference: str) -> tuple[RegisterOutput, ...]:
        """The outputs that used the deposit ``reference``."""
        return tuple(o for o in self.outputs if reference in o.deposits)


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
    "grant",
    "outputs",
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
            ),
            Prefetch(
                "grants",
                queryset=Grant.objects.select_related("change_request").order_by("number"),
                to_attr="grant_chain",
            ),
            outputs_prefetch(),
        )
        .order_by("-decision__decided_at", "-pk")
    )


def register_entry(application: Application) -> RegisterEntry:
    """One project as the register shows it. The lead's organisation and sector are the ones the
    decision recorded (``Decision.team``), not the profile's today."""
    decision = application.decision
    lead = decision.team_lead
    chain = getattr(application, "grant_chain", None)
    if chain is None:
        chain = list(application.grants.select_related("change_request").order_by("number"))
    grant = chain[-1] if chain else None
    if grant is not None:  # the grant in force says which datasets and until when
        deposits = tuple(RegisterDeposit(d["reference"], d["title"]) for d in grant.datasets)
        access_start, access_end = grant.access_start, grant.access_end
    else:
        deposits = tuple(RegisterDeposit(d.reference, d.title) for d in application.deposits.all())
        access_start = decision.access_start or application.access_start
        access_end = decision.access_end or application.access_end
    return RegisterEntry(
        reference=application.reference,
        title=application.title,
        lay_summary=application.lay_summary,
        lead_organisation=lead.get("organisation") or "",
        sector=_SECTORS.get(lead.get("sector") or "", ""),
        deposits=deposits,
        decision_date=timezone.localtime(decision.decided_at).date(),
        outcome=decision.get_outcome_display(),
        status=application.get_status_display(),
        status_code=application.status,
        access_start=access_start,
        access_end=access_end,
        public_rationale=decision.public_rationale,
        revoked_on=_revoked_on(application),
        grant=grant.reference if grant else "",
        grant_history=tuple(_grant_line(past, chain) for past in chain[:-1]),
        outputs=tuple(RegisterOutput.of(output) for output in application.outputs.all()),
    )


def _grant_line(grant: Grant, chain: list[Grant]) -> str:
    """One superseded grant, as the public reads it: when it was issued and what replaced it, and
    why in the change request's own terms (its kinds, never the team's free text)."""
    successor = next((g for g in chain if g.supersedes_id == grant.pk), None)
    line = f"{grant.reference} issued {timezone.localtime(grant.created_at):%d %B %Y}"
    if successor is not None:
        line += f", superseded by {successor.reference}"
        if grant.status_changed_at:
            line += f" on {timezone.localtime(grant.status_changed_at):%d %B %Y}"
        if successor.change_request is not None:
            line += f" ({change_request_summary(successor.change_request).lower()})"
    return line + "."


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


@dataclass(frozen=True)
class DepositUse:
    """A register project on a deposit's public page, with the outputs that used that deposit."""

    entry: RegisterEntry
    outputs: tuple[RegisterOutput, ...]


def deposit_page_section(deposit: Deposit) -> DepositPageSection:
    """The public deposit page's "How your data was used" (registered with deposits in
    TransparencyConfig.ready): the register's projects using the deposit and the outputs of each
    that used it. Public information only, as everywhere in the register."""
    uses = [
        DepositUse(entry, entry.outputs_using(deposit.reference))
        for entry in register_entries_for_deposit(deposit)
    ]
    return DepositPageSection(template="transparency/_deposit_projects.html", context={"deposit_uses": uses})
