"""Fixtures for tests that need the real asynchronous machinery (the ONS notification tests and the
browser journeys): a real local webhook receiver that verifies Standard Webhooks signatures, an SMTP
sink (aiosmtpd), a private Redis server the tests may stop and start, and a real ``celery worker``
subprocess on the test database (the one pytest-django's live server also serves).

scripts/bench uses the same receiver, worker and private Redis outside pytest, with its own options
(a 204 answer and keep-alive, arrival times, a ping path for the bare Celery hop, N worker processes
with an extra task module, a Redis database number)."""

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.standard_webhooks_v1a import V1aVerificationError, v1a_verify

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"ons-test-secret-0123456789abcdef").decode()

#: What the worker runs with: a short lease and a short retry schedule, so retries take a second.
WORKER_ONS_ENV = {
    "ONS_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "ONS_WEBHOOK_CONNECT_TIMEOUT": "1",
    "ONS_WEBHOOK_TIMEOUT": "2",
    "ONS_LEASE_SECONDS": "3",
    "ONS_RETRY_DELAYS": "0.3,0.3,0.3,0.3,0.3,0.3,0.3",
    "ONS_RETRY_JITTER": "0.1",
    "ONS_SWEEP_GRACE_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {message}.")


# --- The ONS webhook receiver --------------------------------------------------------------------


@dataclass
class Delivery:
    webhook_id: str
    headers: dict
    body: bytes
    payload: dict | None
    verified: bool
    answered: int
    at: float = 0.0  # time.perf_counter() just before the answer went out
    v1a_kid: str | None = None  # the key whose v1a signature verified (a receiver given a JWK set)

    @property
    def reference(self) -> str | None:
        return self.payload["data"]["application_reference"] if self.payload else None


@dataclass
class Receiver:
    """A local HTTP server standing in for ONS. ``script`` is the list of status codes to answer
    next (then ``ok_status``); with ``hold_next`` the next request waits until ``release`` is set.
    A delivery whose Standard Webhooks signature does not verify is answered 401. Given a JWK set
    (``jwks``), the receiver also demands a ``v1a`` signature by one of its keys (checked by the
    independent verifier of tests/standard_webhooks_v1a.py); by default it checks ``v1`` alone.

    For scripts/bench: ``keep_alive`` speaks HTTP/1.1 with persistent connections (as the notifier's
    ``requests.Session`` expects), ``wait`` blocks until a predicate over what arrived holds, and
    unsigned POSTs to ``ping_url`` carrying a ``ping-token`` header note only their arrival time in
    ``pings`` (the bare Celery hop the benchmark compares a delivery with)."""

    url: str = ""
    secret: str = WEBHOOK_SECRET
    script: list[int] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    hold_next: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ok_status: int = 200
    #: While set, every delivery is answered 503 (ONS down behind its load balancer).
    down: bool = False
    #: Seconds every signed delivery waits before it is answered (a slow ONS).
    delay: float = 0.0
    #: What an answer that is not 2xx says (its body), and headers every answer carries (Retry-After).
    error_body: bytes = b""
    answer_headers: dict = field(default_factory=dict)
    keep_alive: bool = False
    ping_url: str = ""
    pings: dict[str, float] = field(default_factory=dict)
    jwks: dict | None = None
    arrived: threading.Condition = field(init=False)

    def __post_init__(self):
        self.arrived = threading.Condition(self.lock)

    def answer_for(self) -> tuple[int, bool]:
        with self.lock:
            hold, self.hold_next = self.hold_next, False
            return (self.script.pop(0) if self.script else self.ok_status), hold

    @property
    def receipts(self) -> list[Delivery]:
        """The deliveries whose signature verified, in order of arrival."""
        with self.lock:
            return [d for d in self.deliveries if d.verified]

    @property
    def rejected(self) -> int:
        with self.lock:
            return sum(not d.verified for d in self.deliveries)

    def received_for(self, reference: str) -> float | None:
        """When the last verified delivery for this application arrived (perf_counter), or None."""
        with self.lock:
            for delivery in reversed(self.deliveries):
                if delivery.verified and delivery.reference == reference:
                    return delivery.at
        return None

    def wait(self, predicate, timeout: float) -> bool:
        """Block until ``predicate()`` holds (checked at each arrival) or ``timeout`` seconds pass."""
        with self.arrived:
            return self.arrived.wait_for(predicate, timeout)

    @property
    def ids(self) -> list[str]:
        with self.lock:
            return [d.webhook_id for d in self.deliveries]

    def for_reference(self, reference: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.reference == reference]

    def start(self) -> "Receiver":
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if state.keep_alive else "HTTP/1.0"

            def do_POST(self):
                state.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{port}/ons/webhook"
        self.ping_url = f"http://127.0.0.1:{port}/ping"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        # Each arrival is noted just before its answer goes out, so a client that has its answer
        # always finds it noted.
        if request.path == "/ping" and "ping-token" in request.headers:
            with self.arrived:
                self.pings[request.headers["ping-token"]] = time.perf_counter()
                self.arrived.notify_all()
            _answer(request, 204)
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            payload = Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            payload, verified = None, False
        v1a_kid = None
        if verified and self.jwks is not None:
            try:
                v1a_kid = v1a_verify(body=body, headers=headers, jwks=self.jwks)
            except V1aVerificationError:
                payload, verified = None, False
        status, hold = self.answer_for()
        if self.down:
            status = 503
        if not verified:
            status = 401
        if hold:
            self.holding.set()
            self.release.wait(20)
        if self.delay and verified:
            time.sleep(self.delay)
        with self.arrived:
            self.deliveries.append(
                Delivery(
                    headers.get("webhook-id", ""),
                    headers,
                    body,
                    payload,
                    verified,
                    status,
                    time.perf_counter(),
                    v1a_kid,
                )
            )
            self.arrived.notify_all()
        body = self.error_body if status >= 400 else b""
        _answer(request, status, body=body, headers=self.answer_headers)


