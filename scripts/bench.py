"""scripts/bench: how fast the portal is against Django's own admin and a bare list view, and how ONS
delivery holds under a burst. Run it through ``scripts/bench`` (which prepares the venv); see
docs/benchmarks.md for what each figure means and the last figures measured.

It creates (and at the end drops) its own PostgreSQL database ``bench_portal`` on DATABASE_URL's
server (or 127.0.0.1:5432), uses Redis DB 10 on REDIS_URL's server or 127.0.0.1:6379 (or starts a
private redis-server), starts an in-process HTTP receiver that verifies Standard Webhooks signatures
and a real ``celery worker`` subprocess, then measures:

1. query counts of every list and detail page at 10 and at 1,000 rows (equal = pass);
2. page time ratios with 10,000 applications: the panel queue and the staff application list against
   Django's admin changelist and a bare ListView of the same rows (same users, permissions on);
3. decision to ONS: commit to the receiver's 2xx over 200 decisions (p50, p95), with the bare Celery
   hop measured in the same run for scale;
4. burst: 2,000 decisions committed by 8 threads: deliveries per second, duplicates, lost;
5. peak RSS of a web process rendering the 10,000-row lists and of the worker during the burst;
6. sign-up and password reset for a known against an unknown address (scripts/bench_timing.py;
   ``--timing`` runs only this).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
for _path in (str(SCRIPTS), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

DB_NAME = "bench_portal"
REDIS_DB = 10
WEBHOOK_SECRET = "whsec_YmVuY2gtb25zLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"  # noqa: S105 (benchmark only)

#: Goals from issue 10.
GOAL_ADMIN_RATIO = 0.35
GOAL_BARE_RATIO = 2.0
GOAL_P50_MS = 20.0
GOAL_P95_MS = 50.0
GOAL_BURST_RATE = 200.0


# --- the ONS receiver --------------------------------------------------------------------------------


@dataclass
class Receipt:
    webhook_id: str
    reference: str
    at: float  # time.perf_counter() as the 2xx is sent


@dataclass
class Receiver:
    """A local HTTP/1.1 server standing in for ONS: it verifies each Standard Webhooks signature
    (401 when it does not verify), answers 204, and notes when, which webhook-id and which
    application. POSTs to /bare (the bare Celery hop) carry a ``bench-token`` and are not signed."""

    secret: str = WEBHOOK_SECRET
    url: str = ""
    bare_url: str = ""
    receipts: list[Receipt] = field(default_factory=list)
    bare: dict[str, float] = field(default_factory=dict)
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default=None)

    def __post_init__(self):
        self.arrived = threading.Condition(self.lock)

    def start(self) -> "Receiver":
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        state = self
        webhook = Webhook(self.secret)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the notifier's requests.Session expects

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # Each arrival is noted just before its answer goes out, so a client that has its
                # answer always finds it noted.
                if self.path == "/bare":
                    with state.arrived:
                        state.bare[self.headers.get("bench-token", "")] = time.perf_counter()
                        state.arrived.notify_all()
                    self._answer(204)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = webhook.verify(body, headers)
                except WebhookVerificationError:
                    with state.lock:
                        state.rejected += 1
                    self._answer(401)
                    return
                receipt = Receipt(
                    headers.get("webhook-id", ""),
                    payload["data"]["application_reference"],
                    time.perf_counter(),
                )
                with state.arrived:
                    state.receipts.append(receipt)
                    state.arrived.notify_all()
                self._answer(204)

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{port}/ons/webhook"
        self.bare_url = f"http://127.0.0.1:{port}/bare"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wait(self, predicate, timeout: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(predicate, timeout)

    def received_for(self, reference: str) -> float | None:
        for receipt in reversed(self.receipts):
            if receipt.reference == reference:
                return receipt.at
        return None


# --- query counts --------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    who: str  # "anonymous" or an Actors attribute
    url: str
    kind: str = "list"


def pages(actors) -> list[Page]:
    """Every list and detail page of issue 10 (and a few more), with who requests it."""
    from bench_data import MAIN_PREFIX, REVIEW_REFERENCE
    from django.urls import reverse

    from notifications.models import OnsNotification

    review_pk = _review_pk()
    notification = OnsNotification.objects.filter(application__reference__startswith=MAIN_PREFIX).order_by(
        "pk"
    )
    return [
        Page("catalogue", "anonymous", reverse("deposits:catalogue")),
        Page("deposit detail", "anonymous", reverse("deposits:detail", args=["DEP-2023-00000"]), "detail"),
        Page("register", "anonymous", reverse("transparency:register")),
        Page(
            "register detail",
            "anonymous",
            reverse("transparency:register_detail", args=[f"{MAIN_PREFIX}00005"]),
            "detail",
        ),
        Page("my applications", "researcher", reverse("applications:my_list")),
        Page("application detail", "researcher", reverse("applications:detail", args=[review_pk]), "detail"),
        Page("home (researcher)", "researcher", reverse("core:home")),
        Page("panel queue", "member", reverse("panel:queue")),
        Page("review page", "member", reverse("panel:review", args=[REVIEW_REFERENCE]), "detail"),
        Page("home (panel)", "member", reverse("core:home")),
        Page("staff applications", "staff", reverse("panel:staff_applications")),
        Page(
            "staff application",
            "staff",
            reverse("panel:staff_application", args=[REVIEW_REFERENCE]),
            "detail",
        ),
        Page("notification log", "staff", reverse("notifications:log")),
        Page(
            "notification detail",
            "staff",
            reverse("notifications:detail", args=[notification.first().pk]),
            "detail",
        ),
        Page("audit log", "staff", reverse("core:audit_log")),
        Page("dashboard", "staff", reverse("transparency:dashboard")),
        Page("home (staff)", "staff", reverse("core:home")),
    ]


def _review_pk() -> int:
    from bench_data import REVIEW_REFERENCE

    from applications.models import Application

    return Application.objects.only("pk").get(reference=REVIEW_REFERENCE).pk


def signed_in_clients(actors) -> dict:
    """One test Client per person, signed in with the second factor satisfied (as tests/conftest.py's
    client_for does), so every page sees the real middleware and permission checks."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clients = {"anonymous": Client()}
    for who in ("researcher", "member", "chair", "staff"):
        user = getattr(actors, who)
        client = Client()
        client.force_login(user)
        if user.needs_second_factor:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="Bench app", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        clients[who] = client
    return clients


