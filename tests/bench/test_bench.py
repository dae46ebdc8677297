"""The pieces of scripts/bench on tiny data, so the benchmark cannot rot: the data generator, the
query-count collector over every page it measures, the two baselines (private admin, bare ListView),
the Standard Webhooks receiver, and a decision through the real services to the receiver."""

import base64
import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench  # noqa: E402 (scripts/ goes on the path first)
import bench_data  # noqa: E402 (scripts/ goes on the path first)
import bench_delivery  # noqa: E402 (scripts/ goes on the path first)
import bench_goals  # noqa: E402 (scripts/ goes on the path first)
import bench_pages  # noqa: E402 (scripts/ goes on the path first)
import bench_report  # noqa: E402 (scripts/ goes on the path first)
import bench_timing  # noqa: E402 (scripts/ goes on the path first)


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench_urls"


@pytest.fixture
def receiver():
    server = bench_delivery.start_receiver()
    yield server
    server.stop()


#: Pages whose query count grows with the rows because of the application's code (not the
#: benchmark's), with the cause. The test fails once one stops growing: take it off then.
#: Pages whose query count still grows with the rows (each with its cause); none since the
#: register's change-request kinds are prefetched (applications.grant_selectors.CHANGE_KIND_RELATIONS).
KNOWN_GROWTH: dict[str, str] = {}


