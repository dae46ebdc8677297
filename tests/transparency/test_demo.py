"""Acceptance 2: from the demo data, the dashboard shows its charts and tables, and its numbers
match this test's own count (done here in Python, row by row, not with the selectors' SQL)."""

import io
import json
import re
import statistics
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications.enums import ApplicationStatus
from applications.models import Application
from core.models import AuditEvent
from notifications.models import OnsNotification
from panel.enums import PanelAuditAction
from panel.models import ConflictDeclaration, Decision, PanelMembership, Vote
from transparency.models import InfoPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo_data", stdout=io.StringIO())


def _own_counts():
    by_month: dict[str, Counter] = {}
    days = []
    for d in Decision.objects.select_related("application"):
        key = "automatic" if d.is_automatic else ("rejected" if d.outcome == "rejected" else d.outcome)
        by_month.setdefault(timezone.localtime(d.decided_at).strftime("%Y-%m"), Counter())[key] += 1
        if not d.is_automatic:
            submitted = d.application.first_submitted_at or d.application.submitted_at
            days.append((d.decided_at - submitted).total_seconds() / 86400)
    outstanding = {}
    reviewing = list(Application.objects.filter(status=ApplicationStatus.UNDER_REVIEW))
    for membership in PanelMembership.objects.filter(ended_at__isnull=True).select_related("user"):
        n = 0
        for app in reviewing:
            voted = Vote.objects.filter(
                application=app, member=membership.user, version_number=app.version_number
            ).exists()
            conflicted = ConflictDeclaration.objects.filter(
                application=app, member=membership.user, has_conflict=True
            ).exists()
            n += not voted and not conflicted
        outstanding[membership.user.full_name] = n
    automatic = Counter()
    for event in AuditEvent.objects.filter(action=PanelAuditAction.DECISION_AUTOMATIC):
        for match in {(m["kind"], m["condition"]) for m in event.data.get("matches", [])}:
            automatic[match] += 1
    ons = Counter(OnsNotification.objects.values_list("status", flat=True))
    return by_month, days, outstanding, automatic, ons


def test_demo_dashboard_shows_charts_and_tables_matching_our_count(demo, client_for):
    staff = User.objects.get(email="staff@example.org")
    html = client_for(staff).get(reverse("transparency:dashboard")).content.decode()
    data = json.loads(
        re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    by_month, days, outstanding, automatic, ons = _own_counts()

    assert Decision.objects.exists()  # the demo decided something
    assert {
        row["month"]: {
            k: row[k] for k in ("approved", "approved_with_conditions", "rejected", "automatic") if row[k]
        }
        for row in data["decisions_by_month"]
    } == {m: dict(c) for m, c in by_month.items()}
    assert data["decision_times"]["overall"]["n"] == len(days)
    assert data["decision_times"]["overall"]["median"] == round(statistics.median(days), 1)
    assert {r["member"]: r["outstanding"] for r in data["outstanding_votes"]} == outstanding
    assert sum(outstanding.values()) > 0  # the demo leaves votes outstanding
    kinds = {"sensitive_use": "excluded use", "sector": "excluded sector"}
    assert {(r["kind"], r["condition"]): r["count"] for r in data["automatic_rejections"]} == {
        (kinds[k], c): n for (k, c), n in automatic.items()
    }
    assert automatic  # the demo has an automatic rejection
    notifications = data["notifications"]
    for status in ("pending", "sending", "failed", "delivered"):
        assert notifications[status] == ons.get(status, 0)
    # Every chart is drawn and every chart has its table, filled from the same numbers.
    for chart in ("decisions", "times", "automatic", "votes", "ons"):
        assert f'<canvas id="chart-{chart}"' in html
        assert f'id="table-{chart}"' in html
    month, _counts = next(iter(by_month.items()))
    assert f'<th scope="row">{month}</th>' in html.split('id="table-decisions"', 1)[1]
    assert f'id="summary-decided">{len(days)}<' in html


def test_demo_register_lists_the_demo_approvals_and_pages_exist(demo, client):
    html = client.get(reverse("transparency:register")).content.decode()
    approved = Application.objects.filter(
        status=ApplicationStatus.APPROVED, consent_to_publish=True, decision__isnull=False
    )
    assert approved.count() >= 3
    for application in approved:
        assert f'id="entry-{application.reference}"' in html
    assert InfoPage.objects.count() == 4


def test_demo_register_fills_the_data_use_register_and_shows_duo_terms(demo, client):
    """The demo approvals answered the new questions, so their DUR rows have funders, legal bases
    and the named team; the demo's commercial exclusions show as DUO terms."""
    import csv

    response = client.get(reverse("transparency:register_csv"), {"format": "dur"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows
    for row in rows:
        for column in (
            "Funders/ Sponsors",
            "Legal basis for provision of data under Article 6",
            "Applicant name(s)",
        ):
            assert row[column], (row["Project ID"], column)
        assert row["Access type"] == "TRE"
    data = json.loads(client.get(reverse("transparency:register_json")).content)
    codes = {c["code"] for r in data["results"] for d in r["deposits"] for c in d["use_conditions"]}
    assert {"PS", "TS", "NCU"} <= codes
