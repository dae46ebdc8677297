"""Reads for the transparency app: information pages, the public register, the staff dashboard.

The register is a read over approved applications and their decisions, never a copy. Everything
it shows passes through ``RegisterEntry``, which holds only public fields: no names, emails,
accreditation numbers, votes, comments or internal rationale can reach a page or a download."""

import difflib
import json
import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import GRANTED, ApplicationStatus
from applications.models import Application
from core.home import NextAction
from core.models import AuditEvent
from core.permissions import is_staff_member
from deposits.models import Deposit
from notifications.enums import OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import APPROVALS, DecisionOutcome, PanelAuditAction
from panel.models import ConflictDeclaration, Decision, PanelMembership, Vote

from .enums import AccessNoticeKind
from .models import InfoPage, InfoPageVersion

# --- information pages ----------------------------------------------------------------------------


def info_page_get(*, slug: str) -> InfoPage | None:
    return InfoPage.objects.filter(slug=slug).first()


def info_page_list() -> QuerySet[InfoPage]:
    return InfoPage.objects.select_related("updated_by").order_by("title")


def info_page_versions(*, page: InfoPage) -> QuerySet[InfoPageVersion]:
    return page.versions.select_related("saved_by").order_by("-number")


def info_page_version_get(*, slug: str, number: int) -> InfoPageVersion | None:
    return InfoPageVersion.objects.select_related("page").filter(page__slug=slug, number=number).first()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed" or "added"
    text: str


def info_page_version_changes(version: InfoPageVersion) -> list[DiffLine] | None:
    """What changed from the previous version, line by line (Markdown source; unchanged lines kept
    for context). None for the first version."""
    previous = InfoPageVersion.objects.filter(page_id=version.page_id, number=version.number - 1).first()
    if previous is None:
        return None
    old = [f"# {previous.title}", *previous.body.splitlines()]
    new = [f"# {version.title}", *version.body.splitlines()]
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return [
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(old, new)
        if line[0] in kinds and (line[0] != " " or line[2:].strip())
    ]


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


# --- the staff dashboard --------------------------------------------------------------------------


def _in_sql(portable: bool) -> bool:
    """Whether the dashboard's figures come from PostgreSQL-only SQL: ``percentile_cont ... WITHIN
    GROUP``, ``EXTRACT(EPOCH FROM interval)`` and the unnesting of JSON arrays (``jsonb``). They do
    on PostgreSQL; on any other database (the embedded SQLite default), or when ``portable`` asks,
    the same figures are computed in Python from the rows. The one place that looks at the vendor."""
    return not portable and connection.vendor == "postgresql"


def percentile(values, p: float) -> float | None:
    """The p-th percentile with linear interpolation between the closest ranks, as PostgreSQL's
    ``percentile_cont`` computes it; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower))


def _month_of(moment) -> str:
    """The calendar month (local time) of a moment, as TruncMonth groups it: ``2026-12``."""
    return timezone.localtime(moment).strftime("%Y-%m")


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``: the p-th percentile with
    linear interpolation (p = 0.5 is the median). PostgreSQL only (see ``_in_sql``)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        super().__init__(expression, percentile=float(percentile), **extra)


class _Epoch(Func):
    """Seconds in an interval. PostgreSQL only (see ``_in_sql``)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class _SubqueryCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def _days_to_decision():
    submitted = Coalesce(F("application__first_submitted_at"), F("application__submitted_at"))
    return _Epoch(ExpressionWrapper(F("decided_at") - submitted, output_field=DurationField())) / 86400.0


OUTCOME_SERIES = [
    ("approved", "Approved"),
    ("approved_with_conditions", "Approved with conditions"),
    ("rejected", "Rejected by the panel"),
    ("automatic", "Rejected automatically"),
]


