"""The worker fixtures start Celery from the interpreter running the tests, so the suite works from a
virtual environment anywhere, not only from <checkout>/.venv (they used to run .venv/bin/celery)."""

import pytest

from tests import celery_support

pytestmark = [pytest.mark.celery_worker, pytest.mark.xdist_group("celery_worker")]


def test_worker_starts_from_a_checkout_without_a_venv_inside(celery_worker_process, tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    assert not (checkout / ".venv").exists()
    monkeypatch.setattr(celery_support, "ROOT", checkout)
    worker = celery_support.Worker(celery_worker_process.env, tmp_path)
    try:
        worker.start()  # raises when the worker cannot start or exits before it is ready
        assert worker.process.poll() is None
        assert b" ready." in worker.log.read_bytes()
    finally:
        worker.stop()
