"""scripts/bench, steps 3, 4 and 5b: decisions to ONS through a live Celery worker, one at a time
(commit to the receiver's 2xx, against the bare Celery hop) and in a burst from several threads
(deliveries per second, duplicates, lost), and the worker's peak memory during the burst. The ONS
receiver and the worker are the suite's (tests/celery_support.py), configured for the benchmark.
Django and the portal are imported inside the functions: scripts/bench imports this module before
``django.setup()``."""

import statistics
import threading
import time
import uuid
from contextlib import contextmanager

from bench_report import children_of, mark, percentile, print_table, proc_status

from tests.celery_support import Receiver, Worker

WEBHOOK_SECRET = "whsec_YmVuY2gtb25zLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"  # noqa: S105 (benchmark only)

# --- the receiver and the worker -------------------------------------------------------------------


def start_receiver() -> Receiver:
    """The suite's ONS receiver as the benchmark runs it: it verifies each Standard Webhooks
    signature (401 when it does not verify), answers 204 over kept-alive HTTP/1.1 connections, and
    notes when, which webhook-id and which application; POSTs to ``ping_url`` (the bare Celery hop)
    carry a ``ping-token`` and are not signed."""
    return Receiver(secret=WEBHOOK_SECRET, ok_status=204, keep_alive=True).start()


def start_worker(env: dict, workdir, concurrency: int) -> Worker:
    """The suite's ``celery worker`` subprocess with ``concurrency`` processes and the bare-hop task."""
    worker = Worker(
        env, workdir, concurrency=concurrency, include=("bench_tasks",), name="bench", ready_timeout=90
    )
    worker.start()
    return worker


class WorkerMemory:
    """Peak memory of a worker's processes while sampling: the largest process's VmHWM and the
    largest sum of their VmRSS, every ``interval`` seconds."""

    def __init__(self, worker: Worker):
        self.worker = worker
        self.peak_total_kb = 0
        self.peak_process_kb = 0
        self._sampling = False

    def pids(self) -> list[int]:
        pid = self.worker.process.pid
        return [pid, *children_of(pid)]

    @contextmanager
    def sampling(self, interval: float = 0.05):
        self._sampling = True

        def loop():
            while self._sampling:
                total = 0
                for pid in self.pids():
                    status = proc_status(pid)
                    total += status.get("VmRSS", 0)
                    self.peak_process_kb = max(self.peak_process_kb, status.get("VmHWM", 0))
                self.peak_total_kb = max(self.peak_total_kb, total)
                time.sleep(interval)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._sampling = False
            thread.join()


# --- decisions to ONS ----------------------------------------------------------------------------


def decide(application, chair, commit_times: dict | None = None, key: str | None = None):
    """Record an approval through the panel's real service. The first on_commit callback notes the
    commit time (callbacks run in the order they were registered, before the ONS dispatch)."""
    from django.db import transaction

    from panel.enums import DecisionOutcome
    from panel.services import decision_record

    with transaction.atomic():
        if commit_times is not None:
            transaction.on_commit(lambda: commit_times.__setitem__(key, time.perf_counter()))
            transaction.on_commit(lambda: commit_times.__setitem__(f"{key}:wall", time.time()))
        decision_record(
            application=application,
            chair=chair,
            outcome=DecisionOutcome.APPROVED,
            rationale="The panel found a clear public benefit and a proportionate request.",
            public_rationale="Approved: clear public benefit.",
        )


def bare_hop(receiver: Receiver, count: int) -> list[float]:
    """Commit (an empty transaction) -> on_commit -> delay -> worker -> POST, ``count`` times."""
    from bench_tasks import bench_bare_hop_task
    from django.db import transaction

    latencies = []
    for _ in range(count):
        token = uuid.uuid4().hex
        started = {}
        with transaction.atomic():
            transaction.on_commit(lambda s=started: s.__setitem__("t", time.perf_counter()))
            transaction.on_commit(lambda t=token: bench_bare_hop_task.delay(receiver.ping_url, t))
        if not receiver.wait(lambda t=token: t in receiver.pings, 30):
            raise RuntimeError("A bare hop did not arrive within 30 s; is the worker running?")
        latencies.append((receiver.pings[token] - started["t"]) * 1000)
        time.sleep(0.01)  # let the worker settle: one decision at a time
    return latencies