def _answer(
    request: BaseHTTPRequestHandler, status: int, *, body: bytes = b"", headers: dict | None = None
) -> None:
    request.send_response(status)
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body:
        request.wfile.write(body)
    request.wfile.flush()


@pytest.fixture
def receiver():
    state = Receiver().start()
    yield state
    state.stop()


# --- The SMTP sink -------------------------------------------------------------------------------


class SmtpSink:
    """A local SMTP relay that keeps what it accepts. ``script`` is the list of answers to the next
    messages' DATA (e.g. ``"451 4.3.0 Try again later"``; then ``250 OK``): a refused message is not
    kept. With ``hold_next`` the next message waits (without blocking the relay's other sessions)
    until ``release`` is set; ``holding`` is set once it waits."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.script: list[str] = []
        self.hold_next = False
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            answer = self.script.pop(0) if self.script else "250 OK"
            hold, self.hold_next = self.hold_next, False
        if hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 20)
        if not answer.startswith("250"):
            return answer
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return answer

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.script.clear()
            self.hold_next = False
        self.holding.clear()
        self.release.clear()


@pytest.fixture(scope="session")
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


# --- A private Redis server (the tests stop and restart it) ------------------------------------


class PrivateRedis:
    """A redis-server of its own on a free port, keeping nothing on disk; ``url`` names database
    ``db`` (0 for the tests; scripts/bench uses its own number)."""

    def __init__(self, directory: Path, *, db: int = 0):
        self.port = free_port()
        self.dir = directory
        self.pidfile = directory / "redis.pid"
        self.url = f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        subprocess.run(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.dir),
            ],
            check=True,
            capture_output=True,
        )
        wait_for(self.ping, timeout=10, message="the private Redis to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        """Stop this server (only the one these tests started, by its own pid)."""
        if not self.pidfile.exists():
            return
        pid = int(self.pidfile.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        wait_for(lambda: not self.ping() and not _alive(pid), timeout=10, message="Redis to stop")

    def flush(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory):
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


# --- The Celery worker -----------------------------------------------------------------------------


class _Subprocess:
    """What the worker and beat share: a process group of their own, stopped warm then hard."""

    process: subprocess.Popen | None

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def ensure_running(self):
        if self.process is None or self.process.poll() is not None:
            self.start()


class Worker(_Subprocess):
    """A real ``celery worker`` subprocess (prefork) with ``env``, logging to ``log_dir``, taking
    ``queues`` (all three by default, as one small install would). The tests run 2 processes;
    scripts/bench chooses ``concurrency``, loads its baseline task module with ``include`` and names
    its worker ``name``."""

    def __init__(
        self,
        env: dict,
        log_dir: Path,
        *,
        concurrency: int = 2,
        include: tuple[str, ...] = (),
        name: str = "ons-test",
        ready_timeout: float = 60,
        queues: tuple[str, ...] = ("ons", "email", "housekeeping"),
    ):
        self.env = env
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.include = include
        self.name = name
        self.ready_timeout = ready_timeout
        self.queues = queues
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        return [
            sys.executable,  # the interpreter running the tests, wherever its venv lives
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
            f"--queues={','.join(self.queues)}",
            "-n",
            f"{self.name}-{os.getpid()}-{self.starts}@%h",
            *(f"--include={module}" for module in self.include),
        ]

    def start(self):
        self.starts += 1
        log = self.log_dir / f"{self.name}-{self.starts}.log"
        self.log = log
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the pool children too
        )
        wait_for(
            lambda: b" ready." in log.read_bytes() or self.process.poll() is not None,
            timeout=self.ready_timeout,
            message="the worker to be ready",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"The worker exited:\n{log.read_text()[-3000:]}")

    def kill(self):
        """SIGKILL the worker and its pool processes at once (no warm shutdown, no acks)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Beat(_Subprocess):
    """A real ``celery beat`` subprocess with ``env``: it sends the schedule's tasks to the broker
    (the ONS sweep every ONS_SWEEP_SECONDS), as in production."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = self.log_dir / f"beat-{self.starts}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "archive_portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.log_dir / f'beat-schedule-{self.starts}'}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: b"Starting..." in log.read_bytes() or self.process.poll() is not None,
            timeout=60,
            message="beat to start",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"Beat exited:\n{log.read_text()[-3000:]}")


def worker_environment(*, database_url: str, redis_url: str, smtp_port: int, ons: dict) -> dict:
    """The environment of a worker (or beat) on the test database: the test settings with email to
    the SMTP sink, the given broker and the given ONS settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "STAFF_ALERT_EMAIL": "archive-staff@example.org",
        "PYTHONPATH": str(ROOT),
        **ons,
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


