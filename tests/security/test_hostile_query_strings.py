"""Every page and download answers hostile query strings without a server error (issue 14 item 6):
NUL bytes, dates at the ends of the calendar, impossible dates, huge numbers, bidirectional and
zero-width characters and overlong values, in every filter parameter the portal knows and in ones it
does not. The exports' audit events keep only the validated filter values."""

import django_filters
import pytest
from django.urls import reverse

from core.enums import CoreAuditAction
from core.models import AuditEvent
from deposits.enums import DepositAuditAction
from tests.security import test_access_matrix as matrix
from transparency.enums import TransparencyAuditAction

pytestmark = pytest.mark.django_db

# The access matrix's world (every kind of object, a signed-in client per role), built once here too.
_private_media, _module_world = matrix._private_media, matrix._module_world
world, clients = matrix.world, matrix.clients

HOSTILE = {
    "nul": "\x00",
    "nul-inside": "2026\x00-01-01",
    "last-day": "9999-12-31",
    "first-day": "0001-01-01",
    "impossible-date": "2026-02-30",
    "huge-number": "9" * 40,
    "negative": "-1",
    "bidi-zero-width": "\u202eevil\u200b\u2066",
    "overlong": "x" * 5000,
}

#: Query parameters that no filter declares but pages read or people type.
EXTRA_PARAMETERS = (
    "page",
    "changes_page",
    "waiting_page",
    "q",
    "next",
    "application",
    "deposit",
    "status",
    "format",
    "zz",
)


def _filter_parameters() -> set[str]:
    """Every parameter of every FilterSet in the portal (a new filter is covered without a list)."""
    names, pending = set(), list(django_filters.FilterSet.__subclasses__())
    while pending:
        filterset = pending.pop()
        pending.extend(filterset.__subclasses__())
        if filterset.__module__.split(".")[0] in {
            "core",
            "deposits",
            "applications",
            "panel",
            "transparency",
        }:
            names.update(filterset.base_filters)
    return names


PARAMETERS = sorted(_filter_parameters() | set(EXTRA_PARAMETERS))


def test_every_filter_of_the_portal_is_among_the_parameters_tried():
    assert {"date_from", "date_to", "submitted_from", "submitted_to"} <= set(PARAMETERS)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("role", ["anonymous", "team", "staff"])
def test_no_page_answers_a_hostile_query_string_with_a_server_error(world, clients, role, value):
    client = clients[role]
    query = dict.fromkeys(PARAMETERS, value)
    failures = []
    for name in matrix.resolver_names():
        path = matrix.path_for(name, world)
        if path == reverse("accounts:logout"):
            continue
        response = client.get(path, query)  # the test client raises whatever a view lets through
        if response.status_code >= 500:
            failures.append(f"{name} {path}: {response.status_code}")
    assert failures == []


def test_a_date_at_the_end_of_the_calendar_gets_a_message_on_the_audit_log(client_for, staff):
    page = client_for(staff).get(reverse("core:audit_log"), {"date_to": "9999-12-31"})
    assert page.status_code == 200
    assert "Enter a date before 3000." in page.content.decode()
    download = client_for(staff).get(reverse("core:audit_log_export"), {"date_to": "9999-12-31"})
    assert download.status_code == 400
    assert "Enter a date before 3000." in download.content.decode()


@pytest.mark.parametrize(
    ("url", "action", "valid"),
    [
        (
            "transparency:export_applications",
            TransparencyAuditAction.EXPORT_DOWNLOADED,
            {"status": "submitted"},
        ),
        ("transparency:export_decisions", TransparencyAuditAction.EXPORT_DOWNLOADED, {"status": "submitted"}),
        ("deposits:staff_export", DepositAuditAction.EXPORTED, {"status": "available"}),
        ("core:audit_log_export", CoreAuditAction.AUDIT_LOG_EXPORTED, {"action": "panel.decision"}),
    ],
)
def test_exports_record_only_the_validated_filters(client_for, staff, url, action, valid):
    response = client_for(staff).get(reverse(url), {**valid, "zz": "\x00", "page": "\x00"})
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # the audit log's export records itself as it streams
    event = AuditEvent.objects.filter(action=action).latest("pk")
    assert event.data["filters"] == valid


def test_a_search_with_a_nul_byte_is_refused_not_exported_whole(client_for, staff):
    response = client_for(staff).get(reverse("deposits:staff_export"), {"q": "care\x00"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


#: Path segments in place of each URL parameter (a reference, a pk, a slug, a token), as a person or
#: a scanner would type them, percent-encoded as they arrive.
HOSTILE_SEGMENTS = {
    "nul": "%00",
    "nul-after": "DEP-2026-0001%00",
    "bidi": "%E2%80%AEevil",
    "zero-width": "APP-2026-0001%E2%80%8B",
    "huge-number": "9" * 40,
    "overlong": "x" * 2000,
    "dots": "..%2F..%2Fetc",
}


@pytest.mark.parametrize("segment", HOSTILE_SEGMENTS.values(), ids=HOSTILE_SEGMENTS.keys())
def test_no_page_answers_a_hostile_path_segment_with_a_server_error(world, clients, segment):
    """Each URL parameter of each page in turn replaced by a hostile segment: a 404 or a 400, never
    a 5xx (a NUL in a reference reached PostgreSQL and failed)."""
    failures = []
    for name in matrix.resolver_names():
        kwargs = matrix.ARGS[name](world) if name in matrix.ARGS else {}
        for value in kwargs.values():
            path = matrix.path_for(name, world).replace(f"/{value}/", f"/{segment}/", 1)
            for role in ("anonymous", "staff"):
                try:
                    status = clients[role].get(path).status_code
                except Exception as exc:  # the test client raises what a view lets through: a 500
                    status = f"raised {exc!r}"[:200]
                if not isinstance(status, int) or status >= 500:
                    failures.append(f"{name} {path[:80]} as {role}: {status}")
    assert failures == []
