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
from applications.grant_selectors import CHANGE_KIND_RELATIONS, change_request_summary
from applications.models import Application, ApplicationOutput, Grant
from deposits.enums import DeidentificationLevel, LawfulBasisArt6, LawfulBasisArt9
from deposits.models import Deposit, SensitiveUse
from deposits.public_page import DepositPageSection
from deposits.selectors import deposit_use_conditions_duo
from panel.enums import APPROVALS

# --- the public register --------------------------------------------------------------------------

_SECTORS = dict(OrganisationSector.choices)
_DEIDENTIFICATION = dict(DeidentificationLevel.choices)
_ART6 = dict(LawfulBasisArt6.choices)
_ART9 = dict(LawfulBasisArt9.choices)


@dataclass(frozen=True)
class RegisterDeposit:
    reference: str
    title: str
    #: How the deposit's data is de-identified (``DeidentificationLevel``; blank if not recorded).
    deidentification_level: str = ""
    #: Its use conditions with their GA4GH DUO terms (``deposits.selectors.deposit_use_conditions_duo``).
    use_conditions: tuple[dict, ...] = ()

    @property
    def deidentification_label(self) -> str:
        return _DEIDENTIFICATION.get(self.deidentification_level, "")

    def as_json(self) -> dict:
        return {"reference": self.reference, "title": self.title, "use_conditions": list(self.use_conditions)}


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
    # Published in the UK data-use-register format (transparency/dur.py), not as register columns:
    sector_code: str = ""
    public_benefit: str = ""
    funders_sponsors: str = ""
    lawful_basis_art6: str = ""  # the label, e.g. "Art 6(1)(e) public task"
    lawful_basis_art9: str = ""
    #: The team's names as the grant in force (else the decision) recorded them, only when the team
    #: agreed to be named.
    team_names: tuple[str, ...] = ()
    #: Whether every member the grant in force (else the decision) recorded held an ONS accreditation
    #: on the decision date (None: no team recorded).
    team_accredited: bool | None = None

    @property
    def url(self) -> str:
        return reverse("transparency:register_detail", args=[self.reference])

    @property
    def is_revoked(self) -> bool:
        return self.status_code == ApplicationStatus.REVOKED

    def as_json(self) -> dict:
        """The register's own fields (``REGISTER_FIELDS``), dates as ISO strings."""
        data = {field: getattr(self, field) for field in REGISTER_FIELDS}
        for key in ("decision_date", "access_start", "access_end", "revoked_on"):
            data[key] = data[key].isoformat() if data[key] else None
        data["deposits"] = [d.as_json() for d in self.deposits]
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


#: What the register reads of each deposit: its name, how it is de-identified, its use conditions.
_DEPOSIT_FIELDS = (
    "id",
    "reference",
    "title",
    "deidentification_level",
    "permitted_purposes",
    "excluded_sectors",
)


def _deposits_public() -> QuerySet[Deposit]:
    """The deposits as the register reads them (``_DEPOSIT_FIELDS`` and the excluded uses' DUO codes)."""
    return (
        Deposit.objects.only(*_DEPOSIT_FIELDS)
        .prefetch_related(
            Prefetch("excluded_uses", queryset=SensitiveUse.objects.only("id", "name", "duo_code"))
        )
        .order_by("reference")
    )


def register_queryset() -> QuerySet[Application]:
    """The register with what ``register_entry`` reads loaded in a constant number of queries."""
    return (
        register_base_queryset()
        .select_related("decision", "revocation")
        .prefetch_related(
            Prefetch(
                "deposits",
                queryset=_deposits_public(),
            ),
            Prefetch(
                "grants",
                queryset=Grant.objects.select_related("change_request")
                .prefetch_related(
                    Prefetch("deposits", queryset=_deposits_public()),
                    *(f"change_request__{name}" for name in CHANGE_KIND_RELATIONS),
                )
                .order_by("number"),
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
        chain = list(
            application.grants.select_related("change_request")
            .prefetch_related(*(f"change_request__{name}" for name in CHANGE_KIND_RELATIONS))
            .order_by("number")
        )
    grant = chain[-1] if chain else None
    if grant is not None:  # the grant in force says which datasets, until when and for whom
        loaded = {d.reference: d for d in grant.deposits.all()}
        deposits = tuple(
            _register_deposit(d["reference"], d["title"], loaded.get(d["reference"])) for d in grant.datasets
        )
        access_start, access_end = grant.access_start, grant.access_end
        team = grant.team or []
    else:
        deposits = tuple(_register_deposit(d.reference, d.title, d) for d in application.deposits.all())
        access_start = decision.access_start or application.access_start
        access_end = decision.access_end or application.access_end
        team = decision.team or []
    decided_on = timezone.localtime(decision.decided_at).date()
    return RegisterEntry(
        reference=application.reference,
        title=application.title,
        lay_summary=application.lay_summary,
        lead_organisation=lead.get("organisation") or "",
        sector=_SECTORS.get(lead.get("sector") or "", ""),
        deposits=deposits,
        decision_date=decided_on,
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
        sector_code=lead.get("sector") or "",
        public_benefit=application.public_benefit,
        funders_sponsors=application.funders_sponsors,
        lawful_basis_art6=_ART6.get(application.lawful_basis_art6, ""),
        lawful_basis_art9=_ART9.get(application.lawful_basis_art9, ""),
        team_names=tuple(m.get("name") or "" for m in team) if application.consent_to_publish_names else (),
        team_accredited=all(_accredited_on(m, decided_on) for m in team) if team else None,
    )


def _register_deposit(reference: str, title: str, deposit: Deposit | None) -> RegisterDeposit:
    """A dataset of the register entry: the name the grant froze (or the deposit's), and the
    deposit's de-identification and use conditions today."""
    if deposit is None:
        return RegisterDeposit(reference, title)
    return RegisterDeposit(
        reference, title, deposit.deidentification_level, tuple(deposit_use_conditions_duo(deposit))
    )


def _accredited_on(member: dict, day: date) -> bool:
    """Whether a member of the recorded team (``Grant.team``, ``Decision.team``) held an ONS
    accreditation on ``day`` (the number stays private: only the answer is published)."""
    expires = member.get("accreditation_expires_on")
    return bool(member.get("accreditation_number")) and (
        expires is None or date.fromisoformat(expires) >= day
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
