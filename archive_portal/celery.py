"""The Celery application. Workers and beat load the same settings module as the web process."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_portal.settings.dev")

app = Celery("archive_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **kwargs) -> None:
    """Keep the worker's connection between tasks (CELERY_DB_REUSE_MAX), but drop it when it broke
    or outlived CONN_MAX_AGE, as Django does around each web request. A task run in-process (eager:
    the demo, the tests) shares the caller's connection and transaction: leave it alone."""
    from django.db import close_old_connections  # inline: this module loads before Django is set up

    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
