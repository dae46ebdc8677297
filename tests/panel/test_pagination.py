"""The panel's lists are selected in SQL and paginated (docs/benchmarks.md P1 to P3): the queue shows
one page of each list, the staff application list pages what is not awaiting screening, and the
home page counts the queue without building it."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.models import Application
from core.home import next_actions_for
from panel import queue_selectors, selectors
from panel.models import ConflictDeclaration, Decision
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import SubmittedApplicationFactory, UnderReviewApplicationFactory
from tests.factories.grants import change_requested, live_grant
from tests.factories.panel import declared_vote

pytestmark = pytest.mark.django_db

PAGE = selectors.PAGE_SIZE


def _bulk(n: int, *, prefix: str, status: str, decided: bool = False, opened: bool = True, chair=None):
    """``n`` applications in ``status`` written directly (fast), numbered so that a larger number
    was submitted (and decided) later; each decided one gets its Decision row."""
    lead = ResearcherFactory()
    now = timezone.now()
    apps = Application.objects.bulk_create(
        Application(
            reference=f"{prefix}-{i:04d}",
            lead=lead,
            title=f"{prefix} title {i}",
            status=status,
            version_number=1,
            submitted_at=now - timedelta(days=1000) + timedelta(hours=i),
            review_opened_at=now - timedelta(days=900) if opened else None,
            voting_deadline=now + timedelta(days=7, hours=i),
            decided_at=now - timedelta(days=500) + timedelta(hours=i) if decided else None,
        )
        for i in range(n)
    )
    if decided and chair is not None:
        Decision.objects.bulk_create(
            Decision(
                application=app,
                outcome="approved",
                rationale="Fine",
                decided_by=chair,
                version_number=1,
                decided_at=app.decided_at,
            )
            for app in apps
        )
    return apps


def _references(body: str, prefix: str) -> list[str]:
    return re.findall(rf">({prefix}-\d{{4}})<", body)


def _link(body: str, text: str, param: str) -> str:
    """The href of the pager link ``text`` (Previous/Next) of the list paged by ``param``."""
    for href in re.findall(rf'href="(\?[^"]*)">{text}</a>', body):
        href = href.replace("&amp;", "&")
        if param in parse_qs(urlsplit(href).query):
            return href
    raise AssertionError(f"no {text} link for {param}")


# --- the queue: one list a page, its tabs giving every list's size ----------------------------------


def _tab(body: str, caption: str) -> int:
    """The size the queue's tab ``caption`` shows."""
    return int(re.search(rf'>{re.escape(caption)} <span class="badge [^"]*">(\d+)</span>', body)[1])


def test_queue_shows_one_page_of_decided_rows_newest_first_and_its_pager_works(board, client_for):
    _bulk(PAGE + 7, prefix="DEC", status=ApplicationStatus.APPROVED, decided=True, chair=board.chair)
    client = client_for(board.members[0])
    url = reverse("panel:queue")

    first = client.get(url, {"list": "decided"}).content.decode()
    shown = _references(first, "DEC")
    assert len(shown) == PAGE  # one page, not all 57
    assert shown == [f"DEC-{i:04d}" for i in range(PAGE + 6, 6, -1)]  # most recent decision first
    assert f"Decided ({PAGE + 7})" in first
    assert _tab(first, "Decided") == PAGE + 7
    assert first.count(reverse("panel:decision_letter", args=["DEC-0000"]).rsplit("DEC", 1)[0]) == PAGE

    following = _link(first, "Next", "page")
    assert parse_qs(urlsplit(following).query) == {"list": ["decided"], "page": ["2"]}
    second = client.get(url + following).content.decode()
    assert _references(second, "DEC") == [f"DEC-{i:04d}" for i in range(6, -1, -1)]
    assert "Page 2 of 2" in second
    back = client.get(url + _link(second, "Previous", "page")).content.decode()
    assert _references(back, "DEC") == shown


def test_nothing_to_do_opens_the_decided_list_and_work_opens_the_first_list_with_any(board, client_for):
    member = board.members[0]
    client = client_for(member)
    url = reverse("panel:queue")
    _bulk(2, prefix="OLD", status=ApplicationStatus.REJECTED, decided=True)
    assert _references(client.get(url).content.decode(), "OLD") == ["OLD-0001", "OLD-0000"]
    for app in _bulk(2, prefix="VOT", status=ApplicationStatus.UNDER_REVIEW):
        ConflictDeclaration.objects.create(application=app, member=member, has_conflict=False)
    body = client.get(url).content.decode()
    assert _references(body, "VOT") == ["VOT-0000", "VOT-0001"]  # awaiting the vote: shown first
    assert not _references(body, "OLD")
    assert 'aria-current="page" href="?list=vote">Awaiting my vote' in body
    _bulk(1, prefix="DCL", status=ApplicationStatus.UNDER_REVIEW)
    assert _references(client.get(url).content.decode(), "DCL") == ["DCL-0000"]  # declaring comes first