def count_queries(client, url: str) -> tuple[int, int]:
    """(status, number of SQL queries) of one GET, after a warm-up GET of the same URL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


def query_counts(actors, clients) -> dict[str, tuple[int, int]]:
    return {page.name: count_queries(clients[page.who], page.url) for page in pages(actors)}


# --- page times ----------------------------------------------------------------------------------


def time_pages(
    clients, targets: list[tuple[str, str, str]], *, rounds: int, budget: float, warmups: int = 2
) -> dict[str, dict]:
    """Median wall time of GETs, interleaved round by round so drift hits every page alike (so the
    slowest page's time decides how many rounds fit in the budget).
    ``targets``: (name, who, url). ``warmups`` rounds first; then at least 5 measured rounds (or
    ``rounds`` if fewer), and more up to ``rounds`` while within ``budget`` seconds."""
    for _ in range(warmups):
        for _name, who, url in targets:
            response = clients[who].get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} as {who} answered {response.status_code}")
    samples: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    started = time.perf_counter()
    for n in range(rounds):
        for name, who, url in targets:
            t0 = time.perf_counter()
            clients[who].get(url)
            samples[name].append(time.perf_counter() - t0)
        if n >= min(4, rounds - 1) and time.perf_counter() - started > budget:
            break
    return {
        name: {"median_ms": statistics.median(s) * 1000, "min_ms": min(s) * 1000, "n": len(s)}
        for name, s in samples.items()
    }


def page_targets() -> list[tuple[str, str, str]]:
    from django.urls import reverse

    return [
        ("panel queue", "member", reverse("panel:queue")),
        ("staff applications", "staff", reverse("panel:staff_applications")),
        ("admin changelist", "staff", "/bench/admin/applications/application/"),
        ("bare ListView", "staff", reverse("bench_bare_list")),
        ("project admin (info)", "staff", "/admin/applications/application/"),
    ]


# --- memory --------------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return values


def children_of(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(FileNotFoundError, ValueError):
            kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def child_memory_main() -> None:
    """Run as a separate process (``bench.py --child-memory``): a web process that renders the
    10,000-row lists once each and reports its resident memory before and at peak."""
    import django

    django.setup()
    from bench_data import ensure_actors

    actors = ensure_actors()
    clients = signed_in_clients(actors)
    from django.urls import reverse

    # Load the URLconf, templates and middleware first, with light pages (the home page of a panel
    # member already loads the whole queue).
    clients["anonymous"].get(reverse("deposits:catalogue"))
    for who in ("staff", "member"):
        clients[who].get(reverse("accounts:security"))
    result = {"baseline_kb": proc_status()["VmRSS"]}
    for name, who, url in (
        ("panel queue", "member", reverse("panel:queue")),
        ("staff applications", "staff", reverse("panel:staff_applications")),
        ("bare ListView", "staff", reverse("bench_bare_list")),
    ):
        status = clients[who].get(url).status_code
        result[name] = {"status": status, "peak_kb": proc_status()["VmHWM"]}
    print(json.dumps(result))


# --- the worker ------------------------------------------------------------------------------------


class Worker:
    def __init__(self, env: dict, log: Path, concurrency: int):
        self.env, self.log, self.concurrency = env, log, concurrency
        self.process: subprocess.Popen | None = None
        self.peak_total_kb = 0
        self.peak_process_kb = 0
        self._sampling = False

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,  # the interpreter running the benchmark, wherever its venv lives
                "-m",
                "celery",
                "-A",
                "archive_portal",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-{os.getpid()}@%h",
                "--include=bench_tasks",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"The Celery worker did not start:\n{self.log.read_text()[-3000:]}")

    def pids(self) -> list[int]:
        return [self.process.pid, *children_of(self.process.pid)]

    @contextmanager
    def sampling(self, interval: float = 0.05):
        """Track the worker's peak memory (every process's VmHWM, and the sum of their VmRSS)."""
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

    def stop(self):
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


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
            transaction.on_commit(lambda t=token: bench_bare_hop_task.delay(receiver.bare_url, t))
        if not receiver.wait(lambda t=token: t in receiver.bare, 30):
            raise RuntimeError("A bare hop did not arrive within 30 s; is the worker running?")
        latencies.append((receiver.bare[token] - started["t"]) * 1000)
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
                    transaction.on_commit(lambda t=token: bench_bare_hop_task.delay(receiver.bare_url, t))
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(tokens[n::threads],)) for n in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    arrived = receiver.wait(lambda: all(t in receiver.bare for t in tokens), 120)
    last = max((receiver.bare[t] for t in tokens if t in receiver.bare), default=started)
    received = sum(t in receiver.bare for t in tokens)
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

    def distinct_for_burst():
        return {r.webhook_id for r in receiver.receipts if r.reference in references}

    deadline = time.monotonic() + drain_timeout
    last_seen, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        with receiver.lock:
            seen = len(distinct_for_burst())
        if seen >= len(references) - len(errors):
            break
        if seen != last_seen:
            last_seen, last_change = seen, time.monotonic()
        elif time.monotonic() - last_change > 30:
            break
        time.sleep(0.05)
    time.sleep(2.0)  # anything sent twice would arrive now
    with receiver.lock:
        mine = [r for r in receiver.receipts if r.reference in references]
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


# --- servers ------------------------------------------------------------------------------------


def postgres_base_url() -> str:
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        cfg = environ.Env.db_url_config(url)
        user, password = cfg.get("USER") or "postgres", cfg.get("PASSWORD") or ""
        host, port = cfg.get("HOST") or "127.0.0.1", cfg.get("PORT") or 5432
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgres://{auth}{host}:{port}"
    return "postgres://postgres@127.0.0.1:5432"


def recreate_database(base_url: str, name: str, *, drop_only: bool = False) -> None:
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(f"{base_url}/postgres")
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=cfg["USER"],
            password=cfg.get("PASSWORD") or None,
            host=cfg["HOST"],
            port=cfg["PORT"] or 5432,
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        raise SystemExit(
            f"error: PostgreSQL does not answer at {cfg['HOST']}:{cfg['PORT'] or 5432} ({exc}). "
            "Start it, or set DATABASE_URL to a server where the benchmark may create databases."
        ) from exc
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            cursor.execute(f"CREATE DATABASE {name}")
    conn.close()


class RedisServer:
    """Redis DB ``db`` (10) on REDIS_URL's server (or 127.0.0.1:6379); else a private redis-server."""

    def __init__(self, workdir: Path, db: int = REDIS_DB):
        self.workdir = workdir
        self.db = db
        self.private_pid: int | None = None
        self.url = ""

    def start(self) -> str:
        import redis

        candidates = []
        if os.environ.get("REDIS_URL"):
            parsed = redis.connection.parse_url(os.environ["REDIS_URL"])
            candidates.append(
                f"redis://{parsed.get('host', '127.0.0.1')}:{parsed.get('port', 6379)}/{self.db}"
            )
        candidates.append(f"redis://127.0.0.1:6379/{self.db}")
        for url in candidates:
            try:
                client = redis.Redis.from_url(url, socket_connect_timeout=2)
                client.ping()
                client.flushdb()
                self.url = url
                return url
            except redis.exceptions.RedisError:
                continue
        import shutil
        import socket

        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit(
                "error: no Redis answers and redis-server is not installed (apt-get install redis-server)."
            )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        pidfile = self.workdir / "redis.pid"
        subprocess.run(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--pidfile", str(pidfile)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.url = f"redis://127.0.0.1:{port}/{self.db}"
        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
                break
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        self.private_pid = int(pidfile.read_text().strip())
        return self.url

    def stop(self):
        import redis

        if self.private_pid:
            os.kill(self.private_pid, 15)
        elif self.url:
            with suppress(redis.exceptions.RedisError):
                redis.Redis.from_url(self.url, socket_connect_timeout=2).flushdb()


# --- report --------------------------------------------------------------------------------------


def note_load(results: dict, phase: str) -> str:
    """The machine's load average now (other work on the machine skews every absolute figure)."""
    one, five, _ = os.getloadavg()
    results.setdefault("load", {})[phase] = [round(one, 2), round(five, 2)]
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def mark(ok: bool) -> str:
    return "pass" if ok else "MISS"


def machine() -> dict:
    import platform

    import celery
    import django
    import kombu
    import redis as redis_py

    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "kombu": kombu.__version__,
        "redis-py": redis_py.__version__,
    }


