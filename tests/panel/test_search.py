"""Staff search the application list (reference, title, person, organisation, deposit, status) and
panel members search their queue (reference, title, organisation): hostile input gets a message,
never a 500; the query count does not grow with the rows; the pagers keep the search; and the
queue's search reveals nothing a conflicted member may not see."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.enums import ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember
from panel import queue_selectors, selectors, services
from tests.factories.accounts import ResearcherFactory
from tests.factories.applications import SubmittedApplicationFactory, UnderReviewApplicationFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.panel.test_pagination import _bulk, _link, _references

pytestmark = pytest.mark.django_db

STAFF_URL = "panel:staff_applications"


def _search(client, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def two_applications():
    lead = ResearcherFactory(
        full_name="Dr Nia Adeyemi", email="nia@leeds.example", profile__organisation="University of Leeds"
    )
    deposit = AvailableDepositFactory(title="Care leavers' outcomes survey")
    wanted = SubmittedApplicationFactory(lead=lead, title="School moves in care", deposits=[deposit])
    colleague = ResearcherFactory(
        full_name="Tom Reyes", email="tom@coram.example", profile__organisation="Coram"
    )
    ApplicationMember.objects.create(
        application=wanted, user=colleague, email=colleague.email, role=MemberRole.SUPERVISOR,
        status=MemberStatus.ACCEPTED,
    )  # fmt: skip
    other = UnderReviewApplicationFactory(
        lead=ResearcherFactory(full_name="Ann Other", profile__organisation="Kent County Council"),
        title="Kinship care and health",
    )
    return wanted, other, deposit


@pytest.mark.parametrize(
    "params",
    [
        {"q": "school moves"},
        {"q": "ADEYEMI"},
        {"q": "nia@leeds"},
        {"q": "Tom Reyes"},  # a co-applicant
        {"q": "coram"},  # a co-applicant's organisation
        {"q": "leeds"},
        {"deposit": "outcomes survey"},
        {"status": ApplicationStatus.SUBMITTED},
        {"q": "school", "status": ApplicationStatus.SUBMITTED},
    ],
)
def test_staff_find_applications_by_reference_title_person_organisation_deposit_or_status(
    staff, client_for, two_applications, params
):
    wanted, other, _deposit = two_applications
    body = _search(client_for(staff), STAFF_URL, params)
    assert wanted.reference in body
    assert other.reference not in body


def test_staff_search_by_reference_and_deposit_reference(staff, client_for, two_applications):
    wanted, other, deposit = two_applications
    client = client_for(staff)
    for params in ({"q": wanted.reference.lower()}, {"deposit": deposit.reference}):
        body = _search(client, STAFF_URL, params)
        assert wanted.reference in body
        assert other.reference not in body
    assert other.reference in _search(client, STAFF_URL, {"status": ApplicationStatus.UNDER_REVIEW})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "a\x00b"}, "Null characters are not allowed."),
        ({"deposit": "\x00"}, "Null characters are not allowed."),
        ({"q": "x" * 5000}, "Ensure this value has at most 200 characters"),
        ({"status": "no-such-status"}, "Select a valid choice."),
        ({"status": "draft"}, "Select a valid choice."),
        ({"status": ["submitted", "approved"], "page": "-3", "list": "\x00"}, None),
        ({"q": "%' OR 1=1 --", "deposit": "\\"}, None),
    ],
)
def test_staff_search_refuses_hostile_input_with_a_message(
    staff, client_for, two_applications, params, message
):
    wanted, other, _deposit = two_applications
    client = client_for(staff)
    body = _search(client, STAFF_URL, params)
    if message:  # the refused field is named and ignored: the lists are not narrowed by it
        assert message in body
        assert wanted.reference in body  # awaiting screening: the list shown first
        assert other.reference in _search(client, STAFF_URL, {**params, "list": "others"})


def test_staff_search_issues_the_same_queries_for_a_few_and_many_matches(staff, client_for):
    client = client_for(staff)
    url = reverse(STAFF_URL) + "?q=title&status=approved"
    _bulk(3, prefix="APR", status=ApplicationStatus.APPROVED, decided=True)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    _bulk(selectors.PAGE_SIZE * 2, prefix="OLD", status=ApplicationStatus.APPROVED, decided=True)
    many = client.get(url).content.decode()
    assert f"Under review, queried and decided ({selectors.PAGE_SIZE * 2 + 3})" in many  # they all match
    assert queries() == few


def test_staff_search_pager_keeps_the_search(staff, client_for, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    _bulk(7, prefix="APR", status=ApplicationStatus.APPROVED, decided=True)
    _bulk(5, prefix="REJ", status=ApplicationStatus.REJECTED, decided=True)
    client = client_for(staff)
    first = _search(client, STAFF_URL, {"status": "approved"})
    assert "Under review, queried and decided (7)" in first
    next_page = _link(first, "Next", "page")
    assert parse_qs(urlsplit(next_page).query) == {"status": ["approved"], "list": ["others"], "page": ["2"]}
    second = client.get(reverse(STAFF_URL) + next_page).content.decode()
    assert _references(second, "APR") == ["APR-0003", "APR-0002", "APR-0001"]
    assert not _references(second, "REJ")


# --- the panel queue --------------------------------------------------------------------------------


def test_members_search_their_queue_by_reference_title_or_organisation(board, client_for, two_applications):
    wanted, other, _deposit = two_applications
    Application.objects.filter(pk=wanted.pk).update(
        status=ApplicationStatus.UNDER_REVIEW, review_opened_at=other.review_opened_at
    )
    client = client_for(board.members[0])
    for params in ({"q": "school moves"}, {"q": "LEEDS"}, {"q": wanted.reference}):
        body = _search(client, "panel:queue", params)
        assert wanted.reference in body
        assert other.reference not in body
    assert "Awaiting my declaration of interests (1)" in body


def test_the_queue_search_does_not_reveal_a_conflicted_applications_content(board, client_for):
    member = board.members[0]
    app = UnderReviewApplicationFactory(
        title="Kinship care", lay_summary="The word ZEBRAFISH is in the answers"
    )
    services.conflict_declare(application=app, member=member, has_conflict=True, reason="My colleague")
    client = client_for(member)
    assert app.reference not in _search(client, "panel:queue", {"q": "zebrafish"})
    body = _search(client, "panel:queue", {"q": "kinship"})
    assert app.reference in body
    assert "Conflict declared" in body
    assert "ZEBRAFISH" not in body


@pytest.mark.parametrize(
    ("q", "message"),
    [("\x00", "Null characters are not allowed."), ("y" * 1000, "at most 200 characters"), ("%_\\", None)],
)
def test_the_queue_search_refuses_hostile_input_with_a_message(board, client_for, q, message):
    UnderReviewApplicationFactory()
    body = _search(
        client_for(board.members[0]), "panel:queue", {"q": q, "list": "decided", "page": "999999999999"}
    )
    if message:
        assert message in body


def test_the_queue_search_pager_keeps_the_search(board, client_for, monkeypatch):
    monkeypatch.setattr(queue_selectors, "PAGE_SIZE", 2)
    _bulk(5, prefix="KIN", status=ApplicationStatus.UNDER_REVIEW)
    _bulk(3, prefix="OTH", status=ApplicationStatus.UNDER_REVIEW)
    Application.objects.filter(reference__startswith="KIN").update(title="Kinship care")
    client = client_for(board.members[0])
    first = _search(client, "panel:queue", {"q": "kinship"})
    assert "Awaiting my declaration of interests (5)" in first
    next_page = _link(first, "Next", "page")
    assert parse_qs(urlsplit(next_page).query) == {"q": ["kinship"], "list": ["declare"], "page": ["2"]}
    second = client.get(reverse("panel:queue") + next_page).content.decode()
    assert len(_references(second, "KIN")) == 2
    assert not _references(second, "OTH")