def test_queue_lists_are_paginated_and_the_tabs_count_every_list(board, client_for, monkeypatch):
    monkeypatch.setattr(queue_selectors, "PAGE_SIZE", 3)
    member = board.members[0]
    _bulk(5, prefix="DCL", status=ApplicationStatus.UNDER_REVIEW)  # awaiting the declaration
    for app in _bulk(4, prefix="VOT", status=ApplicationStatus.UNDER_REVIEW):
        ConflictDeclaration.objects.create(application=app, member=member, has_conflict=False)
    _bulk(4, prefix="OLD", status=ApplicationStatus.REJECTED, decided=True)
    client = client_for(member)
    url = reverse("panel:queue")

    body = client.get(url).content.decode()
    assert _references(body, "DCL") == ["DCL-0000", "DCL-0001", "DCL-0002"]  # nearest deadline first
    assert not _references(body, "VOT")  # one list a page
    assert "Awaiting my declaration of interests (5)" in body
    sizes = {"Awaiting my declaration of interests": 5, "Awaiting my vote": 4, "Change requests": 0}
    sizes |= {"Voted, queried or conflicted": 0, "Decided": 4}
    assert {caption: _tab(body, caption) for caption in sizes} == sizes

    body = client.get(url + _link(body, "Next", "page")).content.decode()
    assert _references(body, "DCL") == ["DCL-0003", "DCL-0004"]
    votes = client.get(url, {"list": "vote"}).content.decode()
    assert _references(votes, "VOT") == ["VOT-0000", "VOT-0001", "VOT-0002"]
    assert parse_qs(urlsplit(_link(votes, "Next", "page")).query) == {"list": ["vote"], "page": ["2"]}
    decided = client.get(url, {"list": "decided", "page": 2}).content.decode()
    assert _references(decided, "OLD") == ["OLD-0000"]  # page 2 of the decided list


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1.5", "", "\x00"])
@pytest.mark.parametrize("list_name", ["decided", "nonsense", "", "\x00", "x" * 5000])
def test_a_bad_page_number_or_list_shows_a_page_not_an_error(board, client_for, page, list_name):
    _bulk(PAGE + 1, prefix="DEC", status=ApplicationStatus.APPROVED, decided=True, chair=board.chair)
    response = client_for(board.members[0]).get(reverse("panel:queue"), {"list": list_name, "page": page})
    assert response.status_code == 200
    assert len(_references(response.content.decode(), "DEC")) in (1, PAGE)  # nothing else to show


def test_queue_never_lists_an_application_the_panel_has_not_seen(board, client_for):
    _bulk(2, prefix="NEW", status=ApplicationStatus.SUBMITTED, opened=False)
    _bulk(1, prefix="DRF", status=ApplicationStatus.DRAFT, opened=False)
    _bulk(1, prefix="REV", status=ApplicationStatus.UNDER_REVIEW)
    client = client_for(board.members[0])
    for list_name in queue_selectors.QUEUE_LISTS:
        body = client.get(reverse("panel:queue"), {"list": list_name}).content.decode()
        assert _references(body, "REV") == (["REV-0000"] if list_name == "declare" else [])
        assert not _references(body, "NEW")
        assert not _references(body, "DRF")


# --- the home page's counts agree with the queue ----------------------------------------------------


def _mixed_queue(board):
    """Applications in every section of board.members[0]'s queue, in each state that decides the
    section: not declared, declared, voted, conflicted, queried, resubmitted, stale vote, decided."""
    member, other = board.members[0], board.members[1]
    for _ in range(3):
        UnderReviewApplicationFactory()  # awaiting the declaration
    resubmitted = UnderReviewApplicationFactory(status=ApplicationStatus.RESUBMITTED)  # awaiting it too
    for _ in range(2):  # declared no conflict, not voted: awaiting the vote
        app = UnderReviewApplicationFactory()
        ConflictDeclaration.objects.create(application=app, member=member, has_conflict=False)
        declared_vote(app, other)  # another member's vote changes nothing
    stale = UnderReviewApplicationFactory(version_number=2)  # voted on version 1 only: awaiting the vote
    declared_vote(stale, member, version_number=1)
    declared_vote(UnderReviewApplicationFactory(), member)  # voted: in progress
    conflicted = UnderReviewApplicationFactory()  # conflicted: in progress, never awaiting the vote
    ConflictDeclaration.objects.create(
        application=conflicted, member=member, has_conflict=True, reason="Mine"
    )
    queried = UnderReviewApplicationFactory(status=ApplicationStatus.QUERIED)  # paused: in progress
    ConflictDeclaration.objects.create(application=queried, member=member, has_conflict=False)
    UnderReviewApplicationFactory(status=ApplicationStatus.APPROVED, decided_at=timezone.now())
    SubmittedApplicationFactory()  # not opened for review: nowhere
    return {"resubmitted": resubmitted, "stale": stale, "conflicted": conflicted, "queried": queried}


