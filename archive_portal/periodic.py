"""The periodic tasks (settings.CELERY_BEAT_SCHEDULE) run in-process, for the embedded default where
no Celery beat or worker runs. ``manage.py run_periodic_tasks`` drives it; with a broker, Celery beat
reads the same schedule."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from celery.schedules import maybe_schedule, schedule
from django.conf import settings
from django.utils import timezone

from .celery import app

logger = logging.getLogger(__name__)


@dataclass
class PeriodicTask:
    """One entry of the beat schedule and when it last ran in this process."""

    name: str
    task: str
    schedule: schedule
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    last_run_at: datetime | None = None

    def __str__(self) -> str:
        every = getattr(self.schedule, "run_every", None)
        return f"{self.name} (every {every})" if every is not None else f"{self.name} ({self.schedule})"

    def seconds_until_due(self) -> float:
        if self.last_run_at is None:
            return 0.0
        is_due, next_check = self.schedule.is_due(self.last_run_at)
        return 0.0 if is_due else max(0.0, float(next_check))


def periodic_tasks() -> list[PeriodicTask]:
    """Every entry of settings.CELERY_BEAT_SCHEDULE, in its order."""
    app.autodiscover_tasks(force=True)  # import every app's tasks.py now: each task registers itself
    tasks = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"] not in app.tasks:
            raise LookupError(f"The beat schedule's {name!r} names {entry['task']!r}, which is no task.")
        tasks.append(
            PeriodicTask(
                name=name,
                task=entry["task"],
                schedule=maybe_schedule(entry["schedule"], app=app),
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
        )
    return tasks


def periodic_task_run(*, periodic: PeriodicTask) -> bool:
    """Run one task here and now (Celery's ``apply``: in this process, no broker). An error is logged
    and the task runs again at its next time; returns whether it succeeded."""
    periodic.last_run_at = timezone.now()
    result = app.tasks[periodic.task].apply(args=periodic.args, kwargs=periodic.kwargs)
    if result.failed():
        logger.error("periodic task %s (%s) failed:\n%s", periodic.name, periodic.task, result.traceback)
        return False
    logger.info("periodic task %s (%s) ran", periodic.name, periodic.task)
    return True