def dashboard_decisions_by_month(*, applications: QuerySet[Application]) -> list[dict]:
    """Decisions per calendar month (local time), split by outcome; automatic rejections apart."""
    rows = (
        Decision.objects.filter(application__in=applications.values("pk"))
        .annotate(month=TruncMonth("decided_at"))
        .values("month")
        .annotate(
            approved=Count("pk", filter=Q(outcome=DecisionOutcome.APPROVED)),
            approved_with_conditions=Count("pk", filter=Q(outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS)),
            rejected=Count("pk", filter=Q(outcome=DecisionOutcome.REJECTED, is_automatic=False)),
            automatic=Count("pk", filter=Q(is_automatic=True)),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].date().isoformat()[:7],
            **{key: row[key] for key, _ in OUTCOME_SERIES},
            "total": sum(row[key] for key, _ in OUTCOME_SERIES),
        }
        for row in rows
    ]


def dashboard_decision_times(*, applications: QuerySet[Application], portable: bool = False) -> dict:
    """Median and 90th-percentile days from first submission to the panel's decision, overall and
    by month of decision. Automatic rejections (decided at submission) are left out."""
    decisions = Decision.objects.filter(application__in=applications.values("pk"), is_automatic=False)
    if not _in_sql(portable):
        return _decision_times_in_python(decisions)
    decisions = decisions.annotate(days=_days_to_decision())
    stats = {
        "n": Count("pk"),
        "median": PercentileCont("days", percentile=0.5),
        "p90": PercentileCont("days", percentile=0.9),
    }
    overall = decisions.aggregate(**stats)
    by_month = (
        decisions.annotate(month=TruncMonth("decided_at")).values("month").annotate(**stats).order_by("month")
    )
    return {
        "overall": {k: _round(v) for k, v in overall.items()},
        "by_month": [
            {"month": row["month"].date().isoformat()[:7], **{k: _round(row[k]) for k in stats}}
            for row in by_month
        ],
    }


def _decision_times_in_python(decisions: QuerySet[Decision]) -> dict:
    rows = decisions.values_list(
        "decided_at", "application__first_submitted_at", "application__submitted_at"
    ).order_by("decided_at")
    overall: list = []
    by_month: dict[str, list] = {}
    for decided_at, first_submitted_at, submitted_at in rows:
        submitted = first_submitted_at or submitted_at
        days = (decided_at - submitted).total_seconds() / 86400.0 if submitted else None
        overall.append(days)
        by_month.setdefault(_month_of(decided_at), []).append(days)

    def stats(days: list) -> dict:
        known = [d for d in days if d is not None]
        return {
            "n": len(days),
            "median": _round(percentile(known, 0.5)),
            "p90": _round(percentile(known, 0.9)),
        }

    return {
        "overall": stats(overall),
        "by_month": [{"month": month, **stats(days)} for month, days in sorted(by_month.items())],
    }


def _round(value):
    return round(value, 1) if isinstance(value, float) else value


def dashboard_automatic_rejections(
    *, applications: QuerySet[Application], portable: bool = False
) -> list[dict]:
    """Automatic rejections by the condition that caused them, as the panel recorded them at the time
    (the ``matches`` of each ``panel.decision.recorded_automatically`` audit event): one application
    can match several conditions, so it counts once under each."""
    if _in_sql(portable):
        rows = _automatic_rejection_rows_in_sql(applications)
    else:
        rows = _automatic_rejection_rows_in_python(applications)
    kinds = {"sensitive_use": "excluded use", "sector": "excluded sector"}
    return [
        {"condition": condition or "—", "kind": kinds.get(kind, kind or "—"), "count": n}
        for kind, condition, n in rows
    ]