def test_queue_counts_equal_the_queue_sections_and_home_shows_them(board, client_for):
    apps = _mixed_queue(board)
    member = board.members[0]
    sizes = {"awaiting_declaration": 4, "awaiting_vote": 3, "in_progress": 3}
    assert queue_selectors.panel_queue_counts(user=member) == sizes
    lists = {"awaiting_declaration": "declare", "awaiting_vote": "vote", "in_progress": "progress"}
    queues = {s: queue_selectors.panel_queue_for(user=member, list_name=name) for s, name in lists.items()}
    assert {s: q.page.paginator.count for s, q in queues.items()} == sizes
    assert {s: len(q.page.object_list) for s, q in queues.items()} == sizes  # the counts are the rows
    assert queues["in_progress"].counts["decided"] == 1
    in_section = {s: {a.reference for a in q.page} for s, q in queues.items()}
    assert apps["resubmitted"].reference in in_section["awaiting_declaration"]
    assert apps["stale"].reference in in_section["awaiting_vote"]
    assert {apps["conflicted"].reference, apps["queried"].reference} <= in_section["in_progress"]

    action = next(a for a in next_actions_for(member) if a.url == reverse("panel:queue"))
    assert action.count == 4 + 3
    assert action.description == "4 to declare interests on, 3 to vote on."
    body = client_for(member).get(reverse("panel:queue")).content.decode()
    assert "Awaiting my declaration of interests (4)" in body
    assert _tab(body, "Awaiting my declaration of interests") == 4
    assert _tab(body, "Awaiting my vote") == 3


def test_queue_counts_of_another_member_are_their_own(board):
    _mixed_queue(board)
    assert queue_selectors.panel_queue_counts(user=board.members[2]) == {
        "awaiting_declaration": 10,
        "awaiting_vote": 0,
        "in_progress": 0,
    }


# --- the staff application list ---------------------------------------------------------------------


def test_staff_list_shows_what_awaits_screening_first_and_pages_the_others(staff, client_for):
    _bulk(3, prefix="SUB", status=ApplicationStatus.SUBMITTED, opened=False)
    _bulk(2, prefix="RES", status=ApplicationStatus.RESUBMITTED)
    _bulk(PAGE + 5, prefix="APR", status=ApplicationStatus.APPROVED, decided=True)
    _bulk(2, prefix="DRF", status=ApplicationStatus.DRAFT, opened=False)
    client = client_for(staff)
    url = reverse("panel:staff_applications")

    screening = client.get(url).content.decode()
    assert sorted(_references(screening, "SUB") + _references(screening, "RES")) == [
        "RES-0000", "RES-0001", "SUB-0000", "SUB-0001", "SUB-0002",
    ]  # fmt: skip
    assert not _references(screening, "APR")  # one list a page
    assert not _references(screening, "DRF")
    assert _tab(screening, "Awaiting screening (submitted or resubmitted)") == 5
    assert _tab(screening, "Under review, queried and decided") == PAGE + 5

    others_url = re.search(r'href="(\?list=others)">Under review', screening)[1]
    first = client.get(url + others_url).content.decode()
    assert _references(first, "APR") == [f"APR-{i:04d}" for i in range(PAGE + 4, 4, -1)]  # newest first
    assert f"Under review, queried and decided ({PAGE + 5})" in first
    assert not _references(first, "SUB")
    following = _link(first, "Next", "page")
    assert parse_qs(urlsplit(following).query) == {"list": ["others"], "page": ["2"]}
    second = client.get(url + following).content.decode()
    assert _references(second, "APR") == [f"APR-{i:04d}" for i in range(4, -1, -1)]


