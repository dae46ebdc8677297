"""The rows of the staff CSV exports, and the JSON writer. ``core.csv`` writes the CSV files (and
guards cells a spreadsheet would read as a formula: text typed by applicants reaches them)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone


def json_response(*, filename: str, data: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _iso(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


APPLICATION_EXPORT_FIELDS = [
    "reference", "title", "status", "lead_name", "lead_email", "lead_organisation", "sector", "deposits",
    "consent_to_publish", "first_submitted_at", "submitted_at", "decided_at", "outcome", "automatic",
    "days_to_decision",
]  # fmt: skip


def application_export_row(app) -> list:
    """One application for the staff CSV (``export_applications_queryset`` loads what it reads)."""
    profile = getattr(app.lead, "researcher_profile", None)
    decision = getattr(app, "decision", None)
    submitted = app.first_submitted_at or app.submitted_at
    days = ""
    if decision is not None and submitted is not None:
        days = round((decision.decided_at - submitted).total_seconds() / 86400, 1)
    return [
        app.reference,
        app.title,
        app.get_status_display(),
        app.lead.full_name,
        app.lead.email,
        getattr(profile, "organisation", ""),
        profile.get_sector_display() if profile else "",
        "; ".join(d.reference for d in app.deposits.all()),
        _yes_no(app.consent_to_publish),
        _iso(app.first_submitted_at),
        _iso(app.submitted_at),
        _iso(decision.decided_at) if decision else "",
        decision.get_outcome_display() if decision else "",
        _yes_no(decision.is_automatic) if decision else "",
        days,
    ]


DECISION_EXPORT_FIELDS = [
    "reference", "title", "outcome", "automatic", "decided_at", "decided_by", "recommended_outcome",
    "departure_reason", "rationale", "public_rationale", "conditions", "access_start", "access_end",
    "quorum", "outcome_rule",
]  # fmt: skip


def decision_export_row(decision) -> list:
    """One decision for the staff CSV. Votes and members' comments are never exported."""
    rules = decision.rules or {}
    return [
        decision.application.reference,
        decision.application.title,
        decision.get_outcome_display(),
        _yes_no(decision.is_automatic),
        _iso(decision.decided_at),
        decision.decided_by.full_name if decision.decided_by else "the system",
        decision.get_recommended_outcome_display(),
        decision.departure_reason,
        decision.rationale,
        decision.public_rationale,
        decision.conditions,
        _iso(decision.access_start),
        _iso(decision.access_end),
        rules.get("quorum", ""),
        rules.get("outcome_rule", ""),
    ]