@pytest.fixture
def bench_api(settings):
    """As scripts/bench_settings.py: no rate limit on the API client, the events list answers rows
    as soon as they are written; events are read on the webhook channel, as the benchmark has one."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": (1_000_000, 60)}}
    settings.API_EVENTS_SETTLE_SECONDS = 0
    settings.ONS_WEBHOOK_URL = "https://ons.example.gov.uk/srs/webhook"


def test_query_counts_are_collected_for_every_page_and_do_not_grow_with_rows(db, bench_urls, bench_api):
    actors = bench_data.ensure_actors()
    clients = bench_pages.signed_in_clients(actors)
    bench_data.grow(10, actors)
    bench_data.review_subject(1, actors)
    bench_data.grant_subject(1, actors)
    small = bench_pages.query_counts(actors, clients)
    bench_data.grow(40, actors)
    bench_data.review_subject(4, actors)
    bench_data.grant_subject(4, actors)
    large = bench_pages.query_counts(actors, clients)

    pages = {page.name: page for page in bench_pages.pages(actors)}
    assert set(small) == set(pages)
    assert set(pages) >= {
        "staff change requests",
        "staff change request",
        "change review (panel)",
        "change request (researcher)",
        "outputs",
        "API grants",
        "API grant",
        "API events",
    }
    assert {name: status for name, (status, _) in small.items()} == dict.fromkeys(small, 200)
    assert {name: status for name, (status, _) in large.items()} == dict.fromkeys(large, 200)
    assert all(queries > 0 for _, queries in small.values())
    grown = {name: (small[name][1], large[name][1]) for name in small if small[name][1] != large[name][1]}
    assert set(grown) == set(KNOWN_GROWTH), grown
    # The API pages list rows (not an empty first page).
    api = clients["api"]
    assert len(api.get(pages["API grants"].url).json()["grants"]) > 10
    assert api.get(pages["API grant"].url).json()["team"]
    assert api.get(pages["API events"].url).json()["events"]


def test_data_generator_is_realistic_and_repeatable(db):
    from applications.models import Application
    from panel.models import Decision

    actors = bench_data.ensure_actors()
    bench_data.grow(20, actors)
    assert bench_data.grow(20, actors) == 0  # nothing added the second time
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {
        "draft",
        "submitted",
        "under_review",
        "queried",
        "resubmitted",
        "approved",
        "rejected",
    }
    assert Decision.objects.filter(is_automatic=True).count() == 1
    assert all(app.members.count() >= 2 for app in Application.objects.all())
    for decision in Decision.objects.select_related("application__lead__researcher_profile"):
        lead = decision.application.lead
        assert decision.team_lead["email"] == lead.email  # the register shows the recorded team
        assert decision.team_lead["organisation"] == lead.researcher_profile.organisation
    pool = bench_data.decide_pool(3, actors)
    assert [a.status for a in pool] == ["under_review"] * 3


def _grant_rows() -> dict:
    """What the series made after approval, without ids or clocks (two runs compare equal)."""
    from applications.models import ApplicationOutput, ChangeRequest, Grant
    from notifications.models import OnsNotification

    return {
        "grants": sorted(
            Grant.objects.values_list(
                "reference", "status", "supersedes__reference", "change_request__reference", "access_end"
            )
        ),
        "grant_deposits": sorted(
            Grant.deposits.through.objects.values_list("grant__reference", "deposit__reference")
        ),
        "changes": sorted(
            (*row[:4], row[4] is not None, row[5])
            for row in ChangeRequest.objects.values_list(
                "reference", "grant__reference", "status", "route", "submitted_at", "decided_by__email"
            )
        ),
        "events": sorted(
            OnsNotification.objects.filter(grant__isnull=False).values_list(
                "grant__reference", "event_type", "sequence", "payload__data__supersedes_grant_reference"
            )
        ),
        "outputs": sorted(ApplicationOutput.objects.values_list("application__reference", "title", "doi")),
    }


def test_grants_and_change_requests_are_shaped_like_the_services_output_and_repeatable(db):
    from django.db import transaction

    from applications.enums import GRANT_IN_FORCE
    from applications.models import Application, ChangeRequest, Grant

    actors = bench_data.ensure_actors()
    with transaction.atomic():
        bench_data.grow(40, actors)
        at_once = _grant_rows()
        transaction.set_rollback(True)
    assert not Grant.objects.exists()
    bench_data.grow(10, actors)
    bench_data.grow(40, actors)
    assert _grant_rows() == at_once  # row i is the same whatever the order the series grew in

    for app in Application.objects.filter(status="approved").prefetch_related("grants"):
        chain = sorted(app.grants.all(), key=lambda g: g.number)
        assert [g.number for g in chain] == list(range(1, len(chain) + 1))
        assert [g.status in GRANT_IN_FORCE for g in chain] == [False] * (len(chain) - 1) + [True]
        assert all(g.supersedes_id == prev.pk for prev, g in itertools.pairwise(chain))
        assert all(g.change_request.status == "approved" for g in chain[1:])
        assert chain[0].team == app.decision.team
        assert all(g.datasets and g.deposits.count() == len(g.datasets) for g in chain)
    assert (
        Grant.objects.filter(application__status="approved").count()
        > Application.objects.filter(status="approved").count()
    )
    assert set(ChangeRequest.objects.values_list("status", flat=True)) >= {
        "approved",
        "withdrawn",
        "refused",
        "rejected",
        "submitted",
        "awaiting_team",
    }
    assert set(ChangeRequest.objects.exclude(route="").values_list("route", flat=True)) == {
        "staff",
        "chair",
        "panel",
    }


def test_baselines_answer_for_staff_and_are_timed(db, bench_urls):
    actors = bench_data.ensure_actors()
    bench_data.grow(10, actors)
    clients = bench_pages.signed_in_clients(actors)
    times = bench_pages.time_pages(clients, bench_pages.page_targets(), rounds=1, budget=1.0)
    assert set(times) == {name for name, _, _ in bench_pages.page_targets()}
    assert all(t["median_ms"] > 0 and t["n"] == 1 for t in times.values())
    # The bare list keeps the permission check: a researcher is refused.
    assert clients["researcher"].get("/bench/applications/").status_code == 403


def test_receiver_accepts_signed_webhooks_and_refuses_bad_signatures(receiver):
    from standardwebhooks.webhooks import Webhook

    body = '{"data":{"application_reference":"APP-2025-X0001"}}'
    when = datetime.now(UTC)
    signature = Webhook(receiver.secret).sign(msg_id="msg_1", timestamp=when, data=body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }

    assert requests.post(receiver.url, data=body, headers=headers, timeout=5).status_code == 204
    other = "whsec_" + base64.b64encode(b"not-the-secret-0123456789abcdef").decode()
    forged = Webhook(other).sign(msg_id="msg_2", timestamp=when, data=body)
    bad = {**headers, "webhook-id": "msg_2", "webhook-signature": forged}
    assert requests.post(receiver.url, data=body, headers=bad, timeout=5).status_code == 401

    assert [(r.webhook_id, r.reference) for r in receiver.receipts] == [("msg_1", "APP-2025-X0001")]
    assert receiver.rejected == 1


def test_a_decision_reaches_the_receiver_through_the_real_services(
    db, settings, receiver, django_capture_on_commit_callbacks
):
    from notifications.models import OnsNotification

    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = receiver.secret
    settings.ONS_NOTIFY_EMAIL = ""
    actors = bench_data.ensure_actors()
    (application,) = bench_data.decide_pool(1, actors)
    commits = {}
    with django_capture_on_commit_callbacks(execute=True):  # tasks run eagerly in the test settings
        bench_delivery.decide(application, actors.chair, commits, "t")

    arrived = receiver.received_for(application.reference)
    assert arrived is not None
    assert arrived >= commits["t"]
    assert OnsNotification.objects.get(application=application).status == "delivered"


def _figures(**changes) -> dict:
    """Figures of a run that meets every goal exactly at its limit."""
    figures = {
        "queries_equal": 26,
        "queries_pages": 26,
        "queue_bare": 1.0,
        "queue_admin": 0.5,
        "staff_bare": 1.0,
        "staff_admin": 0.4,
        "other_pages": {"register": 2.0, "outputs": 0.6, "API events": 0.3},
        "decision_p50_ms": 12.0,
        "decision_p95_ms": 20.0,
        "hop_p50_ms": 8.0,
        "hop_p95_ms": 10.0,
        "burst_per_s": 50.0,
        "bare_burst_per_s": 100.0,
        "burst_duplicates": 0,
        "burst_lost": 0,
        "fanout_grants": 50,
        "fanout_seconds": 3.2,
        "fanout_per_s": 15.0,
        "fanout_duplicates": 0,
        "fanout_lost": 0,
        "web_peak_mb": 110.0,
        "worker_peak_mb": 300.0,
        "timing_sign_up": 1.2,
        "timing_reset": 1.01,
        "elapsed_s": 240.0,
        "load": "load average 2.0 (1 min), 2.5 (5 min) on 2 CPUs",
    }
    return {**figures, **changes}


def test_each_goal_passes_at_its_limit_and_misses_just_beyond_it():
    assert {key for key, result in bench_goals.evaluate(_figures()).items() if not result.ok} == set()
    beyond = {
        "queries": {"queries_equal": 25},
        "queue_bare": {"queue_bare": 1.01},
        "queue_admin": {"queue_admin": 0.51},
        "staff_bare": {"staff_bare": 1.01},
        "other_pages": {"other_pages": {"register": 2.01, "outputs": 0.6}},
        "decision_p95": {"decision_p95_ms": 20.1},
        "burst_rate": {"burst_per_s": 49.9},
        "burst_lost": {"burst_duplicates": 1},
        "fanout_lost": {"fanout_lost": 1},
        "timing": {"timing_reset": 1.21},
    }
    assert set(beyond) == set(bench_goals.GOAL)
    for key, changes in beyond.items():
        missed = {k for k, result in bench_goals.evaluate(_figures(**changes)).items() if not result.ok}
        assert missed == {key}, key
    # A baseline that did not run (0 per second) meets no goal rather than dividing by zero.
    assert not bench_goals.evaluate(_figures(bare_burst_per_s=0.0))["burst_rate"].ok


def test_summary_is_one_line_whose_marks_are_the_goal_evaluation():
    figures = _figures(queue_bare=1.5, other_pages={"register": 2.4, "outputs": 0.8, "API events": 1.1})
    line = bench_goals.summary_line(figures)
    assert line.startswith("SUMMARY: ")
    assert "\n" not in line
    assert "queue 1.50x bare MISS 0.50x admin pass" in line
    assert "staff list 1.00x bare pass" in line
    assert "slowest other page register 2.40x bare MISS (2/3 pages pass)" in line
    assert "decision->ONS p95 2.00x bare hop pass (p50 12.0 ms, p95 20.0 ms)" in line
    assert "burst 0.50x bare drain pass (50/s of 100/s), duplicates 0 lost 0 pass" in line
    assert "re-screen fan-out 50 grants in 3.2 s (15/s, 0.15x bare drain), duplicates 0 lost 0 pass" in line
    missed = [key for key, result in bench_goals.evaluate(figures).items() if not result.ok]
    assert missed == ["queue_bare", "other_pages"]
    assert line.count("MISS") == len(missed)
    assert f"{len(bench_goals.GOALS) - 2}/{len(bench_goals.GOALS)} goals met in 4.0 min" in line


def test_percentile_picks_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert bench_report.percentile(values, 0.5) == 51.0
    assert bench_report.percentile(values, 0.95) == 95.0
    assert bench_report.percentile([7.0], 0.95) == 7.0


def test_timing_measures_both_forms_for_known_and_unknown_addresses(db, capsys):
    """scripts/bench --timing on 2 tries: every figure is there and the rows print."""
    from accounts.models import User

    figures = bench_timing.measure(tries=2, warmups=1)
    assert figures["tries"] == 2
    for name in ("sign_up", "password_reset"):
        assert figures[name]["known_ms"] > 0
        assert figures[name]["unknown_ms"] > 0
        assert figures[name]["ratio"] >= 1.0
    # Each unknown sign-up made an account; the known address still has one.
    assert User.objects.filter(email=bench_timing.KNOWN).count() == 1
    assert User.objects.filter(email__startswith="timing-").exclude(email=bench_timing.KNOWN).count() == 3
    bench_timing.report(figures, bench_report.print_table)
    assert "password reset" in capsys.readouterr().out
    assert bench_timing.summary(figures).startswith("timing known/unknown sign-up ")


def test_database_and_redis_db_can_be_chosen_so_two_runs_do_not_share_them(capsys):
    """Two runs at once would drop each other's database and flush each other's queue."""
    assert (bench.parse_args([]).database, bench.parse_args([]).redis_db) == ("bench_portal", 10)
    args = bench.parse_args(["--database", "wt_bench_1", "--redis-db", "12"])
    assert (args.database, args.redis_db) == ("wt_bench_1", 12)
    for bad in (["--database", "bench; DROP"], ["--database", "Bench"], ["--redis-db", "16"]):
        with pytest.raises(SystemExit):
            bench.parse_args(bad)
    assert "--database takes lower-case letters" in capsys.readouterr().err


def test_bench_receiver_notes_pings_and_keeps_connections_alive(receiver):
    """The bare Celery hop's POST to the ping path is timed, not verified, and the notifier's
    requests.Session keeps one HTTP/1.1 connection to the benchmark's receiver."""
    with requests.Session() as session:
        first = session.post(receiver.ping_url, data=b"{}", headers={"ping-token": "tok-1"}, timeout=5)
        second = session.post(receiver.url, data=b"{}", timeout=5)
    assert (first.status_code, first.raw.version) == (204, 11)
    assert second.status_code == 401
    assert receiver.wait(lambda: "tok-1" in receiver.pings, 1)
    assert receiver.rejected == 1
    assert receiver.receipts == []