def server_database_url() -> str:
    """The URL of the PostgreSQL test database pytest created, for a process of its own (a worker,
    beat, a production server); the caller needs ``transactional_db`` for it to see what the test
    wrote."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    user = quote(db["USER"] or "postgres", safe="")
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, private_redis, smtp_sink, tmp_path_factory):
    env = worker_environment(
        database_url=server_database_url(),
        redis_url=private_redis.url,
        smtp_port=smtp_sink.port,
        ons=WORKER_ONS_ENV,
    )
    worker = Worker(env, tmp_path_factory.mktemp("worker"))
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def live_celery(celery_worker_process, private_redis, smtp_sink, receiver, settings, transactional_db):
    """The test process publishes to the worker's broker (no eager tasks) and tells ONS at the
    receiver; each test starts with an empty queue and an empty mailbox."""
    with publishing_to_workers(
        broker_url=private_redis.url,
        processes=[celery_worker_process],
        private_redis=private_redis,
        smtp_sink=smtp_sink,
        receiver=receiver,
        settings=settings,
    ):
        yield celery_worker_process


@contextlib.contextmanager
def publishing_to_workers(*, broker_url: str, processes, private_redis, smtp_sink, receiver, settings):
    """The test process as the web process of a real stack: it publishes to ``broker_url`` (no
    eager tasks) for ``processes`` (started again if one stopped) and tells ONS at the receiver;
    the queue and the mailbox start empty. The broker settings are put back afterwards."""
    from archive_portal.celery import app

    if not private_redis.ping():
        private_redis.start()
    private_redis.flush()
    for process in processes:
        process.ensure_running()
    smtp_sink.clear()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    reset_broker_pool(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = ""
    settings.STAFF_ALERT_EMAIL = "archive-staff@example.org"
    try:
        yield
    finally:
        reset_broker_pool(app)
        app.conf.update(saved)


def reset_broker_pool(app):
    """Forget the app's pooled broker connections so the next publish uses the current broker_url
    (kombu keeps its shared pools per URL; they are not closed, so a later test can reuse them)."""
    app._pool = None
    app.amqp._producer_pool = None


def notification_payload(delivery: Delivery) -> dict:
    return json.loads(delivery.body)
