"""Issue 16, acceptance 1 to 4, end to end with the production defaults of the ONS settings (a 30 s
timeout, the 5 s / 5 min / 30 min ... retry table, a 10 s probe, a 5 s sweep): two real ``celery
worker`` processes, one taking only the "ons" queue and one the "email" and "housekeeping" queues,
as docker-compose.yml runs them; a real ``celery beat``; a private Redis database; the local
receiver that verifies every signature; the SMTP sink. Nothing under test is patched.

The figures each test measures are printed (``-s`` shows them)."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.enums import MemberRole
from applications.services import application_member_invite
from core.models import Heartbeat, QueuedEmail
from notifications.enums import OnsAttemptOutcome, OnsNotificationStatus
from notifications.models import OnsDeliveryAttempt, OnsIncident, OnsNotification
from notifications.selectors import SCHEDULER_HEARTBEAT
from tests.celery_support import (
    WEBHOOK_SECRET,
    Beat,
    Worker,
    publishing_to_workers,
    server_database_url,
    wait_for,
    worker_environment,
)
from tests.factories.applications import ApplicationFactory
from tests.factories.notifications import (
    OnsApplicationFactory,
    OnsDepositFactory,
    decision_record_for_test,
    decisions_recorded_in_threads,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.xdist_group("celery_worker")]
Status = OnsNotificationStatus

#: Only the signing secret differs from production: every timing is the default.
PRODUCTION_ONS_ENV = {"ONS_WEBHOOK_SECRET": WEBHOOK_SECRET}


@pytest.fixture(scope="module")
def production_processes(django_db_setup, django_db_blocker, private_redis, smtp_sink, tmp_path_factory):
    """The "ons" worker, the "email"+"housekeeping" worker and beat, on Redis database 1, for this
    module only: once they stop, the heartbeat beat last wrote is removed, so no later test of
    /healthz meets a scheduler that stopped with this module."""
    broker = private_redis.url.rsplit("/", 1)[0] + "/1"
    env = worker_environment(
        database_url=server_database_url(), redis_url=broker, smtp_port=smtp_sink.port, ons=PRODUCTION_ONS_ENV
    )
    logs = tmp_path_factory.mktemp("production-workers")
    processes = {
        "ons": Worker(env, logs, queues=("ons",), name="ons", concurrency=2),
        "email": Worker(env, logs, queues=("email", "housekeeping"), name="email", concurrency=1),
        "beat": Beat(env, logs),
    }
    processes["broker"] = broker
    yield processes
    for name in ("beat", "ons", "email"):
        processes[name].stop()
    with django_db_blocker.unblock():
        Heartbeat.objects.all().delete()


@pytest.fixture
def stack(production_processes, private_redis, receiver, smtp_sink, settings, transactional_db):
    with publishing_to_workers(
        broker_url=production_processes["broker"],
        processes=[production_processes[name] for name in ("ons", "email", "beat")],
        private_redis=private_redis,
        smtp_sink=smtp_sink,
        receiver=receiver,
        settings=settings,
    ):
        yield production_processes


def test_acceptance_1_ons_down_for_two_minutes_during_100_decisions_all_arrive_within_30_s_of_its_return(
    stack, receiver
):
    receiver.down = True
    deposit = OnsDepositFactory()
    decisions_recorded_in_threads([OnsApplicationFactory(team=False, deposits=[deposit]) for _ in range(100)])
    ids = {n.webhook_id for n in OnsNotification.objects.all()}
    assert len(ids) == 100
    # Every row fails at once and again 5 s later, and then waits out the table's 5 minutes.
    wait_for(
        lambda: OnsNotification.objects.filter(attempts__gte=2, status=Status.PENDING).count() == 100,
        timeout=60,
        message="every notification to have failed twice",
    )
    waits = OnsNotification.objects.values_list("next_attempt_at", flat=True)
    assert min(waits) > timezone.now() + timedelta(minutes=2)  # none would be tried again in time
    outage_ends = time.monotonic() + 120 - 10
    while time.monotonic() < outage_ends:
        time.sleep(1)
    receiver.down = False
    back = time.perf_counter()
    assert receiver.wait(
        lambda: {d.webhook_id for d in receiver.deliveries if d.answered == 200} >= ids, timeout=60
    ), "not every notification arrived within a minute of ONS coming back"
    delivered = sorted(d.at for d in receiver.deliveries if d.answered == 200)
    recovery = delivered[-1] - back
    duplicates = len(delivered) - len(ids)
    print(
        f"ONS down 2 min, 100 decisions: the last arrived {recovery:.1f} s after ONS came back "
        f"(first {delivered[0] - back:.1f} s), {duplicates} repeats, "
        f"{len(receiver.deliveries)} requests, 0 lost"
    )
    assert recovery <= 30
    assert duplicates == 0
    wait_for(
        lambda: OnsNotification.objects.filter(status=Status.DELIVERED).count() == 100,
        timeout=10,
        message="the last results to be recorded",
    )


def test_acceptance_2_an_answer_after_29_s_is_waited_for_and_not_sent_twice(
    stack, receiver, client_for, staff
):
    receiver.delay = 29
    decision = decision_record_for_test(application=OnsApplicationFactory())
    notification = OnsNotification.objects.get(decision=decision)
    wait_for(
        lambda: OnsNotification.objects.get(pk=notification.pk).status == Status.DELIVERED,
        timeout=90,
        message="the slow delivery to be recorded",
    )
    receiver.delay = 0
    time.sleep(12)  # two more sweeps: room for a repeat, were there one
    copies = [d for d in receiver.deliveries if d.webhook_id == notification.webhook_id]
    attempt = OnsDeliveryAttempt.objects.get(notification=notification)
    print(f"ONS answering after 29 s: {len(copies)} copy, attempt took {attempt.duration_ms} ms")
    assert len(copies) == 1
    assert attempt.outcome == OnsAttemptOutcome.DELIVERED
    assert attempt.duration_ms >= 29_000


def _team_email_seconds(smtp_sink, address: str) -> float:
    """How long a team email (an invitation to join an application) takes from its commit to the
    SMTP sink, through the email worker."""
    draft = ApplicationFactory()
    application_member_invite(application=draft, actor=draft.lead, email=address, role=MemberRole.RESEARCHER)
    queued = time.perf_counter()  # committed: the send task is on its way
    wait_for(lambda: smtp_sink.to(address), timeout=30, message="the team's email")
    return time.perf_counter() - queued


def test_acceptance_3_a_slow_ons_does_not_delay_the_teams_email(stack, receiver, smtp_sink):
    idle = _team_email_seconds(smtp_sink, "first.colleague@example.org")
    receiver.delay = 5
    deposit = OnsDepositFactory()
    for application in [OnsApplicationFactory(team=False, deposits=[deposit]) for _ in range(6)]:
        decision_record_for_test(application=application)
    wait_for(_sending, message="ONS to be busy")
    busy_ons = _team_email_seconds(smtp_sink, "new.colleague@example.org")
    waiting = OnsNotification.objects.exclude(status=Status.DELIVERED).count()
    print(
        f"ONS taking 5 s a request, {waiting} of 6 still waiting: the team's email took {busy_ons:.2f} s "
        f"(with ONS idle: {idle:.2f} s), delayed by {busy_ons - idle:.2f} s"
    )
    assert waiting > 0  # ONS was still busy when the email went
    assert busy_ons - idle <= 5
    receiver.delay = 0


def _sending() -> bool:
    return OnsNotification.objects.filter(status=Status.SENDING).exists()


def test_acceptance_4_beat_stopped_healthz_says_so_and_a_long_wait_raises_one_banner_and_one_email(
    stack, client, client_for, staff, smtp_sink
):
    wait_for(lambda: Heartbeat.objects.filter(name=SCHEDULER_HEARTBEAT).exists(), message="beat's heartbeat")
    assert client.get(reverse("healthz")).json()["scheduler"] == "ok"
    stack["beat"].stop()
    # A row whose dispatch was lost 11 minutes ago (recorded then; the broker never had it), and
    # 4 minutes without the scheduler (its last heartbeat then).
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    wait_for(lambda: OnsNotification.objects.filter(status=Status.DELIVERED).exists(), message="delivery")
    OnsNotification.objects.update(
        status=Status.PENDING,
        created_at=eleven_minutes_ago,
        next_attempt_at=eleven_minutes_ago,
        delivered_at=None,
    )
    Heartbeat.objects.filter(name=SCHEDULER_HEARTBEAT).update(beat_at=timezone.now() - timedelta(minutes=4))
    for _ in range(3):  # monitoring asks every 30 s: each answer says so, only the first emails
        response = client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json()["scheduler"] == "stale"
        assert response.json()["status"] == "degraded"
    page = client_for(staff).get("/").content.decode()
    assert page.count('id="ons-scheduler-banner"') == 1
    assert page.count('id="ons-delayed-banner"') == 1
    alerts = wait_for(
        lambda: smtp_sink.to("archive-staff@example.org"), timeout=30, message="the staff email"
    )
    time.sleep(2)
    alerts = smtp_sink.to("archive-staff@example.org")
    assert len(alerts) == 1
    assert "scheduler" in alerts[0]["Subject"]
    assert OnsIncident.objects.filter(closed_at__isnull=True).count() == 1
    assert QueuedEmail.objects.filter(topic="notifications/ons_incident_opened").count() == 1
    stack["beat"].start()