def server_versions() -> dict:
    import redis
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    info = redis.Redis.from_url(settings.CELERY_BROKER_URL).info("server")
    return {"postgresql": pg, "redis": info.get("redis_version", "?")}


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[n]) for row in cells) for n in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10, help="rows for the first query count (10)")
    parser.add_argument("--large", type=int, default=1000, help="rows for the second query count (1,000)")
    parser.add_argument(
        "--applications", type=int, default=10000, help="applications for page times (10,000)"
    )
    parser.add_argument("--latency", type=int, default=200, help="decisions timed one by one (200)")
    parser.add_argument("--burst", type=int, default=2000, help="decisions in the burst (2,000)")
    parser.add_argument("--threads", type=int, default=8, help="threads committing the burst (8)")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (2, as docker-compose.yml)"
    )
    parser.add_argument("--rounds", type=int, default=15, help="timed requests per page at most (15)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="CONN_MAX_AGE for the web side and the worker (default: the project's setting)",
    )
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        help="CELERY_DB_REUSE_MAX for the worker (default: unset, a new connection for every task)",
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help="only time sign-up and password reset for known and unknown addresses (step 6)",
    )
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"the database to create and drop ({DB_NAME}); a run at the same time needs its own",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=REDIS_DB,
        help=f"Redis database number, flushed before and after ({REDIS_DB})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.latency < 10:
        parser.error("--latency must be at least 10 (the first 5 decisions are a warm-up)")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database takes lower-case letters, digits and underscores (a PostgreSQL name)")
    if not 0 <= args.redis_db <= 15:
        parser.error("--redis-db must be between 0 and 15")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child_memory:
        child_memory_main()
        return 0
    clock = time.monotonic()
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench."))
    base_url = postgres_base_url()
    results: dict = {}
    print(f"bench: database {args.database} on {base_url.split('@')[-1]}; work files in {workdir}")
    print(f"bench: {note_load(results, 'start')}")
    recreate_database(base_url, args.database)
    redis_server = RedisServer(workdir, args.redis_db)
    receiver = Receiver().start()
    worker = None
    try:
        redis_url = redis_server.start()
        print(f"bench: broker {redis_url}; ONS receiver {receiver.url}")
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bench_settings",
            DATABASE_URL=f"{base_url}/{args.database}",
            REDIS_URL=redis_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            ONS_WEBHOOK_URL=receiver.url,
            ONS_WEBHOOK_SECRET=WEBHOOK_SECRET,
            ONS_NOTIFY_EMAIL="",
            BENCH_MEDIA_ROOT=str(workdir / "private"),
            PYTHONPATH=os.pathsep.join([str(SCRIPTS), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            ),
        )
        os.environ.pop("CELERY_BROKER_URL", None)
        if args.conn_max_age is not None:
            os.environ["CONN_MAX_AGE"] = str(args.conn_max_age)
        if args.db_reuse_max is not None:
            os.environ["BENCH_DB_REUSE_MAX"] = str(args.db_reuse_max)
        import django

        django.setup()
        from django.core.management import call_command

        t0 = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"bench: migrated in {time.monotonic() - t0:.1f} s")
        results["machine"] = {**machine(), **server_versions()}

        # 6. known against unknown addresses, first: before any data or worker adds to the load.
        import bench_timing

        print(f"bench: timing sign-up and reset; {note_load(results, 'timing')}")
        timing = results["timing"] = bench_timing.measure()
        bench_timing.report(timing, print_table)
        if args.timing:
            results["elapsed_s"] = elapsed = time.monotonic() - clock
            load = note_load(results, "summary")
            print(f"\nSUMMARY: {bench_timing.summary(timing)} in {elapsed:.0f} s ({load})")
            if args.json:
                args.json.write_text(json.dumps(results, indent=2, default=str))
            return 0

        import bench_data

        actors = bench_data.ensure_actors()
        clients = signed_in_clients(actors)

        # 1. query counts at small and large sizes
        counts = {}
        for size in (args.small, args.large):
            t0 = time.monotonic()
            bench_data.grow(size, actors)
            bench_data.review_subject(max(1, size // 10), actors)
            counts[size] = query_counts(actors, clients)
            print(f"bench: {size} rows made and every page counted in {time.monotonic() - t0:.1f} s")
        rows = []
        equal = 0
        for name in counts[args.small]:
            (s1, q1), (s2, q2) = counts[args.small][name], counts[args.large][name]
            ok = q1 == q2 and s1 == s2 == 200
            equal += ok
            rows.append([name, s1, q1, q2, mark(ok)])
        print_table(
            f"1. Queries per page at {args.small} and {args.large:,} rows (detail pages: 1 and "
            f"{args.large // 10} team members, deposits, versions, queries, attachments; x panel votes)",
            ["page", "status", f"{args.small}", f"{args.large:,}", "equal"],
            rows,
        )
        results["queries"] = {
            name: {"small": counts[args.small][name][1], "large": counts[args.large][name][1]}
            for name in counts[args.small]
        }

        # 2. page times at 10,000 applications
        t0 = time.monotonic()
        bench_data.grow(args.applications, actors)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"\nbench: {args.applications:,} applications made in {time.monotonic() - t0:.1f} s")
        print(f"bench: timing pages; {note_load(results, 'pages')}")
        # One warm-up round: step 1 already requested these pages (the baselines are new).
        times = time_pages(clients, page_targets(), rounds=args.rounds, budget=45.0, warmups=1)
        admin = times["admin changelist"]["median_ms"]
        bare = times["bare ListView"]["median_ms"]
        rows, ratio_ok = [], True
        for name, figures in times.items():
            measured = name in ("panel queue", "staff applications")
            a, b = figures["median_ms"] / admin, figures["median_ms"] / bare
            if measured:
                ratio_ok &= a <= GOAL_ADMIN_RATIO and b <= GOAL_BARE_RATIO
            rows.append(
                [
                    name,
                    f"{figures['median_ms']:.1f}",
                    f"{figures['min_ms']:.1f}",
                    figures["n"],
                    f"{a:.2f}" + ("" if not measured else f" {mark(a <= GOAL_ADMIN_RATIO)}"),
                    f"{b:.2f}" + ("" if not measured else f" {mark(b <= GOAL_BARE_RATIO)}"),
                ]
            )
        print_table(
            f"2. Page times with {args.applications:,} applications (in-process test client; goals: "
            f"<= {GOAL_ADMIN_RATIO} of admin, <= {GOAL_BARE_RATIO} of bare list)",
            ["page", "median ms", "min ms", "n", "/ admin", "/ bare"],
            rows,
        )
        results["pages"] = times
        others = [(p.name, p.who, p.url) for p in pages(actors) if p.name not in times]
        # These pages were already requested in step 1, so no warm-up round (it saves a minute).
        other_times = time_pages(clients, others, rounds=3, budget=0.0, warmups=0)
        print_table(
            f"2b. Every other page with {args.applications:,} applications (median of 3; no goal: a page "
            "whose time grows with the rows while its query count does not fetches or renders every row)",
            ["page", "median ms", "/ bare"],
            [
                [name, f"{t['median_ms']:.1f}", f"{t['median_ms'] / bare:.2f}"]
                for name, t in other_times.items()
            ],
        )
        results["other_pages"] = other_times

        # 5a. memory of a web process rendering the lists
        child = subprocess.run(
            [sys.executable, __file__, "--child-memory"],
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"The memory child failed:\n{child.stderr[-3000:]}")
        memory = json.loads(child.stdout.strip().splitlines()[-1])
        results["web_memory"] = memory

        # 3 and 4. decisions to ONS with a live worker
        t0 = time.monotonic()
        pool = bench_data.decide_pool(args.latency + args.burst, actors)
        print(f"\nbench: {len(pool):,} applications awaiting the chair made in {time.monotonic() - t0:.1f} s")
        from archive_portal.celery import app as celery_app

        celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
        worker = Worker(dict(os.environ), workdir / "worker.log", args.concurrency)
        worker.start()
        print(f"bench: worker ready; {note_load(results, 'ons')}")
        hop = bare_hop(receiver, 50)  # warm the worker's processes and connections
        hop = bare_hop(receiver, args.latency)
        decision_latency(receiver, pool[:5], actors.chair)  # warm-up, not counted
        latencies, parts = decision_latency(receiver, pool[5 : args.latency], actors.chair)
        cost = delivery_cost([a.reference for a in pool[5 : args.latency]])
        results["delivery_cost_ms"] = cost
        hop50, hop95 = percentile(hop, 0.5), percentile(hop, 0.95)
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print_table(
            f"3. Commit to the receiver's 2xx (live worker, concurrency {args.concurrency}; one at a time)",
            ["path", "n", "p50 ms", "p95 ms", "max ms", "goal"],
            [
                [
                    "bare Celery hop (baseline)",
                    len(hop),
                    f"{hop50:.1f}",
                    f"{hop95:.1f}",
                    f"{max(hop):.1f}",
                    "",
                ],
                [
                    "decision -> ONS webhook",
                    len(latencies),
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{max(latencies):.1f}",
                    f"p50<={GOAL_P50_MS:.0f} {mark(p50 <= GOAL_P50_MS)}, "
                    f"p95<={GOAL_P95_MS:.0f} {mark(p95 <= GOAL_P95_MS)}",
                ],
                *[
                    [
                        label,
                        len(values),
                        f"{percentile(values, 0.5):.1f}",
                        f"{percentile(values, 0.95):.1f}",
                        f"{max(values):.1f}",
                        "",
                    ]
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
            "n": len(latencies),
        }

        hops = bare_burst(receiver, args.burst, threads=args.threads)
        results["bare_burst"] = hops
        with worker.sampling():
            result = burst(receiver, pool[args.latency :], actors.chair, threads=args.threads)
        from notifications.enums import OnsNotificationStatus
        from notifications.models import OnsNotification

        delivered_rows = OnsNotification.objects.filter(
            application__reference__in=[a.reference for a in pool[args.latency :]],
            status=OnsNotificationStatus.DELIVERED,
        ).count()
        result["delivered_rows"] = delivered_rows
        result["signature_rejected"] = receiver.rejected
        burst_ok = result["deliveries_per_s"] >= GOAL_BURST_RATE
        print_table(
            f"4. Burst: {result['decisions']:,} decisions committed by {result['threads']} threads",
            ["figure", "value", "goal"],
            [
                [
                    f"bare hops from {args.threads} threads, drained per second (baseline)",
                    f"{hops['per_s']:.0f}" + ("" if hops["complete"] else f" ({hops['received']} arrived)"),
                    "",
                ],
                ["commits per second", f"{result['commits_per_s']:.0f}", ""],
                [
                    "deliveries per second (start to last 2xx)",
                    f"{result['deliveries_per_s']:.0f}",
                    f">= {GOAL_BURST_RATE:.0f} {mark(burst_ok)}",
                ],
                [
                    "backlog left at the last commit, drained per second",
                    f"{result['backlog_at_last_commit']}, "
                    + (f"{result['backlog_drain_per_s']:.0f}/s" if result["backlog_drain_per_s"] else "-"),
                    "",
                ],
                ["received / distinct webhook-id", f"{result['received']} / {result['distinct']}", ""],
                ["duplicates", result["duplicates"], f"0 {mark(result['duplicates'] == 0)}"],
                ["lost", result["lost"], f"0 {mark(result['lost'] == 0)}"],
                ["rows delivered in the outbox", delivered_rows, ""],
                ["decisions refused (errors)", len(result["errors"]), ""],
                ["bad signatures at the receiver", receiver.rejected, ""],
            ],
        )
        for error in result["errors"][:5]:
            print(f"  error: {error}")
        result["errors"] = len(result["errors"])
        results["burst"] = result

        results["worker_memory"] = {
            "peak_process_kb": worker.peak_process_kb,
            "peak_total_kb": worker.peak_total_kb,
        }
        print_table(
            "5. Peak resident memory",
            ["process", "MB"],
            [
                ["web process at start (signed in, nothing rendered)", f"{memory['baseline_kb'] / 1024:.0f}"],
                *[
                    [
                        f"web process after rendering the {name} ({args.applications:,} rows)",
                        f"{memory[name]['peak_kb'] / 1024:.0f}",
                    ]
                    for name in ("panel queue", "staff applications", "bare ListView")
                ],
                ["worker, largest process during the burst", f"{worker.peak_process_kb / 1024:.0f}"],
                [
                    f"worker, all {args.concurrency + 1} processes together during the burst",
                    f"{worker.peak_total_kb / 1024:.0f}",
                ],
            ],
        )

        print(f"\nbench: {note_load(results, 'end')}")
        elapsed = time.monotonic() - clock
        results["elapsed_s"] = elapsed
        queue_a = times["panel queue"]["median_ms"] / admin
        staff_a = times["staff applications"]["median_ms"] / admin
        queue_b = times["panel queue"]["median_ms"] / bare
        staff_b = times["staff applications"]["median_ms"] / bare
        n_pages = len(counts[args.small])
        goals = [
            equal == n_pages,
            ratio_ok,
            p50 <= GOAL_P50_MS and p95 <= GOAL_P95_MS,
            burst_ok,
            result["duplicates"] == 0 and result["lost"] == 0,
            timing["ok"],
        ]
        web_peak = max(memory[n]["peak_kb"] for n in ("panel queue", "staff applications")) / 1024
        print(
            f"\nSUMMARY: queries equal {equal}/{n_pages} {mark(goals[0])}; "
            f"queue {queue_a:.2f}x admin {queue_b:.2f}x bare, "
            f"staff list {staff_a:.2f}x admin {staff_b:.2f}x bare {mark(goals[1])}; "
            f"decision->ONS p50 {p50:.1f} ms p95 {p95:.1f} ms {mark(goals[2])}; "
            f"burst {result['deliveries_per_s']:.0f}/s {mark(goals[3])}, "
            f"duplicates {result['duplicates']} lost {result['lost']} {mark(goals[4])}; "
            f"peak RSS web {web_peak:.0f} MB worker {worker.peak_total_kb / 1024:.0f} MB; "
            f"{bench_timing.summary(timing)}; "
            f"{sum(goals)}/{len(goals)} goals met in {elapsed / 60:.1f} min ({note_load(results, 'summary')})"
        )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not have started)
            pass
        if not args.keep:
            recreate_database(base_url, args.database, drop_only=True)
        redis_server.stop()


if __name__ == "__main__":
    sys.exit(main())
