"""The Celery application. Workers and beat load the same settings module as the web process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_portal.settings.dev")

app = Celery("archive_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
