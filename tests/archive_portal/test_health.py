import pytest
from django.db import connection
from django.urls import reverse

from core.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    Heartbeat.objects.all().delete()  # a fresh install: the scheduler has not run yet
    settings.CELERY_TASK_ALWAYS_EAGER = False  # ask the real Redis broker
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "scheduler": "not yet run"}


def test_healthz_says_when_the_broker_is_unreachable(client, settings):
    from archive_portal.celery import app

    Heartbeat.objects.all().delete()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    # The database connection itself is made to fail; the view's own code runs unchanged.
    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