def _automatic_rejection_rows_in_sql(applications: QuerySet[Application]) -> list[tuple]:
    """(kind, condition, applications) counted by PostgreSQL (jsonb_array_elements)."""
    subquery, params = applications.values("pk").query.sql_with_params()
    sql = f"""
        SELECT m.value->>'kind' AS kind, m.value->>'condition' AS condition,
               COUNT(DISTINCT e.target_id) AS n
        FROM core_auditevent e
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(e.data->'matches') = 'array' THEN e.data->'matches' ELSE '[]'::jsonb END
        ) AS m
        WHERE e.action = %s AND e.target_type = %s
          AND e.target_id IN (SELECT (_apps.pk)::text FROM ({subquery}) AS _apps(pk))
        GROUP BY 1, 2
        ORDER BY n DESC, condition
    """  # noqa: S608 (the inner query is Django's own SQL with its params passed separately)
    with connection.cursor() as cursor:
        cursor.execute(sql, [PanelAuditAction.DECISION_AUTOMATIC, "applications.application", *params])
        return cursor.fetchall()


def _automatic_rejection_rows_in_python(applications: QuerySet[Application]) -> list[tuple]:
    """The same rows as ``_automatic_rejection_rows_in_sql``, read from the audit events' data."""
    events = AuditEvent.objects.filter(
        action=PanelAuditAction.DECISION_AUTOMATIC,
        target_type="applications.application",
        target_id__in=applications.annotate(pk_text=Cast("pk", CharField())).values("pk_text"),
    ).values_list("target_id", "data")
    targets: dict[tuple, set] = {}
    for target_id, data in events:
        matches = data.get("matches") if isinstance(data, dict) else None
        for match in matches if isinstance(matches, list) else []:
            fields = match if isinstance(match, dict) else {}
            key = (_json_text(fields.get("kind")), _json_text(fields.get("condition")))
            targets.setdefault(key, set()).add(target_id)
    rows = [(kind, condition, len(ids)) for (kind, condition), ids in targets.items()]
    # ORDER BY n DESC, condition (PostgreSQL sorts an empty condition last)
    return sorted(rows, key=lambda row: (-row[2], row[1] is None, row[1] or ""))


def _json_text(value) -> str | None:
    """A JSON value as PostgreSQL's ``->>`` gives it: strings as they are, others as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def dashboard_outstanding_votes(*, applications: QuerySet[Application], now=None) -> list[dict]:
    """Each current panel member's outstanding votes: applications under review on which they have
    not voted on the current version and declared no conflict; ``overdue`` ones are past the
    voting deadline."""
    now = now or timezone.now()
    member = OuterRef(OuterRef("user_id"))
    pending = (
        Application.objects.filter(pk__in=applications.values("pk"), status=ApplicationStatus.UNDER_REVIEW)
        .exclude(
            Exists(
                Vote.objects.filter(
                    application=OuterRef("pk"), member=member, version_number=OuterRef("version_number")
                )
            )
        )
        .exclude(
            Exists(
                ConflictDeclaration.objects.filter(
                    application=OuterRef("pk"), member=member, has_conflict=True
                )
            )
        )
        .values("pk")
    )
    rows = (
        PanelMembership.objects.filter(ended_at__isnull=True)
        .annotate(
            outstanding=_SubqueryCount(pending),
            overdue=_SubqueryCount(pending.filter(voting_deadline__lte=now)),
        )
        .values("user__full_name", "user__email", "is_chair", "outstanding", "overdue")
        .order_by("-outstanding", "user__full_name")
    )
    return [
        {
            "member": row["user__full_name"] or row["user__email"],
            "is_chair": row["is_chair"],
            "outstanding": row["outstanding"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def dashboard_notification_health(*, applications: QuerySet[Application], portable: bool = False) -> dict:
    """ONS notifications for these applications: how many wait, failed and were delivered, and the
    median and 90th-percentile time from recording to delivery."""
    notifications = OnsNotification.objects.filter(application__in=applications.values("pk"))
    counts = {
        "pending": Count("pk", filter=Q(status=OnsNotificationStatus.PENDING)),
        "sending": Count("pk", filter=Q(status=OnsNotificationStatus.SENDING)),
        "failed": Count("pk", filter=Q(status=OnsNotificationStatus.FAILED)),
        "delivered": Count("pk", filter=Q(status=OnsNotificationStatus.DELIVERED)),
    }
    if _in_sql(portable):
        interval = ExpressionWrapper(F("delivered_at") - F("created_at"), output_field=DurationField())
        delivery = _Epoch(interval)
        result = notifications.aggregate(
            **counts,
            median_seconds=PercentileCont(delivery, percentile=0.5, filter=Q(delivered_at__isnull=False)),
            p90_seconds=PercentileCont(delivery, percentile=0.9, filter=Q(delivered_at__isnull=False)),
        )
    else:
        result = notifications.aggregate(**counts)
        seconds = [
            (delivered_at - created_at).total_seconds()
            for created_at, delivered_at in notifications.filter(delivered_at__isnull=False).values_list(
                "created_at", "delivered_at"
            )
        ]
        result["median_seconds"] = percentile(seconds, 0.5)
        result["p90_seconds"] = percentile(seconds, 0.9)
    return {k: _round(v) for k, v in result.items()}


def dashboard_data(*, applications: QuerySet[Application], portable: bool = False) -> dict:
    """Everything the dashboard draws, in a constant number of queries (aggregates on PostgreSQL;
    ``portable`` computes the percentiles in Python whatever the database, see ``_in_sql``)."""
    return {
        "decisions_by_month": dashboard_decisions_by_month(applications=applications),
        "decision_times": dashboard_decision_times(applications=applications, portable=portable),
        "automatic_rejections": dashboard_automatic_rejections(applications=applications, portable=portable),
        "outstanding_votes": dashboard_outstanding_votes(applications=applications),
        "notifications": dashboard_notification_health(applications=applications, portable=portable),
        "outcome_series": [{"key": k, "label": label} for k, label in OUTCOME_SERIES],
    }


def dashboard_applications() -> QuerySet[Application]:
    """What the dashboard's filters start from: every application ever submitted."""
    return Application.objects.exclude(status=ApplicationStatus.DRAFT)


