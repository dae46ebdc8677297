"""Acceptance 2 and 4 (dashboard): the charts and tables show numbers that match the test's own
count; constant queries at 10 and 1,000 applications; staff exports follow the on-screen filters."""

import csv
import io
import json
import re
import statistics
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import ApplicationStatus
from core.services import audit_record
from notifications.enums import OnsChannel, OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome, PanelAuditAction, ProjectVote, ResearcherFit
from panel.models import ConflictDeclaration, PanelMembership, Vote
from tests.factories.accounts import ChairFactory, PanelMemberFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import (
    RegisterApplicationFactory,
    bulk_decided_applications,
    decided_application,
    researcher_in,
)
from transparency.enums import TransparencyAuditAction
from transparency.selectors import dashboard_applications, dashboard_data, percentile

pytestmark = pytest.mark.django_db


def _month(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m")


def _percentile(values, p):
    """percentile_cont: linear interpolation between the closest ranks."""
    values = sorted(values)
    k = (len(values) - 1) * p
    lower = int(k)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (k - lower)


def _automatic(deposit, matches, decided_at):
    application = decided_application(
        outcome=DecisionOutcome.REJECTED, is_automatic=True, deposits=[deposit], decided_at=decided_at
    )
    audit_record(
        actor=None,
        action=PanelAuditAction.DECISION_AUTOMATIC,
        target=application,
        data={
            "from": "submitted",
            "to": "rejected",
            "decision": application.decision.pk,
            "matches": [{"deposit": deposit.reference, "kind": k, "condition": c} for k, c in matches],
        },
    )
    return application


def _notification(application, status, *, sequence, delivered_after=None, event=OnsEventType.APPROVED):
    decision = getattr(application, "decision", None)
    notification = OnsNotification.objects.create(
        application=application,
        decision=decision if event in (OnsEventType.APPROVED, OnsEventType.REJECTED) else None,
        event_type=event,
        channel=OnsChannel.EMAIL,
        sequence=sequence,
        target="srs@example.org",
        payload={"type": event},
        status=status,
        lease_until=timezone.now() if status == OnsNotificationStatus.SENDING else None,
    )
    if delivered_after is not None:
        OnsNotification.objects.filter(pk=notification.pk).update(
            delivered_at=notification.created_at + timedelta(seconds=delivered_after)
        )
    return notification


@pytest.fixture
def scenario():
    now = timezone.now()
    deposit = AvailableDepositFactory()
    other_deposit = AvailableDepositFactory()
    charity = researcher_in(OrganisationSector.CHARITY, "Become")
    decided = []
    # Panel decisions spread over three months, with different times to decide.
    plan = [
        (DecisionOutcome.APPROVED, 5, 20),
        (DecisionOutcome.APPROVED, 5, 33),
        (DecisionOutcome.APPROVED_WITH_CONDITIONS, 40, 12),
        (DecisionOutcome.REJECTED, 40, 61),
        (DecisionOutcome.APPROVED, 75, 45),
        (DecisionOutcome.REJECTED, 75, 9),
        (DecisionOutcome.APPROVED_WITH_CONDITIONS, 75, 27),
    ]
    for i, (outcome, days_ago, days_to_decide) in enumerate(plan):
        decided_at = now - timedelta(days=days_ago)
        app = decided_application(
            outcome=outcome,
            deposits=[deposit if i % 2 else other_deposit],
            decided_at=decided_at,
            first_submitted_at=decided_at - timedelta(days=days_to_decide),
            lead=charity if i == 0 else None,
        )
        decided.append(app)
    automatic = [
        _automatic(deposit, [("sector", "Commercial")], now - timedelta(days=5)),
        _automatic(
            deposit, [("sector", "Commercial"), ("sensitive_use", "Marketing")], now - timedelta(days=40)
        ),
        _automatic(deposit, [("sensitive_use", "Marketing")], now - timedelta(days=41)),
        _automatic(
            deposit, [("sensitive_use", "Individual decisions about a child")], now - timedelta(days=75)
        ),
    ]
    # Panel: two members and a chair; three applications under review.
    m1, m2, chair = (
        PanelMemberFactory(full_name="Ann Member"),
        PanelMemberFactory(full_name="Ben Member"),
        ChairFactory(full_name="Cat Chair"),
    )
    for user, is_chair in ((m1, False), (m2, False), (chair, True)):
        PanelMembership.objects.create(user=user, is_chair=is_chair)
    PanelMembership.objects.create(user=PanelMemberFactory(full_name="Old Member"), ended_at=now)
    reviewing = [
        RegisterApplicationFactory(
            status=ApplicationStatus.UNDER_REVIEW,
            deposits=[deposit],
            version_number=2,
            voting_deadline=now + timedelta(days=3 - 5 * (i == 0)),
        )
        for i in range(3)
    ]
    # m1 voted on the current version of #0, on an old version of #1 (stale: still outstanding).
    Vote.objects.create(
        application=reviewing[0], member=m1, version_number=2,
        project_vote=ProjectVote.APPROVE, researcher_fit=ResearcherFit.SUITABLE,
    )  # fmt: skip
    Vote.objects.create(
        application=reviewing[1], member=m1, version_number=1,
        project_vote=ProjectVote.APPROVE, researcher_fit=ResearcherFit.SUITABLE,
    )  # fmt: skip
    # m2 is conflicted on #2 (not outstanding there); the chair has not voted at all.
    ConflictDeclaration.objects.create(
        application=reviewing[2], member=m2, has_conflict=True, reason="Colleague"
    )
    ConflictDeclaration.objects.create(application=reviewing[0], member=m2, has_conflict=False)
    # Notifications
    _notification(decided[0], OnsNotificationStatus.DELIVERED, sequence=1, delivered_after=4)
    _notification(decided[1], OnsNotificationStatus.DELIVERED, sequence=1, delivered_after=10)
    _notification(decided[2], OnsNotificationStatus.DELIVERED, sequence=1, delivered_after=61)
    _notification(decided[3], OnsNotificationStatus.PENDING, sequence=1, event=OnsEventType.REJECTED)
    _notification(decided[4], OnsNotificationStatus.FAILED, sequence=1)
    _notification(decided[5], OnsNotificationStatus.SENDING, sequence=1, event=OnsEventType.REJECTED)
    _notification(decided[4], OnsNotificationStatus.PENDING, sequence=2, event=OnsEventType.EXPIRED)
    return {
        "decided": decided,
        "automatic": automatic,
        "reviewing": reviewing,
        "members": {"m1": m1, "m2": m2, "chair": chair},
        "deposit": deposit,
        "charity": charity,
    }


def _expected(decided, automatic):
    by_month: dict[str, dict] = {}
    for app in [*decided, *automatic]:
        d = app.decision
        key = (
            "automatic"
            if d.is_automatic
            else {"approved": "approved", "approved_with_conditions": "approved_with_conditions"}.get(
                d.outcome, "rejected"
            )
        )
        row = by_month.setdefault(
            _month(d.decided_at),
            {"approved": 0, "approved_with_conditions": 0, "rejected": 0, "automatic": 0},
        )
        row[key] += 1
    days = [(app.decision.decided_at - app.first_submitted_at).total_seconds() / 86400 for app in decided]
    return by_month, days


def test_dashboard_numbers_match_our_own_count(scenario):
    data = dashboard_data(applications=dashboard_applications())
    by_month, days = _expected(scenario["decided"], scenario["automatic"])
    got = {row["month"]: {k: row[k] for k in by_month[row["month"]]} for row in data["decisions_by_month"]}
    assert got == by_month
    times = data["decision_times"]["overall"]
    assert times["n"] == len(days) == 7
    assert times["median"] == round(statistics.median(days), 1)
    assert times["p90"] == round(_percentile(days, 0.9), 1)
    for row in data["decision_times"]["by_month"]:
        month_days = [
            d
            for app, d in zip(scenario["decided"], days, strict=True)
            if _month(app.decision.decided_at) == row["month"]
        ]
        assert row["n"] == len(month_days)
        assert row["median"] == round(statistics.median(month_days), 1)
    assert {(r["condition"], r["kind"]): r["count"] for r in data["automatic_rejections"]} == {
        ("Commercial", "excluded sector"): 2,
        ("Marketing", "excluded use"): 2,
        ("Individual decisions about a child", "excluded use"): 1,
    }
    votes = {r["member"]: (r["outstanding"], r["overdue"]) for r in data["outstanding_votes"]}
    # m1: voted on #0; #1 (stale vote) and #2 outstanding; #0 is the overdue one, so none overdue.
    # m2: conflicted on #2; #0 and #1 outstanding, #0 overdue. Chair: all three, #0 overdue.
    assert votes == {"Ann Member": (2, 0), "Ben Member": (2, 1), "Cat Chair": (3, 1)}
    ons = data["notifications"]
    assert (ons["pending"], ons["sending"], ons["failed"], ons["delivered"]) == (2, 1, 1, 3)
    assert ons["median_seconds"] == 10.0
    assert ons["p90_seconds"] == round(_percentile([4, 10, 61], 0.9), 1)


def test_the_portable_path_gives_the_same_figures_as_postgresql(scenario):
    """The embedded SQLite default computes percentiles and durations in Python (issue 13: /oversight/
    answered 500 there); on the same rows it must draw what PostgreSQL's aggregates draw."""
    assert connection.vendor == "postgresql"
    for applications in (dashboard_applications(), _filtered({"sector": OrganisationSector.CHARITY})):
        in_python = dashboard_data(applications=applications, portable=True)
        assert in_python == dashboard_data(applications=applications)
    assert in_python["decision_times"]["overall"]["n"] == 1  # the filtered one: not an empty comparison
    everything = dashboard_data(applications=dashboard_applications(), portable=True)
    assert everything["notifications"]["p90_seconds"] == round(_percentile([4, 10, 61], 0.9), 1)
    assert len(everything["automatic_rejections"]) == 3


@pytest.mark.parametrize("values", [[7.5], [1.0, 2.0], [3, 1, 4, 1, 5, 9, 2, 6], [0.1, 0.2, 0.3, 10, 100]])
def test_percentile_interpolates_as_postgresql_percentile_cont(values):
    for p in (0, 0.25, 0.5, 0.9, 1):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) AS v",
                [p, [float(v) for v in values]],
            )
            expected = cursor.fetchone()[0]
        assert percentile(values, p) == pytest.approx(expected)
    assert percentile([], 0.5) is None


