"""Fixtures for tests that need the real asynchronous machinery (the ONS notification tests and the
browser journeys): a real local webhook receiver that verifies Standard Webhooks signatures, an SMTP
sink (aiosmtpd), a private Redis server the tests may stop and start, and a real ``celery worker``
subprocess on the test database (the one pytest-django's live server also serves)."""

import asyncio
import base64
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

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"ons-test-secret-0123456789abcdef").decode()

#: What the worker runs with: a short lease and a short retry schedule, so retries take a second.
WORKER_ONS_ENV = {
    "ONS_WEBHOOK_SECRET": WEBHOOK_SECRET,
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


@dataclass
class Receiver:
    """A local HTTP server standing in for ONS. ``script`` is the list of status codes to answer
    next (then 200); with ``hold_next`` the next request waits until ``release`` is set."""

    url: str = ""
    secret: str = WEBHOOK_SECRET
    script: list[int] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    hold_next: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_for(self) -> tuple[int, bool]:
        with self.lock:
            hold, self.hold_next = self.hold_next, False
            return (self.script.pop(0) if self.script else 200), hold

    @property
    def ids(self) -> list[str]:
        with self.lock:
            return [d.webhook_id for d in self.deliveries]

    def for_reference(self, reference: str) -> list[Delivery]:
        with self.lock:
            return [
                d
                for d in self.deliveries
                if d.payload and d.payload["data"]["application_reference"] == reference
            ]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                payload = Webhook(state.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                payload, verified = None, False
            status, hold = state.answer_for()
            if not verified:
                status = 401
            if hold:
                state.holding.set()
                state.release.wait(20)
            with state.lock:
                state.deliveries.append(
                    Delivery(headers.get("webhook-id", ""), headers, body, payload, verified, status)
                )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/ons/webhook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


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
    def __init__(self, directory: Path):
        self.port = free_port()
        self.dir = directory
        self.pidfile = directory / "redis.pid"
        self.url = f"redis://127.0.0.1:{self.port}/0"

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


class Worker:
    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,  # the interpreter running the tests, wherever its venv lives
                "-m",
                "celery",
                "-A",
                "archive_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"ons-test-{os.getpid()}-{self.starts}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the pool children too
        )
        wait_for(
            lambda: b" ready." in log.read_bytes() or self.process.poll() is not None,
            timeout=60,
            message="the worker to be ready",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"The worker exited:\n{log.read_text()[-3000:]}")

    def kill(self):
        """SIGKILL the worker and its pool processes at once (no warm shutdown, no acks)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, private_redis, smtp_sink, tmp_path_factory):
    from django.db import connection

    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "STAFF_ALERT_EMAIL": "archive-staff@example.org",
        "PYTHONPATH": str(ROOT),
        **WORKER_ONS_ENV,
    }
    env.pop("CELERY_BROKER_URL", None)
    worker = Worker(env, tmp_path_factory.mktemp("worker"))
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def live_celery(celery_worker_process, private_redis, smtp_sink, receiver, settings, transactional_db):
    """The test process publishes to the worker's broker (no eager tasks) and tells ONS at the
    receiver; each test starts with an empty queue and an empty mailbox."""
    from archive_portal.celery import app

    if not private_redis.ping():
        private_redis.start()
    private_redis.flush()
    celery_worker_process.ensure_running()
    smtp_sink.clear()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=private_redis.url, task_always_eager=False)
    _reset_broker_pool(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ONS_WEBHOOK_URL = receiver.url
    settings.ONS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ONS_NOTIFY_EMAIL = ""
    settings.STAFF_ALERT_EMAIL = "archive-staff@example.org"
    yield celery_worker_process
    _reset_broker_pool(app)
    app.conf.update(saved)


def _reset_broker_pool(app):
    """Forget the app's pooled broker connections so the next publish uses the current broker_url
    (kombu keeps its shared pools per URL; they are not closed, so a later test can reuse them)."""
    app._pool = None
    app.amqp._producer_pool = None


def notification_payload(delivery: Delivery) -> dict:
    return json.loads(delivery.body)
