"""Acceptance 1 and 4 (register): only approved, consenting projects, only public fields; the CSV
and JSON match the page; constant queries at 10 and 1,000 applications."""

import csv
import io
import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import ApplicationStatus
from deposits.public_page import deposit_page_sections
from panel.enums import DecisionOutcome
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import (
    RegisterApplicationFactory,
    bulk_decided_applications,
    decided_application,
    researcher_in,
)
from transparency.selectors import REGISTER_FIELDS, register_entries_for_deposit

pytestmark = pytest.mark.django_db


def _page_references(html: str) -> list[str]:
    return re.findall(r'id="entry-([^"]+)"', html)


def _deposit_section(deposit) -> str:
    """What the public deposit page shows of the register (the section transparency registers)."""
    return "".join(deposit_page_sections(deposit))


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def register_mix():
    deposit = AvailableDepositFactory(title="Moving On study")
    lead = researcher_in(OrganisationSector.UNIVERSITY, "University of Bristol")
    shown = decided_application(
        deposits=[deposit],
        lead=lead,
        title="Care leavers and further education",
        lay_summary="How young people leaving care get on at college.",
    )
    conditions = decided_application(
        outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
        deposits=[deposit],
        title="Kinship care and school moves",
    )
    revoked = decided_application(
        status=ApplicationStatus.REVOKED, deposits=[deposit], title="Placement stability (revoked)"
    )
    ended = decided_application(
        status=ApplicationStatus.ACCESS_ENDED, deposits=[deposit], title="Foster carers' wellbeing (ended)"
    )
    hidden = [
        decided_application(deposits=[deposit], consent_to_publish=False, title="NOT CONSENTED"),
        decided_application(outcome=DecisionOutcome.REJECTED, deposits=[deposit], title="REJECTED BY PANEL"),
        decided_application(
            outcome=DecisionOutcome.REJECTED,
            is_automatic=True,
            deposits=[deposit],
            title="REJECTED AUTOMATICALLY",
        ),
        RegisterApplicationFactory(
            status=ApplicationStatus.UNDER_REVIEW, deposits=[deposit], title="UNDER REVIEW"
        ),
        RegisterApplicationFactory(status=ApplicationStatus.DRAFT, deposits=[deposit], title="A DRAFT"),
    ]
    return {
        "deposit": deposit,
        "shown": [shown, conditions, revoked, ended],
        "hidden": hidden,
        "lead": lead,
        "revoked": revoked,
    }


def test_register_lists_only_approved_consenting_projects(client, register_mix):
    html = client.get(reverse("transparency:register")).content.decode()
    assert set(_page_references(html)) == {a.reference for a in register_mix["shown"]}
    for application in register_mix["hidden"]:
        assert application.title not in html
        assert (
            client.get(reverse("transparency:register_detail", args=[application.reference])).status_code
            == 404
        )


def test_register_shows_the_public_fields(client, register_mix):
    application = register_mix["shown"][0]
    decision = application.decision
    html = client.get(reverse("transparency:register_detail", args=[application.reference])).content.decode()
    assert application.title in html
    assert application.lay_summary in html
    assert "University of Bristol" in html
    assert "University" in html
    assert register_mix["deposit"].reference in html
    assert register_mix["deposit"].title in html
    assert decision.public_rationale in html
    assert timezone.localtime(decision.decided_at).strftime("%-d %B %Y") in html
    assert decision.access_start.strftime("%-d %B %Y") in html
    assert decision.access_end.strftime("%-d %B %Y") in html