def test_suite_receiver_keeps_its_defaults_for_the_notification_tests():
    """The suite's own users still get 200 over HTTP/1.0, and a ping without its token is a
    delivery like any other (refused, since unsigned)."""
    from tests.celery_support import Receiver

    server = Receiver().start()
    try:
        response = requests.post(server.url.replace("/ons/webhook", "/ping"), data=b"{}", timeout=5)
        assert (response.status_code, response.raw.version) == (401, 10)
        assert len(server.deliveries) == 1
        assert server.answer_for() == (200, False)
    finally:
        server.stop()


def test_bench_worker_runs_the_chosen_processes_and_the_bare_hop_task(tmp_path):
    from tests.celery_support import Worker

    command = Worker({}, tmp_path, concurrency=5, include=("bench_tasks",), name="bench").command()
    assert "--concurrency=5" in command
    assert "--include=bench_tasks" in command
    assert command[command.index("-n") + 1].startswith("bench-")
    default = Worker({}, tmp_path).command()
    assert "--concurrency=2" in default
    assert not any(arg.startswith("--include") for arg in default)


def test_bench_redis_names_its_own_database_on_a_private_server(tmp_path):
    from tests.celery_support import PrivateRedis

    assert PrivateRedis(tmp_path).url.endswith("/0")
    assert PrivateRedis(tmp_path, db=13).url.endswith("/13")
