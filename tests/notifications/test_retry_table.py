"""The retry table, one rule at a time, without a task or a network."""

import random

import pytest
import requests

from notifications.enums import OnsAttemptOutcome
from notifications.services import _NotConfigured, ons_attempt_outcome, ons_retry_delay

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


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 410, 413, 422, 451])
def test_other_4xx_fails_at_once(status):
    assert ons_attempt_outcome(status_code=status) == FAILED


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


def test_schedule_used_up_means_failed(settings):
    assert ons_retry_delay(failures=len(settings.ONS_RETRY_DELAYS) + 1) is None


@pytest.mark.parametrize("failures", [1, 4, 7])
def test_jitter_stays_within_the_configured_fraction_and_varies(settings, failures):
    settings.ONS_RETRY_JITTER = 0.2
    base = settings.ONS_RETRY_DELAYS[failures - 1]
    rng = random.Random(6)
    waits = {ons_retry_delay(failures=failures, rng=rng).total_seconds() for _ in range(50)}
    assert all(base * 0.8 <= w <= base * 1.2 for w in waits)
    assert len(waits) > 40  # spread out, so retries of many rows do not arrive together