def bare_burst(receiver: Receiver, count: int, *, threads: int) -> dict:
    """The bare hop ``count`` times from ``threads`` threads at once: how fast this machine, broker
    and worker drain trivial tasks now (the floor under the decision burst's rate)."""
    from bench_tasks import bench_bare_hop_task
    from django.db import connection, transaction

    tokens = [uuid.uuid4().hex for _ in range(count)]
    barrier = threading.Barrier(threads + 1)

    def run(chunk):
        try:
            barrier.wait()
            for token in chunk:
                with transaction.atomic():
                    transaction.on_commit(lambda t=token: bench_bare_hop_task.delay(receiver.ping_url, t))
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(tokens[n::threads],)) for n in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    arrived = receiver.wait(lambda: all(t in receiver.pings for t in tokens), 120)
    last = max((receiver.pings[t] for t in tokens if t in receiver.pings), default=started)
    received = sum(t in receiver.pings for t in tokens)
    return {"received": received, "complete": arrived, "per_s": received / (last - started)}


def delivery_cost(references: list[str], count: int = 60) -> dict:
    """The worker's own work per delivery, measured in this process on notifications already
    delivered (set back to pending): claim, send, record, with the database connection reused
    versus opened afresh for each delivery (as the Celery worker does unless CELERY_DB_REUSE_MAX is
    set). Alternating the two, so the machine's load hits both alike."""
    from django.db import connection
    from django.utils import timezone

    from notifications.enums import OnsNotificationStatus
    from notifications.models import OnsNotification
    from notifications.services import (
        ons_notification_claim,
        ons_notification_record_attempt,
        ons_notification_send,
    )

    ids = list(
        OnsNotification.objects.filter(application__reference__in=references)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    OnsNotification.objects.filter(pk__in=ids).update(
        status=OnsNotificationStatus.PENDING,
        lease_until=None,
        lease_token=None,
        next_attempt_at=timezone.now(),
    )
    parts: dict[str, list[float]] = {"fresh": [], "reused": [], "claim": [], "send": [], "record": []}
    for n, pk in enumerate(ids):
        fresh = n % 2 == 0
        if fresh:
            connection.close()
        else:
            connection.ensure_connection()
        t0 = time.perf_counter()
        notification, claim = ons_notification_claim(notification_id=pk)
        t1 = time.perf_counter()
        result = ons_notification_send(notification)
        t2 = time.perf_counter()
        ons_notification_record_attempt(claim=claim, result=result)
        t3 = time.perf_counter()
        parts["fresh" if fresh else "reused"].append((t3 - t0) * 1000)
        if not fresh:
            parts["claim"].append((t1 - t0) * 1000)
            parts["send"].append((t2 - t1) * 1000)
            parts["record"].append((t3 - t2) * 1000)
    return {name: statistics.median(values) for name, values in parts.items() if values}


def decision_latency(receiver: Receiver, applications, chair) -> tuple[list[float], dict]:
    """One decision at a time on an idle system: commit to the receiver's 2xx, in ms; and where the
    time goes, from the delivery attempts the worker logged (its clock is the same machine's)."""
    from notifications.models import OnsDeliveryAttempt

    latencies, walls = [], {}
    for application in applications:
        commits: dict = {}
        decide(application, chair, commits, "t")
        ref = application.reference
        if not receiver.wait(lambda r=ref: receiver.received_for(r) is not None, 30):
            raise RuntimeError(f"ONS was not told of {ref} within 30 s.")
        latencies.append((receiver.received_for(ref) - commits["t"]) * 1000)
        walls[ref] = commits["t:wall"]
        time.sleep(0.01)  # let the worker settle: one decision at a time
    attempts = OnsDeliveryAttempt.objects.filter(
        notification__application__reference__in=list(walls), number=1
    ).values_list("notification__application__reference", "started_at", "duration_ms")
    to_start = [(started.timestamp() - walls[ref]) * 1000 for ref, started, _ in attempts]
    posts = [float(duration) for _, _, duration in attempts]
    return latencies, {"commit_to_post_start_ms": to_start, "post_ms": posts}


def receipts_awaited(receiver: Receiver, wanted, expected: int, timeout: float) -> list:
    """Wait until ``expected`` distinct webhook-ids of the receipts ``wanted`` picks have arrived (or
    nothing new arrived for 30 s, or ``timeout``), then 2 s more for any repeat; those receipts."""
    deadline = time.monotonic() + timeout
    last_seen, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        with receiver.lock:
            seen = len({r.webhook_id for r in receiver.receipts if wanted(r)})
        if seen >= expected:
            break
        if seen != last_seen:
            last_seen, last_change = seen, time.monotonic()
        elif time.monotonic() - last_change > 30:
            break
        time.sleep(0.05)
    time.sleep(2.0)  # anything sent twice would arrive now
    with receiver.lock:
        return [r for r in receiver.receipts if wanted(r)]


def burst(receiver: Receiver, applications, chair, *, threads: int, drain_timeout: float = 240.0) -> dict:
    """Commit one decision per application from ``threads`` threads at once, then wait until every
    notification arrived (or nothing new arrived for 30 s)."""
    from django.db import connection

    references = {a.reference for a in applications}
    slices = [applications[n::threads] for n in range(threads)]
    commits: dict[str, float] = {}
    errors: list[str] = []
    barrier = threading.Barrier(threads + 1)

    def run(chunk):
        try:
            barrier.wait()
            for application in chunk:
                try:
                    decide(application, chair, commits, application.reference)
                except Exception as exc:
                    errors.append(f"{application.reference}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in slices]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    committed = time.perf_counter()

    mine = receipts_awaited(
        receiver, lambda r: r.reference in references, len(references) - len(errors), drain_timeout
    )
    distinct = {r.webhook_id for r in mine}
    last_arrival = max((r.at for r in mine), default=committed)
    backlog = len({r.webhook_id for r in mine if r.at > committed})
    return {
        "decisions": len(references),
        "threads": threads,
        "errors": errors,
        "commit_seconds": committed - started,
        "drain_seconds": last_arrival - started,
        "received": len(mine),
        "distinct": len(distinct),
        "duplicates": len(mine) - len(distinct),
        "lost": len(references) - len(errors) - len(distinct),
        "commits_per_s": len(references) / (committed - started),
        "deliveries_per_s": len(distinct) / (last_arrival - started) if mine else 0.0,
        "backlog_at_last_commit": backlog,
        "backlog_drain_per_s": backlog / (last_arrival - committed) if backlog >= 50 else None,
    }


# --- steps 3 and 4 -------------------------------------------------------------------------------


def _spread(label: str, values: list[float]) -> list:
    return [
        label,
        len(values),
        f"{percentile(values, 0.5):.1f}",
        f"{percentile(values, 0.95):.1f}",
        f"{max(values):.1f}",
    ]


def step_latency(results: dict, receiver: Receiver, pool, chair, *, latency: int, concurrency: int) -> dict:
    """Step 3: the bare hop and decisions one at a time, commit to the receiver's 2xx (table 3), and
    one delivery's own work in this process (table 3b). Uses ``pool[:latency]``. The goal: the
    decision's p95 within ``GOAL["decision_p95"]`` of the bare hop's p95, measured just before."""
    from bench_goals import GOAL, ratio

    hop = bare_hop(receiver, 50)  # warm the worker's processes and connections
    hop = bare_hop(receiver, latency)
    decision_latency(receiver, pool[:5], chair)  # warm-up, not counted
    latencies, parts = decision_latency(receiver, pool[5:latency], chair)
    cost = delivery_cost([a.reference for a in pool[5:latency]])
    results["delivery_cost_ms"] = cost
    hop50, hop95 = percentile(hop, 0.5), percentile(hop, 0.95)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    goal = GOAL["decision_p95"]
    p95_ratio = ratio(p95, hop95)
    print_table(
        f"3. Commit to the receiver's 2xx (live worker, concurrency {concurrency}; one at a time)",
        ["path", "n", "p50 ms", "p95 ms", "max ms", "goal"],
        [
            [*_spread("bare Celery hop (baseline)", hop), ""],
            [
                *_spread("decision -> ONS webhook", latencies),
                f"p95 / bare p95 {p95_ratio:.2f} {goal.text} {mark(goal.met(p95_ratio))}",
            ],
            *[
                [*_spread(label, values), ""]
                for label, values in (
                    ("  of which commit -> worker starts the POST", parts["commit_to_post_start_ms"]),
                    ("  of which the POST (sign, send, 2xx)", parts["post_ms"]),
                )
                if values
            ],
        ],
    )
    print_table(
        "3b. One delivery's own work, in this process (median ms; fresh = a new database connection "
        "per delivery, as the Celery worker does now; reused = an open one)",
        ["delivery", "median ms"],
        [
            ["claim + send + record, fresh connection", f"{cost['fresh']:.1f}"],
            ["claim + send + record, reused connection", f"{cost['reused']:.1f}"],
            ["  claim (lock, mark sending, commit)", f"{cost['claim']:.1f}"],
            ["  send (sign, POST, 2xx)", f"{cost['send']:.1f}"],
            ["  record (lock, attempt row, mark delivered, commit)", f"{cost['record']:.1f}"],
        ],
    )
    results["latency"] = {
        "bare_hop_ms": {"p50": hop50, "p95": hop95},
        "decision_ms": {"p50": p50, "p95": p95},
        "p95_ratio_to_bare_hop": p95_ratio,
        "n": len(latencies),
    }
    return {"p50": p50, "p95": p95, "hop_p50": hop50, "hop_p95": hop95, "p95_ratio": p95_ratio}


def step_burst(
    results: dict, receiver: Receiver, memory: WorkerMemory, applications, chair, *, threads: int
) -> dict:
    """Step 4: the bare-hop burst, then one decision per application from ``threads`` threads while
    the worker's memory is sampled (table 4). Returns the burst's figures, with the bare drain
    rate (``bare_per_s``) and the ratio of the two (``ratio_to_bare``, goal ``GOAL["burst_rate"]``)."""
    from bench_goals import GOAL, ratio

    from notifications.enums import OnsNotificationStatus
    from notifications.models import OnsNotification

    hops = bare_burst(receiver, len(applications), threads=threads)
    results["bare_burst"] = hops
    with memory.sampling():
        result = burst(receiver, applications, chair, threads=threads)
    delivered_rows = OnsNotification.objects.filter(
        application__reference__in=[a.reference for a in applications],
        status=OnsNotificationStatus.DELIVERED,
    ).count()
    result["delivered_rows"] = delivered_rows
    result["signature_rejected"] = receiver.rejected
    result["bare_per_s"] = hops["per_s"]
    result["ratio_to_bare"] = rate = ratio(result["deliveries_per_s"], hops["per_s"])
    goal, lost = GOAL["burst_rate"], GOAL["burst_lost"]
    lost_ok = lost.met(result["lost"] + result["duplicates"])
    print_table(
        f"4. Burst: {result['decisions']:,} decisions committed by {result['threads']} threads",
        ["figure", "value", "goal"],
        [
            [
                f"bare hops from {threads} threads, drained per second (baseline)",
                f"{hops['per_s']:.0f}" + ("" if hops["complete"] else f" ({hops['received']} arrived)"),
                "",
            ],
            ["commits per second", f"{result['commits_per_s']:.0f}", ""],
            ["deliveries per second (start to last 2xx)", f"{result['deliveries_per_s']:.0f}", ""],
            ["  / bare drain per second", f"{rate:.2f}", f"{goal.text} {mark(goal.met(rate))}"],
            [
                "backlog left at the last commit, drained per second",
                f"{result['backlog_at_last_commit']}, "
                + (f"{result['backlog_drain_per_s']:.0f}/s" if result["backlog_drain_per_s"] else "-"),
                "",
            ],
            ["received / distinct webhook-id", f"{result['received']} / {result['distinct']}", ""],
            ["duplicates", result["duplicates"], f"0 {mark(lost_ok)}"],
            ["lost", result["lost"], f"0 {mark(lost_ok)}"],
            ["rows delivered in the outbox", delivered_rows, ""],
            ["decisions refused (errors)", len(result["errors"]), ""],
            ["bad signatures at the receiver", receiver.rejected, ""],
        ],
    )
    for error in result["errors"][:5]:
        print(f"  error: {error}")
    result["errors"] = len(result["errors"])
    results["burst"] = result
    return result


# --- step 4b: the participants' rule after approval ------------------------------------------------


def step_fanout(
    results: dict, receiver: Receiver, applications, staff, *, drain_timeout: float = 240.0
) -> dict:
    """Step 4b (issue 17): the burst's applications are approved, each with its live grant 1. One
    new deposit is added to ``len(applications)`` of those grants, then staff suspend it through the
    service; the re-screen (a task, in the worker) suspends every grant using it, one transaction
    each, and ONS is told ``access.suspended`` for each. Timed from the suspension's commit to the
    receiver's last 2xx, beside the bare burst of step 4 (the ratio of the two rates is printed,
    with no goal); none may be lost or told twice (``GOAL["fanout_lost"]``)."""
    from bench_goals import GOAL, ratio

    from applications.grant_selectors import grant_in_force
    from applications.models import Grant
    from deposits.services import deposit_suspend
    from tests.factories.deposits import AvailableDepositFactory

    deposit = AvailableDepositFactory(title="Fan-out deposit")
    grants = [grant_in_force(application=a) for a in applications]
    grants = [g for g in grants if g is not None]
    Through = Grant.deposits.through
    Through.objects.bulk_create(
        [Through(grant_id=g.pk, deposit_id=deposit.pk) for g in grants], batch_size=1000
    )
    references = {g.application.reference for g in grants}

    def suspension(receipt) -> bool:
        return (
            bool(receipt.payload)
            and receipt.payload["type"] == "access.suspended"
            and receipt.reference in references
        )

    started = time.perf_counter()
    deposit_suspend(actor=staff, deposit=deposit, reason="Benchmark: the DPIA is under review.")
    committed = time.perf_counter()
    mine = receipts_awaited(receiver, suspension, len(grants), drain_timeout)
    distinct = {r.webhook_id for r in mine}
    last_arrival = max((r.at for r in mine), default=committed)
    result = {
        "grants": len(grants),
        "suspended_rows": Grant.objects.filter(pk__in=[g.pk for g in grants], status="suspended").count(),
        "received": len(mine),
        "distinct": len(distinct),
        "duplicates": len(mine) - len(distinct),
        "lost": len(grants) - len(distinct),
        "seconds_to_last": last_arrival - committed,
        "per_s": len(distinct) / (last_arrival - started) if mine else 0.0,
    }
    bare = results.get("bare_burst", {}).get("per_s", 0.0)
    result["bare_per_s"] = bare
    result["ratio_to_bare"] = ratio(result["per_s"], bare)
    lost_ok = GOAL["fanout_lost"].met(result["lost"] + result["duplicates"])
    print_table(
        f"4b. Re-screen fan-out: one deposit used by {len(grants):,} live grants suspended",
        ["figure", "value", "goal"],
        [
            ["bare hops drained per second (step 4's baseline)", f"{bare:.0f}", ""],
            ["grants suspended", result["suspended_rows"], ""],
            [
                "seconds from the suspension's commit to ONS's last access.suspended",
                f"{result['seconds_to_last']:.1f}",
                "",
            ],
            ["access.suspended delivered per second", f"{result['per_s']:.0f}", ""],
            ["  / bare drain per second", f"{result['ratio_to_bare']:.2f}", "(none)"],
            ["received / distinct webhook-id", f"{result['received']} / {result['distinct']}", ""],
            ["duplicates", result["duplicates"], f"0 {mark(lost_ok)}"],
            ["lost", result["lost"], f"0 {mark(lost_ok)}"],
        ],
    )
    results["fanout"] = result
    return result
