"""Run settings.CELERY_BEAT_SCHEDULE in this process: the scheduler of the embedded default (SQLite,
tasks in-process), where no Celery beat runs. ``scripts/run`` starts it beside the web server."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive_portal.periodic import periodic_task_run, periodic_tasks

#: The loop wakes at least this often (seconds), so it notices a stop promptly.
LONGEST_SLEEP = 5.0


class Command(BaseCommand):
    help = (
        "Run the periodic tasks (vote reminders, access periods, the email and ONS outbox sweeps) at "
        "their intervals in this process, logging each run. For the embedded default (no broker); "
        "with a broker, Celery beat runs them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every periodic task once, then exit.")

    def handle(self, *args, once: bool = False, **options):
        try:
            tasks = periodic_tasks()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not once and not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("A Celery broker is configured: Celery beat runs the periodic tasks. Exiting.")
            return
        self.stdout.write("Running the periodic tasks: " + ", ".join(str(t) for t in tasks))
        while True:
            for periodic in tasks:
                if periodic.seconds_until_due() == 0:
                    periodic_task_run(periodic=periodic)
            if once:
                return
            time.sleep(min([LONGEST_SLEEP, *(t.seconds_until_due() for t in tasks)]))
