"""GET /api/v1/grants and /api/v1/grants/{reference}: what a grant says, the cursor, the filters
(a bad value is a 400 problem, never a 500), the ETag."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.enums import GrantStatus
from applications.models import Grant
from tests.factories.grants import live_grant

pytestmark = pytest.mark.django_db


def test_a_grant_names_its_team_with_accreditation_its_datasets_and_its_period(api):
    grant = live_grant()
    Grant.objects.filter(pk=grant.pk).update(conditions="Outputs are checked before release.")
    entry = api.get(f"/api/v1/grants/{grant.reference}").json()
    assert entry["reference"] == grant.reference
    assert entry["application_reference"] == grant.application.reference
    assert entry["project_title"] == grant.application.title
    assert entry["status"] == GrantStatus.LIVE
    assert entry["access_start"] == grant.access_start.isoformat()
    assert entry["access_end"] == grant.access_end.isoformat()
    assert entry["supersedes_grant_reference"] is None
    assert entry["conditions"] == "Outputs are checked before release."
    lead = entry["team"][0]
    assert lead["role"] == "lead"
    assert lead["accreditation_number"] == grant.team[0]["accreditation_number"]
    assert "email" not in lead
    assert [d["reference"] for d in entry["datasets"]] == [d["reference"] for d in grant.datasets]


def test_the_list_pages_by_cursor_without_repeating_or_missing_a_grant(api, monkeypatch):
    grants = [live_grant() for _ in range(5)]
    monkeypatch.setattr("api.selectors.PAGE_SIZE", 2)
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get("/api/v1/grants", {"cursor": cursor} if cursor else {}).json()
        seen += [entry["reference"] for entry in page["grants"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(grant.reference for grant in grants)
    assert len(seen) == len(set(seen))


def test_the_list_filters_by_status_and_by_change_time(api):
    old, suspended = live_grant(), live_grant()
    Grant.objects.filter(pk=suspended.pk).update(status=GrantStatus.SUSPENDED)
    Grant.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    by_status = api.get("/api/v1/grants", {"status": "suspended"}).json()["grants"]
    assert [entry["reference"] for entry in by_status] == [suspended.reference]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = api.get("/api/v1/grants", {"changed_since": since}).json()["grants"]
    assert [entry["reference"] for entry in recent] == [suspended.reference]


def test_the_list_query_count_does_not_grow_with_its_rows(api):
    live_grant()
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/grants")
    for _ in range(4):
        live_grant()
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/grants").json()["grants"]) == 5
    assert len(five) == len(one)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"status": "live\x00"},
        {"changed_since": "yesterday"},
        {"changed_since": "2027-01-04T09:00:00"},  # no time zone
        {"changed_since": "0001-01-01T00:00:00+23:59"},  # before year 1 in UTC
        {"changed_since": "9999-12-31T23:59:59-23:59"},  # after year 9999 in UTC
        {"changed_since": "1700000000"},
        {"changed_since": "2027-02-30T00:00:00Z"},
        {"changed_since": "\x00"},
        {"cursor": "not-one-we-gave"},
        {"cursor": "WyIyMDI3LTAxLTA0IiwgLTFd"},  # ["2027-01-04", -1]
        {"cursor": "x" * 201},
        {"cursor": "\x00"},
        {"state": "live"},  # misspelt: refused, not ignored
        {"\x00": "1"},
    ],
)
def test_a_bad_filter_is_a_400_problem(api, query):
    response = api.get("/api/v1/grants", query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "after", ["-1", "x", "0.0", "1e3", "9223372036854775808", "99999999999999999999", "\x00", ""]
)
def test_a_bad_events_cursor_is_a_400_problem(api, after):
    response = api.get("/api/v1/events", {"after": after})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_the_largest_events_cursor_is_accepted(api):
    assert api.get("/api/v1/events", {"after": str(2**63 - 1)}).json()["events"] == []


def test_one_grant_has_an_etag_and_answers_304_while_it_is_unchanged(api):
    grant = live_grant()
    path = f"/api/v1/grants/{grant.reference}"
    first = api.get(path)
    etag = first["ETag"]
    assert etag.startswith('"')
    unchanged = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert api.get(path, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.SUSPENDED, updated_at=timezone.now())
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize(
    ("reference", "status"),
    [("APP-2099-9999-G1", 404), ("app-lower", 400), ("A" * 41, 400), ("A%00B", 400), ("%FF", 400)],
)
def test_an_unknown_or_impossible_reference_is_a_problem(api, reference, status):
    response = api.get(f"/api/v1/grants/{reference}")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_a_grant_lists_its_deposits_use_conditions_in_duo_terms_or_as_local(api):
    """Issue 18: the use conditions in a shared vocabulary, shown by the API too."""
    from accounts.enums import OrganisationSector
    from deposits.models import Deposit

    grant = live_grant()
    deposit = grant.deposits.get()
    Deposit.objects.filter(pk=deposit.pk).update(excluded_sectors=[OrganisationSector.COMMERCIAL])
    conditions = api.get(f"/api/v1/grants/{grant.reference}").json()["use_conditions"]
    by_kind = {(c["kind"], c["code"]) for c in conditions}
    assert ("archive", "PS") in by_kind  # project specific
    assert ("archive", "TS") in by_kind  # time limited
    assert ("excluded_sector", "NPU") in by_kind  # not for profit: no commercial sector
    assert all(c["deposit"] == deposit.reference for c in conditions)
    local = [c for c in conditions if c["local"]]
    assert all(c["code"] is None and c["duo_id"] is None for c in local)
    npu = next(c for c in conditions if c["code"] == "NPU")
    assert npu["duo_id"].startswith("DUO:")


def test_a_page_of_grants_reads_the_changed_order_index_instead_of_sorting_every_grant(db):
    """Issue 19: the list's ORDER BY updated_at, id sorted all 10,000 grants for each page."""
    from django.db import connection, transaction

    from api.selectors import GRANT_COLUMNS
    from applications.models import Grant

    queryset = Grant.objects.select_related("application", "supersedes").only(*GRANT_COLUMNS)
    sql, params = queryset.order_by("updated_at", "pk")[:101].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "grant_changed_order" in plan, plan
    assert "Sort" not in plan, plan