# --- staff exports ----------------------------------------------------------------------------------


def export_applications_queryset(applications: QuerySet[Application]) -> QuerySet[Application]:
    return (
        applications.select_related("lead__researcher_profile", "decision")
        .prefetch_related(
            Prefetch("deposits", queryset=Deposit.objects.only("id", "reference").order_by("reference"))
        )
        .order_by("first_submitted_at", "pk")
    )


def export_decisions_queryset(applications: QuerySet[Application]) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(application__in=applications.values("pk"))
        .select_related("application", "decided_by")
        .order_by("decided_at", "pk")
    )


# --- access periods -------------------------------------------------------------------------------


def _access_end_expression():
    return Coalesce(F("decision__access_end"), F("access_end"))


def access_reminders_due(*, today: date, days: int = 30) -> QuerySet[Application]:
    """Approved applications whose access ends within ``days`` days (today included) and whose
    team has not been reminded."""
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__gte=today, _end__lte=today + timedelta(days=days))
        .exclude(access_notices__kind=AccessNoticeKind.REMINDER_30_DAYS)
        .order_by("_end", "pk")
    )


def access_ends_due(*, today: date) -> QuerySet[Application]:
    """Approved applications whose last day of access is before ``today``."""
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__lt=today)
        .order_by("_end", "pk")
    )


def next_actions_for_staff(user) -> list[NextAction]:
    """Staff home page: access periods that end within 30 days."""
    if not is_staff_member(user):
        return []
    count = access_ending_soon_count(today=timezone.localdate())
    if not count:
        return []
    return [
        NextAction(
            title="Access periods ending within 30 days",
            url=reverse("transparency:dashboard") + "?status=approved",
            description="The teams have been or will be reminded; ONS is told when each ends.",
            count=count,
        )
    ]


def access_ending_soon_count(*, today: date) -> int:
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__gte=today, _end__lte=today + timedelta(days=30))
        .count()
    )
