"""The embedded default has no Celery beat: ``run_periodic_tasks`` runs CELERY_BEAT_SCHEDULE in
process, and ``scripts/run`` starts it beside the web server."""

import logging
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from applications.enums import ApplicationStatus
from archive_portal.periodic import periodic_task_run, periodic_tasks
from core.enums import QueuedEmailStatus
from core.models import QueuedEmail
from core.services import email_queue
from notifications.enums import OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.models import VoteReminder
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import UnderReviewApplicationFactory
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test
from tests.factories.panel import panel_member
from tests.factories.transparency import decided_application

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_runs_exactly_the_beat_schedule(settings, db):
    """A new entry in CELERY_BEAT_SCHEDULE runs in the embedded default too, without a second list."""
    assert [(t.name, t.task) for t in periodic_tasks()] == [
        (name, entry["task"]) for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items()
    ]
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "a-new-sweep": {"task": "core.tasks.queued_email_sweep_task", "schedule": 300.0},
    }
    out = StringIO()
    call_command("run_periodic_tasks", "--once", stdout=out)
    assert "a-new-sweep (every 0:05:00)" in out.getvalue()


def test_a_schedule_entry_naming_no_task_is_refused(settings):
    settings.CELERY_BEAT_SCHEDULE = {"typo": {"task": "panel.tasks.vote_reminder_task", "schedule": 60.0}}
    with pytest.raises(CommandError, match="vote_reminder_task"):
        call_command("run_periodic_tasks", "--once", stdout=StringIO())


@pytest.mark.django_db
def test_once_runs_every_scheduled_task_reminders_expiry_and_both_outbox_sweeps(settings, caplog):
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = "srs-access@ons.example.gov.uk"
    # A vote due in 20 hours from a member who has not voted: the one-day reminder is due.
    member = panel_member()
    reviewing = UnderReviewApplicationFactory(voting_deadline=timezone.now() + timedelta(hours=20))
    # An access period that ended yesterday: the application is marked and ONS told.
    ended = decided_application(access_end=timezone.localdate() - timedelta(days=1))
    # An email and an ONS notification whose dispatch was lost: the sweeps send them.
    email = email_queue(
        to=[ResearcherFactory().email],
        template="accounts/email_change_taken",
        context={"user": {"full_name": "A"}},
    )
    QueuedEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    lost = OnsNotification.objects.get(decision=decision_record_for_test(application=OnsApplicationFactory()))
    OnsNotification.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    with caplog.at_level(logging.INFO, logger="archive_portal.periodic"):
        call_command("run_periodic_tasks", "--once", stdout=StringIO())

    assert VoteReminder.objects.filter(application=reviewing, member=member).exists()
    assert QueuedEmail.objects.filter(topic="panel/vote_reminder", to=[member.email]).exists()
    ended.refresh_from_db()
    assert ended.status == ApplicationStatus.ACCESS_ENDED
    assert OnsNotification.objects.filter(application=ended, event_type=OnsEventType.EXPIRED).exists()
    email.refresh_from_db()
    assert email.status == QueuedEmailStatus.SENT
    lost.refresh_from_db()
    assert lost.status == OnsNotificationStatus.DELIVERED
    ran = {r.getMessage().split()[2] for r in caplog.records if r.getMessage().endswith(" ran")}
    assert ran == set(django_settings.CELERY_BEAT_SCHEDULE)


@pytest.mark.django_db
def test_a_task_that_ran_waits_for_its_interval():
    sweep = next(t for t in periodic_tasks() if t.name == "queued-email-sweep")
    assert sweep.seconds_until_due() == 0
    assert periodic_task_run(periodic=sweep)
    assert 0 < sweep.seconds_until_due() <= 60


def _run_script(tmp_path, *args, **env):
    """scripts/run from a copy of the scripts folder (no .env beside it unless the test writes one)."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "run"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_scripts_run_points_links_at_the_port_it_serves(tmp_path):
    assert _run_script(tmp_path, "--print-env", PORT="8101")["SITE_URL"] == "http://127.0.0.1:8101"


def test_scripts_run_keeps_a_site_url_that_is_set(tmp_path):
    assert _run_script(tmp_path, "--print-env")["SITE_URL"] == "http://127.0.0.1:8000"
    given = _run_script(tmp_path / "a", "--print-env", PORT="8101", SITE_URL="https://portal.example.org")
    assert given["SITE_URL"] == "https://portal.example.org"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / ".env").write_text("SITE_URL=https://from-dotenv.example.org\n")
    assert _run_script(tmp_path / "b", "--print-env", PORT="8101")["SITE_URL"] == ""  # .env then decides


SQLITE_RACE = textwrap.dedent(
    """
    import threading
    import django
    from django.db import connection, transaction

    django.setup()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS race (who TEXT)")
    connection.close()
    read = {"a": threading.Event(), "b": threading.Event()}
    errors = []

    def write(me, other):
        from django.db import connection

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM race")  # a read first, as services do
                read[me].set()
                read[other].wait(timeout=1)
                cursor.execute("INSERT INTO race VALUES (%s)", [me])
        except Exception as exc:
            errors.append(f"{me}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM race")
        print(cursor.fetchone()[0], errors)
    """
)


def test_two_writers_on_the_embedded_sqlite_wait_for_each_other(tmp_path):
    """The web server and run_periodic_tasks both write the SQLite file: a transaction that read and
    then writes must wait for the other, not fail with "database is locked"."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "archive_portal.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_RACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["2", "[]\n"]