def test_register_never_shows_internal_fields(client, register_mix):
    application = register_mix["shown"][0]
    lead = register_mix["lead"]
    decision = application.decision
    urls = [
        reverse("transparency:register"),
        reverse("transparency:register_detail", args=[application.reference]),
        reverse("transparency:register_csv"),
        reverse("transparency:register_json"),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        for secret in (
            lead.email,
            lead.full_name,
            lead.researcher_profile.accreditation_number,
            decision.rationale,
            decision.decided_by.full_name,
            decision.decided_by.email,
            "INTERNAL",
            application.technical_summary,
        ):
            assert secret not in body, (url, secret)


def test_revoked_approval_is_shown_as_revoked(client, register_mix, staff):
    from panel.models import Revocation

    revoked = register_mix["revoked"]
    when = timezone.now() - timedelta(days=3)
    Revocation.objects.create(
        application=revoked, reason="INTERNAL breach report", revoked_by=staff, revoked_at=when
    )
    html = client.get(reverse("transparency:register")).content.decode()
    card = html.split(f'id="entry-{revoked.reference}"', 1)[1].split("</li>", 1)[0]
    assert "Access revoked" in card
    detail = client.get(reverse("transparency:register_detail", args=[revoked.reference])).content.decode()
    assert "later <strong>revoked</strong>, on" in detail
    assert timezone.localtime(when).strftime("%-d %B %Y") in detail
    assert "INTERNAL breach report" not in detail
    data = json.loads(client.get(reverse("transparency:register_json")).content)
    row = {r["reference"]: r for r in data["results"]}[revoked.reference]
    assert row["status"] == "Access revoked"
    assert row["revoked_on"] == timezone.localtime(when).date().isoformat()


def _assert_downloads_match_page(client, params: dict):
    html = client.get(reverse("transparency:register"), params).content.decode()
    page_refs = _page_references(html)
    csv_rows = _csv_rows(client.get(reverse("transparency:register_csv"), params))
    data = json.loads(client.get(reverse("transparency:register_json"), params).content)
    assert [r["reference"] for r in csv_rows] == page_refs
    assert [r["reference"] for r in data["results"]] == page_refs
    assert data["count"] == len(page_refs)
    for row, result in zip(csv_rows, data["results"], strict=True):
        assert list(row) == REGISTER_FIELDS
        assert set(result) == {*REGISTER_FIELDS, "dur"}  # the data-use-register values: test_register_dur.py
        for field in REGISTER_FIELDS:
            if field == "deposits":
                assert row[field] == "; ".join(f"{d['reference']} {d['title']}" for d in result[field])
            elif field == "outputs":
                assert row[field] == "; ".join(
                    f"{o['kind']}: {o['title']} ({o['published_on']})"
                    + (f" {o['doi_url'] or o['url']}" if o["doi_url"] or o["url"] else "")
                    for o in result[field]
                )
            else:
                assert row[field] == (result[field] or ""), field
        card = unescape(html.split(f'id="entry-{row["reference"]}"', 1)[1].split("</li>", 1)[0])
        assert row["title"] in card
        assert row["lead_organisation"] in card
        assert row["sector"] in card
        assert row["public_rationale"] in card
    return page_refs


def test_csv_and_json_match_the_page_unfiltered(client, register_mix):
    refs = _assert_downloads_match_page(client, {})
    assert len(refs) == 4


def test_csv_and_json_match_the_page_with_each_filter(client, register_mix):
    other_deposit = AvailableDepositFactory(title="Kinship survey")
    commercial = researcher_in(OrganisationSector.CHARITY, "Become Charity")
    last_year = timezone.now() - timedelta(days=400)
    extra = decided_application(deposits=[other_deposit], lead=commercial, decided_at=last_year)
    cases = [
        ({"deposit": other_deposit.reference}, [extra.reference]),
        ({"sector": OrganisationSector.CHARITY}, [extra.reference]),
        ({"year": timezone.localtime(last_year).year}, [extra.reference]),
        ({"status": ApplicationStatus.REVOKED}, [register_mix["revoked"].reference]),
        ({"q": "at college"}, [register_mix["shown"][0].reference]),
        ({"q": "Become Charity"}, [extra.reference]),
    ]
    for params, expected in cases:
        if "year" in params and timezone.localtime(last_year).year == timezone.localdate().year:
            continue
        assert _assert_downloads_match_page(client, params) == expected, params


def test_downloads_cover_every_page_of_the_listing(client, django_user_model):
    lead = researcher_in()
    bulk_decided_applications(45, leads=[lead], deposits=[AvailableDepositFactory()])
    refs = []
    for page in (1, 2, 3):
        refs += _page_references(
            client.get(reverse("transparency:register"), {"page": page}).content.decode()
        )
    assert len(refs) == 45
    assert [r["reference"] for r in _csv_rows(client.get(reverse("transparency:register_csv")))] == refs


def test_bad_filters_give_a_clear_message_not_an_error(client, register_mix):
    response = client.get(reverse("transparency:register"), {"year": "abc", "deposit": "NOPE"})
    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    for name in ("transparency:register_csv", "transparency:register_json"):
        response = client.get(reverse(name), {"year": "99999"})
        assert response.status_code == 400
        assert "Year of decision" in response.content.decode()
    assert client.get(reverse("transparency:register"), {"page": "999"}).status_code == 404


def test_csv_neutralises_spreadsheet_formulas(client):
    decided_application(title='=HYPERLINK("https://evil.example")', lay_summary="+1 and more")
    row = _csv_rows(client.get(reverse("transparency:register_csv")))[0]
    assert row["title"].startswith("'=")
    assert row["lay_summary"].startswith("'+")


def test_deposit_partial_lists_the_register_projects_using_it(register_mix):
    deposit = register_mix["deposit"]
    entries = register_entries_for_deposit(deposit)
    assert {e.reference for e in entries} == {a.reference for a in register_mix["shown"]}
    html = unescape(_deposit_section(deposit))
    for application in register_mix["shown"]:
        assert application.title in html
    for application in register_mix["hidden"]:
        assert application.title not in html
    assert "<caption>" in html
    other = AvailableDepositFactory()
    assert "No approved project has used this data yet." in _deposit_section(other)


def test_the_register_links_of_a_deposit_page_open_with_or_without_projects(client, register_mix):
    """The register's deposit filter offers only deposits some project uses: a deposit page without
    one linked to ``/register/?deposit=...``, whose CSV and JSON links then answered 400."""
    for deposit in (register_mix["deposit"], AvailableDepositFactory()):
        html = _deposit_section(deposit)
        register = unescape(re.search(r'href="(/register/[^"]*)"', html)[1])
        page = client.get(register)
        assert page.status_code == 200
        for download in re.findall(r'href="(/register\.(?:csv|json)[^"]*)"', page.content.decode()):
            assert client.get(unescape(download)).status_code == 200, download


def _register_queries(client, n: int, start: int) -> int:
    leads = [researcher_in(OrganisationSector.UNIVERSITY, f"University {i}") for i in range(3)]
    deposits = [AvailableDepositFactory(), AvailableDepositFactory()]
    bulk_decided_applications(n, leads=leads, deposits=deposits, start_index=start)
    counts = []
    for url, params in (
        (reverse("transparency:register"), {}),
        (reverse("transparency:register"), {"sector": OrganisationSector.UNIVERSITY, "page": 1}),
        (reverse("transparency:register_json"), {}),
        (reverse("transparency:register_csv"), {}),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_register_query_count_is_constant(client):
    small = _register_queries(client, 10, 0)
    large = _register_queries(client, 1000, 10_000)
    assert small == large


def test_deposit_partial_query_count_is_constant():
    deposit = AvailableDepositFactory()
    lead = researcher_in()
    bulk_decided_applications(10, leads=[lead], deposits=[deposit])
    with CaptureQueriesContext(connection) as small:
        _deposit_section(deposit)
    bulk_decided_applications(1000, leads=[lead], deposits=[deposit], start_index=100)
    with CaptureQueriesContext(connection) as large:
        _deposit_section(deposit)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_public_deposit_page_shows_participants_the_approved_projects_using_it(client, register_mix):
    deposit = register_mix["deposit"]
    deposit.status = "available"
    deposit.save(update_fields=["status"])
    page = unescape(client.get(reverse("deposits:detail", args=[deposit.reference])).content.decode())
    assert "How your data was used" in page
    for application in register_mix["shown"]:
        assert application.title in page
    for application in register_mix["hidden"]:
        assert application.title not in page


def test_the_register_shows_the_lead_organisation_the_decision_recorded(client):
    """A lead who edits their profile after the decision rewrites no approved project: the page,
    the detail, the deposit page's list, the CSV and the JSON show (and filter on) the organisation
    and sector recorded with the decision."""
    deposit = AvailableDepositFactory()
    lead = researcher_in(OrganisationSector.UNIVERSITY, "Keele University")
    application = decided_application(deposits=[deposit], lead=lead)
    profile = lead.researcher_profile
    profile.organisation, profile.sector = "Evil Corp", OrganisationSector.COMMERCIAL
    profile.save(update_fields=["organisation", "sector"])

    register = reverse("transparency:register")
    pages = [
        client.get(register).content.decode(),
        client.get(reverse("transparency:register_detail", args=[application.reference])).content.decode(),
        _deposit_section(deposit),
    ]
    for html in map(unescape, pages):
        assert "Keele University" in html
        assert "Evil Corp" not in html
    (row,) = _csv_rows(client.get(reverse("transparency:register_csv")))
    (result,) = json.loads(client.get(reverse("transparency:register_json")).content)["results"]
    for entry in (row, result):
        assert (entry["lead_organisation"], entry["sector"]) == ("Keele University", "University")
    for params, expected in (
        ({"sector": OrganisationSector.UNIVERSITY}, [application.reference]),
        ({"sector": OrganisationSector.COMMERCIAL}, []),
        ({"q": "Keele"}, [application.reference]),
        ({"q": "Evil Corp"}, []),
    ):
        assert _page_references(client.get(register, params).content.decode()) == expected, params
