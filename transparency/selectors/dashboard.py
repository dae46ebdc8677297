"""The staff dashboard's figures, in SQL on PostgreSQL and in Python where SQLite lacks the functions."""

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
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
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.models import Application
from core.models import AuditEvent
from notifications.enums import OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome, PanelAuditAction
from panel.models import ConflictDeclaration, Decision, PanelMembership, Vote

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
        applications.filter(status=ApplicationStatus.UNDER_REVIEW)
        .order_by()  # counted, so Application's default ordering would only add a sort per member
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


#: How long the dashboard's figures are kept before they are worked out again; the page says when
#: they were worked out and offers to do it now (``dashboard_figures``).
DASHBOARD_CACHE_SECONDS = 300


@dataclass(frozen=True)
class DashboardFigures:
    data: dict
    computed_at: datetime
    max_age: int  # seconds they are kept


def dashboard_figures(
    *, applications: QuerySet[Application], filters: dict[str, str] | None, refresh: bool = False
) -> DashboardFigures:
    """``dashboard_data`` for the applications these ``filters`` chose (``core.filters.filter_values``),
    kept ``DASHBOARD_CACHE_SECONDS`` in the cache so that staff going back and forth between the
    dashboard and what it links to do not wait for every aggregate again. ``refresh`` works them out
    now; ``filters`` None (a search the form refused) is never kept."""
    key = None
    if filters is not None:
        digest = hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()
        key = f"transparency:dashboard:{digest}"
        if not refresh and (kept := cache.get(key)) is not None:
            return kept
    figures = DashboardFigures(
        data=dashboard_data(applications=applications),
        computed_at=timezone.now(),
        max_age=DASHBOARD_CACHE_SECONDS,
    )
    if key is not None:
        cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures


def dashboard_applications() -> QuerySet[Application]:
    """What the dashboard's filters start from: every application ever submitted."""
    return Application.objects.exclude(status=ApplicationStatus.DRAFT)