def test_staff_list_opens_the_others_when_nothing_awaits_screening_and_survives_bad_input(staff, client_for):
    _bulk(2, prefix="APR", status=ApplicationStatus.APPROVED, decided=True)
    client = client_for(staff)
    url = reverse("panel:staff_applications")
    assert _references(client.get(url).content.decode(), "APR") == ["APR-0001", "APR-0000"]
    for params in ({"list": "\x00"}, {"list": "x" * 5000}, {"page": "-1"}, {"page": "9" * 40}, {"list": ""}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert _references(response.content.decode(), "APR") == ["APR-0001", "APR-0000"]


def test_staff_list_pages_are_stable_when_submission_times_tie(staff, client_for, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    apps = _bulk(10, prefix="TIE", status=ApplicationStatus.UNDER_REVIEW)
    _bulk(6, prefix="SUB", status=ApplicationStatus.SUBMITTED, opened=False)
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(submitted_at=timezone.now())
    client = client_for(staff)
    url = reverse("panel:staff_applications")

    seen = []
    for page in (1, 2, 3):
        body = client.get(url, {"list": "others", "page": page}).content.decode()
        seen += _references(body, "TIE")
        assert not _references(body, "SUB")
    assert len(seen) == len(set(seen)) == 10  # every row once, none twice
    body = client.get(url, {"list": "screening", "page": 2}).content.decode()
    assert _references(body, "SUB") == ["SUB-0001", "SUB-0000"]
    assert parse_qs(urlsplit(_link(body, "Previous", "page")).query) == {"list": ["screening"], "page": ["1"]}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_staff_list_issues_the_same_queries_for_a_few_and_for_several_pages_of_applications(
    staff, client_for
):
    """Also catches a column the table shows but the selector's ``only`` left out (one query a row)."""
    client = client_for(staff)
    url = reverse("panel:staff_applications")
    _bulk(3, prefix="SUB", status=ApplicationStatus.SUBMITTED, opened=False)
    _bulk(3, prefix="APR", status=ApplicationStatus.APPROVED, decided=True)
    small = _queries(client, url)
    _bulk(PAGE * 2, prefix="SCR", status=ApplicationStatus.RESUBMITTED)
    _bulk(PAGE * 2, prefix="OLD", status=ApplicationStatus.REJECTED, decided=True)
    assert _queries(client, url) == small


# --- the queue's change requests ----------------------------------------------------------------------


def test_queue_change_requests_are_a_list_of_their_own_paginated_oldest_first(board, client_for, monkeypatch):
    monkeypatch.setattr(queue_selectors, "PAGE_SIZE", 3)
    changes = []
    for _ in range(4):  # extensions of nine months: each goes to the chair, in the order asked
        grant = live_grant()
        changes.append(change_requested(grant, access_end=grant.access_end + timedelta(days=274)))
    references = [c.reference for c in changes]
    client = client_for(board.chair)
    url = reverse("panel:queue")

    body = client.get(url).content.decode()  # nothing else waits on the chair: this list first
    assert _tab(body, "Change requests") == 4
    table = body.split('id="queue-changes"', 1)[1].split("</table>", 1)[0]
    assert [r for r in references if f">{r}<" in table] == references[:3]
    assert "routed to the panel or the chair (4)" in table

    following = _link(body, "Next", "page")
    assert parse_qs(urlsplit(following).query) == {"list": ["changes"], "page": ["2"]}
    table = client.get(url + following).content.decode().split('id="queue-changes"', 1)[1]
    assert [r for r in references if f">{r}<" in table.split("</table>", 1)[0]] == references[3:]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", ""])
def test_a_bad_change_requests_page_number_shows_a_page_not_an_error(board, client_for, page):
    grant = live_grant()
    change = change_requested(grant, access_end=grant.access_end + timedelta(days=274))
    response = client_for(board.chair).get(reverse("panel:queue"), {"list": "changes", "page": page})
    assert response.status_code == 200
    assert change.reference in response.content.decode()


# --- the queue's SQL (docs/benchmarks.md, issue 19) ----------------------------------------------


def _plan(queryset) -> str:
    """PostgreSQL's plan for ``queryset`` with sequential scans and sorts priced out, so the plan
    shows whether an index *can* serve the query (a tiny test table would otherwise be scanned)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("section", "index"),
    [
        ("decided", "application_panel_closed"),
        ("in_progress", "application_panel_reviewing"),
        ("awaiting_vote", "application_panel_reviewing"),
        ("awaiting_declaration", "application_panel_reviewing"),
    ],
)
def test_each_queue_list_can_read_its_page_in_order_from_its_partial_index(board, section, index):
    assert connection.vendor == "postgresql"  # the suite's database (scripts/test)
    _bulk(3, prefix="REV", status=ApplicationStatus.UNDER_REVIEW)
    _bulk(3, prefix="DEC", status=ApplicationStatus.APPROVED, decided=True, chair=board.chair)
    with transaction.atomic():
        plan = _plan(queue_selectors.queue_section(user=board.members[0], section=section)[:PAGE])
    assert index in plan, plan
    assert "Sort" not in plan.split(index)[0], plan  # read in the list's order, not sorted after


def test_the_queue_reads_the_members_declaration_and_vote_by_join_not_a_subquery_per_row(board):
    """Each list used to compute three EXISTS subqueries per application (hashed over every
    declaration and vote the member ever made); now two LEFT JOINs on their unique keys."""
    sql = str(queue_selectors.queue_section(user=board.members[0], section="awaiting_vote").query)
    assert "EXISTS" not in sql.upper()
    assert sql.upper().count("LEFT OUTER JOIN") >= 2
