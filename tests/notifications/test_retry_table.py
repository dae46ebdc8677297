"""The retry table, one rule at a time, without a task or a network."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import requests

from notifications.enums import OnsAttemptOutcome
from notifications.models import OnsNotification
from notifications.services import (
    _NotConfigured,
    ons_attempt_outcome,
    ons_next_attempt,
    ons_retry_after_seconds,
    ons_retry_delay,
    ons_retry_window,
)

DELIVERED, RETRY, FAILED = OnsAttemptOutcome.DELIVERED, OnsAttemptOutcome.RETRY, OnsAttemptOutcome.FAILED


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_2xx_is_delivered(status):
    assert ons_attempt_outcome(status_code=status) == DELIVERED


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(status):
    assert ons_attempt_outcome(status_code=status) == RETRY


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_5xx_is_retried(status):
    assert ons_attempt_outcome(status_code=status) == RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 422, 451])
def test_other_4xx_fails_at_once(status):
    assert ons_attempt_outcome(status_code=status) == FAILED


def test_410_gone_disables_the_endpoint():
    assert ons_attempt_outcome(status_code=410) == OnsAttemptOutcome.ENDPOINT_GONE


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_fails_at_once(status):
    assert ons_attempt_outcome(status_code=status) == FAILED


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectTimeout("t"),
        requests.exceptions.ReadTimeout("t"),
        requests.exceptions.Timeout(),
    ],
)
def test_timeouts_are_retried(error):
    assert ons_attempt_outcome(error=error) == RETRY


@pytest.mark.parametrize(
    "error", [requests.exceptions.ConnectionError("refused"), ConnectionResetError(), OSError("smtp down")]
)
def test_connection_errors_are_retried(error):
    assert ons_attempt_outcome(error=error) == RETRY


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.MissingSchema("no scheme"),
        requests.exceptions.InvalidURL("bad"),
        requests.exceptions.InvalidSchema("ftp"),
        _NotConfigured("no secret"),
    ],
)
def test_configuration_errors_fail_at_once(error):
    assert ons_attempt_outcome(error=error) == FAILED


def test_default_schedule_is_about_5s_5min_30min_2h_5h_10h_10h(settings):
    settings.ONS_RETRY_JITTER = 0
    delays = [ons_retry_delay(failures=n).total_seconds() for n in range(1, 8)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 36000]


def test_past_the_table_its_last_delay_repeats(settings):
    settings.ONS_RETRY_JITTER = 0
    last = settings.ONS_RETRY_DELAYS[-1]
    assert ons_retry_delay(failures=len(settings.ONS_RETRY_DELAYS) + 5).total_seconds() == last


def test_the_retry_window_is_the_tables_total_about_27_6_hours(settings):
    assert ons_retry_window() == timedelta(seconds=99_305)
    assert round(ons_retry_window().total_seconds() / 3600, 1) == 27.6


def _row(created_at, attempts=1, resent_at=None):
    return OnsNotification(created_at=created_at, attempts=attempts, resent_at=resent_at)


def test_next_attempt_follows_the_table_until_the_window_ends_with_a_last_try_at_its_end(settings):
    settings.ONS_RETRY_JITTER = 0
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    window_end = start + timedelta(seconds=99_305)
    assert ons_next_attempt(notification=_row(start), now=start) == start + timedelta(seconds=5)
    assert ons_next_attempt(notification=_row(start, attempts=3), now=start) == start + timedelta(
        seconds=1800
    )
    late = window_end - timedelta(seconds=60)
    assert ons_next_attempt(notification=_row(start, attempts=7), now=late) == window_end
    assert ons_next_attempt(notification=_row(start, attempts=2), now=window_end) is None
    # A resend starts a new window from the resend.
    resent = window_end + timedelta(days=1)
    assert ons_next_attempt(notification=_row(start, attempts=8, resent_at=resent), now=resent) is not None


def test_retry_after_is_honoured_in_seconds_or_as_a_date_and_capped(settings):
    settings.ONS_RETRY_AFTER_MAX_SECONDS = 3600
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert ons_retry_after_seconds("120") == 120
    assert ons_retry_after_seconds("Tue, 01 Dec 2026 09:02:00 GMT", now=now) == 120
    assert ons_retry_after_seconds("999999") == 3600
    for unreadable in ("", None, "soon", "-5", "1.5e9x"):
        assert ons_retry_after_seconds(unreadable) is None
    start = now
    row = _row(start)
    assert ons_next_attempt(notification=row, now=now, retry_after=90) == now + timedelta(seconds=90)


@pytest.mark.parametrize("failures", [1, 4, 7])
def test_jitter_stays_within_the_configured_fraction_and_varies(settings, failures):
    settings.ONS_RETRY_JITTER = 0.2
    base = settings.ONS_RETRY_DELAYS[failures - 1]
    rng = random.Random(6)
    waits = {ons_retry_delay(failures=failures, rng=rng).total_seconds() for _ in range(50)}
    assert all(base * 0.8 <= w <= base * 1.2 for w in waits)
    assert len(waits) > 40  # spread out, so retries of many rows do not arrive together