def test_dashboard_page_shows_charts_and_tables_with_the_same_numbers(client_for, staff, scenario):
    response = client_for(staff).get(reverse("transparency:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("chart-decisions", "chart-times", "chart-automatic", "chart-votes", "chart-ons"):
        assert f'<canvas id="{chart}" role="img"' in html
        table = chart.replace("chart-", "table-")
        assert f'id="{table}"' in html
    data = json.loads(
        re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert data == json.loads(json.dumps(dashboard_data(applications=dashboard_applications())))
    by_month, _days = _expected(scenario["decided"], scenario["automatic"])
    table = html.split('id="table-decisions"', 1)[1].split("</table>", 1)[0]
    for month, row in by_month.items():
        cells = re.search(rf"<th scope=\"row\">{month}</th>((?:<td>\d+</td>)+)", table)[1]
        assert re.findall(r"<td>(\d+)</td>", cells) == [
            str(row["approved"]), str(row["approved_with_conditions"]), str(row["rejected"]),
            str(row["automatic"]), str(sum(row.values())),
        ]  # fmt: skip
    votes = html.split('id="table-votes"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">Cat Chair (chair)</th><td>3</td><td>1</td>' in votes
    assert "Old Member" not in votes
    assert re.search(r'id="summary-ons-failed">1<', html)
    assert re.search(r'id="summary-ons-pending">3<', html)


def test_dashboard_has_no_inline_executable_script(client_for, staff, scenario):
    html = client_for(staff).get(reverse("transparency:dashboard")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attrs, body in scripts:
        if "src=" in attrs:
            assert not body.strip()
        else:
            assert 'type="application/json"' in attrs
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "/static/js/transparency.js" in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_dashboard_filters_narrow_the_numbers(client_for, staff, scenario):
    sector = OrganisationSector.CHARITY
    data = dashboard_data(applications=_filtered({"sector": sector}))
    assert sum(row["approved"] for row in data["decisions_by_month"]) == 1
    assert data["decision_times"]["overall"]["n"] == 1
    response = client_for(staff).get(reverse("transparency:dashboard"), {"sector": sector})
    assert re.search(r'id="summary-decided">1<', response.content.decode())


def _filtered(params):
    from transparency.filters import DashboardFilter

    return DashboardFilter(params, queryset=dashboard_applications()).qs


def test_dashboard_and_exports_are_for_staff_only(client, client_for, researcher, member, chair):
    for name in (
        "transparency:dashboard",
        "transparency:export_applications",
        "transparency:export_decisions",
    ):
        url = reverse(name)
        assert client.get(url).status_code == 302
        for user in (researcher, member, chair):
            assert client_for(user).get(url).status_code == 403


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_exports_apply_the_on_screen_filters(client_for, staff, scenario):
    c = client_for(staff)
    everything = _csv(c.get(reverse("transparency:export_applications")))
    assert {r["reference"] for r in everything} == {
        a.reference for a in [*scenario["decided"], *scenario["automatic"], *scenario["reviewing"]]
    }
    params = {"deposit": scenario["deposit"].reference, "outcome": "automatic"}
    rows = _csv(c.get(reverse("transparency:export_applications"), params))
    assert {r["reference"] for r in rows} == {a.reference for a in scenario["automatic"]}
    assert all(r["automatic"] == "yes" for r in rows)
    decisions = _csv(c.get(reverse("transparency:export_decisions"), {"outcome": DecisionOutcome.REJECTED}))
    expected = {a.reference for a in scenario["decided"] if a.decision.outcome == DecisionOutcome.REJECTED}
    assert {r["reference"] for r in decisions} == expected
    assert all(r["decided_by"] != "the system" for r in decisions)
    page = c.get(reverse("transparency:dashboard"), params).content.decode()
    assert f'href="{reverse("transparency:export_applications")}?deposit=' in page
    from core.models import AuditEvent

    events = AuditEvent.objects.filter(action=TransparencyAuditAction.EXPORT_DOWNLOADED, actor=staff)
    assert events.count() == 3
    assert events.filter(data__filters=params).exists()


def test_exports_never_contain_votes_or_comments(client_for, staff, scenario):
    Vote.objects.filter(member=scenario["members"]["m1"]).update(project_comment="SECRET COMMENT")
    for name in ("transparency:export_applications", "transparency:export_decisions"):
        body = client_for(staff).get(reverse(name)).content.decode()
        assert "SECRET COMMENT" not in body


def test_bad_dashboard_filters_give_a_message_or_400(client_for, staff):
    c = client_for(staff)
    response = c.get(reverse("transparency:dashboard"), {"submitted_from": "yesterday", "status": "zzz"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    response = c.get(reverse("transparency:export_decisions"), {"submitted_from": "yesterday"})
    assert response.status_code == 400
    assert "First submitted on or after" in response.content.decode()


def _event_for(decision):
    return OnsEventType.REJECTED if decision.outcome == DecisionOutcome.REJECTED else OnsEventType.APPROVED


def _dashboard_queries(client, n, start):
    leads = [researcher_in(OrganisationSector.UNIVERSITY, f"University {i}") for i in range(3)]
    deposits = [AvailableDepositFactory(), AvailableDepositFactory()]
    apps = bulk_decided_applications(
        n,
        leads=leads,
        deposits=deposits,
        start_index=start,
        outcomes=(
            DecisionOutcome.APPROVED,
            DecisionOutcome.REJECTED,
            DecisionOutcome.APPROVED_WITH_CONDITIONS,
        ),
    )
    OnsNotification.objects.bulk_create(
        [
            OnsNotification(
                application=app, decision=app.decision, event_type=_event_for(app.decision),
                channel=OnsChannel.EMAIL, sequence=1, target="x@example.org", payload={},
                status=OnsNotificationStatus.DELIVERED, delivered_at=timezone.now(),
            )
            for app in apps
        ]
    )  # fmt: skip
    counts = []
    for name in (
        "transparency:dashboard",
        "transparency:export_applications",
        "transparency:export_decisions",
    ):
        with CaptureQueriesContext(connection) as ctx:
            # refresh=1: the dashboard works its figures out again rather than keep the last ones
            params = {"sector": OrganisationSector.UNIVERSITY, "refresh": "1"}
            assert client.get(reverse(name), params).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_dashboard_and_exports_query_count_is_constant(client_for, staff):
    PanelMembership.objects.create(user=PanelMemberFactory())
    c = client_for(staff)
    small = _dashboard_queries(c, 10, 0)
    large = _dashboard_queries(c, 1000, 10_000)
    assert small == large


def test_the_dashboard_keeps_its_figures_for_a_while_says_when_and_works_them_out_on_request(
    client_for, staff, scenario
):
    """Issue 19: the aggregates were worked out on every request; now they are kept for
    DASHBOARD_CACHE_SECONDS per set of filters, the page says when they were worked out, and
    'Work them out now' does it at once."""
    client = client_for(staff)
    url = reverse("transparency:dashboard")

    def page(params=None):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params or {})
        assert response.status_code == 200
        html = response.content.decode()
        return html, len(ctx.captured_queries), re.search(r'id="summary-decided">(\d+)<', html)[1]

    first, computed, decided = page()
    assert "Figures worked out at" in first
    assert "kept for up to 5 minutes" in first
    again, kept, decided_again = page()
    assert kept < computed  # the aggregates were not run again
    assert decided_again == decided

    decided_application(decided_at=timezone.now())  # one more panel decision
    assert page()[2] == decided  # still the figures worked out before
    refresh = re.search(r'<a href="(\?refresh=1)">Work them out now</a>', again)[1]
    _, _, decided_now = page({"refresh": "1"})
    assert refresh == "?refresh=1"
    assert int(decided_now) == int(decided) + 1
    assert page()[2] == decided_now  # and those are kept in turn

    # each set of filters has its own figures; a search the form refused is never kept
    sector = {"sector": OrganisationSector.CHARITY}
    assert page(sector)[2] == "1"
    assert 'href="?sector=charity&amp;refresh=1"' in page(sector)[0]
    bad = {"submitted_from": "yesterday"}
    refused, refused_queries, _ = page(bad)
    assert "Enter a valid date" in refused
    assert page(bad)[1] == refused_queries > kept  # worked out each time, never kept
