"""Acceptance 5 of issue 18: ``/register.csv?format=dur`` has the 31 columns of the HDR UK data-use
register template in its order, the 7 required ones filled for every approved, consenting project
and for no other project; the JSON register carries the same values."""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationSector
from applications.enums import ApplicationStatus, MemberRole
from applications.selectors import researcher_snapshot
from deposits.enums import DeidentificationLevel
from panel.enums import DecisionOutcome
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.panel import DecisionFactory
from tests.factories.transparency import RegisterApplicationFactory, decided_application, researcher_in
from transparency.dur import DUR_COLUMNS

pytestmark = pytest.mark.django_db

COLUMNS_FILE = Path("/work/shared/dur-columns.txt")

#: The 7 columns the gateway's importer refuses a row without.
REQUIRED = [
    "Organisation name",
    "Project title",
    "Lay summary",
    "Public benefit statement",
    "Latest approval date",
    "Dataset(s) name",
    "Access type",
]


def _template_headers() -> tuple[list[str], list[str]]:
    """The template's headers (comments skipped, ``*`` stripped) and the ones marked required."""
    headers, required = [], []
    for line in COLUMNS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name = line.strip()
        if name.endswith("*"):
            name = name.rstrip("*").strip()
            required.append(name)
        headers.append(name)
    return headers, required


def _dur(client, params=None) -> tuple[list[str], list[dict]]:
    response = client.get(reverse("transparency:register_csv"), {"format": "dur", **(params or {})})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.reader(io.StringIO(response.content.decode()))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


@pytest.fixture
def projects():
    deposit = AvailableDepositFactory(
        title="Moving On study", deidentification_level=DeidentificationLevel.PSEUDONYMISED
    )
    lead = researcher_in(OrganisationSector.CHARITY, "Become Charity")
    shown = [
        decided_application(deposits=[deposit], lead=lead, title="Care leavers and college"),
        decided_application(
            outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS, deposits=[deposit], title="Kinship and school"
        ),
        decided_application(status=ApplicationStatus.REVOKED, deposits=[deposit], title="Revoked later"),
        decided_application(status=ApplicationStatus.ACCESS_ENDED, deposits=[deposit], title="Access ended"),
    ]
    hidden = [
        decided_application(deposits=[deposit], consent_to_publish=False, title="NOT CONSENTED"),
        decided_application(outcome=DecisionOutcome.REJECTED, deposits=[deposit], title="REJECTED BY PANEL"),
        decided_application(
            outcome=DecisionOutcome.REJECTED, is_automatic=True, deposits=[deposit], title="REJECTED AUTO"
        ),
        RegisterApplicationFactory(status=ApplicationStatus.UNDER_REVIEW, deposits=[deposit], title="UNDER"),
    ]
    return {"deposit": deposit, "shown": shown, "hidden": hidden, "lead": lead}


def test_the_template_file_lists_31_columns_of_which_7_are_required():
    headers, required = _template_headers()
    assert len(headers) == 31
    assert required == REQUIRED


def test_the_dur_csv_header_is_the_template_in_its_order(client, projects):
    headers, _required = _template_headers()
    header, _rows = _dur(client)
    assert header == headers


def test_the_dur_csv_header_stands_alone_when_the_register_is_empty(client):
    headers, _required = _template_headers()
    header, rows = _dur(client)
    assert (header, rows) == (headers, [])


def test_every_approved_consenting_project_has_the_required_columns_and_no_other_project_is_listed(
    client, projects
):
    _header, rows = _dur(client)
    assert sorted(row["Project ID"] for row in rows) == sorted(a.reference for a in projects["shown"])
    for row in rows:
        for column in REQUIRED:
            assert row[column].strip(), (row["Project ID"], column)
        assert row["Access type"] == "TRE"
    body = client.get(reverse("transparency:register_csv"), {"format": "dur"}).content.decode()
    for application in projects["hidden"]:
        assert application.reference not in body
        assert application.title not in body


def test_a_project_row_holds_what_the_portal_knows(client, projects):
    application = projects["shown"][0]
    decision = application.decision
    _header, rows = _dur(client)
    row = {r["Project ID"]: r for r in rows}[application.reference]
    assert row["Organisation name"] == "Become Charity"
    assert row["Organisation sector"] == "Independent Sector Organisation"
    assert row["Project title"] == "Care leavers and college"
    assert row["Lay summary"] == application.lay_summary
    assert row["Public benefit statement"] == application.public_benefit
    assert row["Funders/ Sponsors"] == "Nuffield Foundation, University of Bristol (sponsor)"
    assert row["DEA accredited researcher?"] == "Yes"
    assert row["Latest approval date"] == timezone.localtime(decision.decided_at).date().isoformat()
    assert row["Project start date"] == row["Release/Access date"] == decision.access_start.isoformat()
    assert row["Project end date"] == decision.access_end.isoformat()
    assert row["Dataset(s) name"] == "Moving On study"
    assert row["Data sensitivity level"] == "De-Personalised"
    assert row["Legal basis for provision of data under Article 6"] == "Art 6(1)(e) public task"
    assert row["Lawful conditions for provision of data under Article 9"] == (
        "Art 9(2)(j) archiving, research and statistics"
    )
    assert row["How has data been processed to enhance privacy?"].startswith("Moving On study: Pseudonymised")
    assert row["Link to research outputs"] == ""


def test_the_dur_csv_keeps_private_answers_out(client, projects):
    application = projects["shown"][0]
    lead = projects["lead"]
    body = client.get(reverse("transparency:register_csv"), {"format": "dur"}).content.decode()
    for secret in (
        lead.email,
        lead.full_name,  # the team did not agree to be named
        lead.researcher_profile.accreditation_number,
        application.decision.rationale,
        application.technical_summary,
        "INTERNAL",
    ):
        assert secret not in body, secret


def test_the_team_is_named_only_when_it_agreed(client):
    lead = researcher_in()
    named = decided_application(
        lead=lead, consent_to_publish_names=True, deposits=[AvailableDepositFactory()]
    )
    unnamed = decided_application(deposits=[AvailableDepositFactory()])
    _header, rows = _dur(client)
    by_ref = {r["Project ID"]: r for r in rows}
    assert by_ref[named.reference]["Applicant name(s)"] == lead.full_name
    assert by_ref[unnamed.reference]["Applicant name(s)"] == ""
    assert lead.email not in json.dumps(by_ref)


def test_a_team_member_not_accredited_at_the_decision_makes_the_project_not_dea_accredited(client):
    lead = researcher_in()
    application = RegisterApplicationFactory(
        status=ApplicationStatus.APPROVED, lead=lead, deposits=[AvailableDepositFactory()]
    )
    snapshot = researcher_snapshot(user=lead, role=MemberRole.LEAD)
    expired = {
        **snapshot,
        "role": MemberRole.RESEARCHER,
        "name": "Dr Lapsed",
        "accreditation_expires_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
    }
    DecisionFactory(application=application, team=[snapshot, expired])
    accredited = decided_application(deposits=[AvailableDepositFactory()])
    _header, rows = _dur(client)
    by_ref = {r["Project ID"]: r for r in rows}
    assert by_ref[application.reference]["DEA accredited researcher?"] == "No"
    assert by_ref[accredited.reference]["DEA accredited researcher?"] == "Yes"


def test_the_dur_csv_neutralises_spreadsheet_formulas(client):
    decided_application(
        title='=HYPERLINK("https://evil.example")',
        lay_summary="+1 and more",
        public_benefit="@SUM(A1)",
        funders_sponsors="-2 Foundation",
        deposits=[AvailableDepositFactory()],
    )
    _header, (row,) = _dur(client)
    assert row["Project title"].startswith("'=")
    assert row["Lay summary"].startswith("'+")
    assert row["Public benefit statement"].startswith("'@")
    assert row["Funders/ Sponsors"].startswith("'-")


def test_the_dur_csv_takes_the_register_filters(client, projects):
    other = decided_application(deposits=[AvailableDepositFactory(title="Kinship survey")])
    _header, rows = _dur(client, {"deposit": other.deposits.get().reference})
    assert [r["Project ID"] for r in rows] == [other.reference]
    response = client.get(reverse("transparency:register_csv"), {"format": "dur", "year": "99999"})
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["xlsx", "DUR", "dur\x00", "x" * 500])
def test_an_unknown_format_is_refused_with_a_message(client, value):
    response = client.get(reverse("transparency:register_csv"), {"format": value})
    assert response.status_code == 400
    assert "Unknown format" in response.content.decode()
    assert "format=dur" in response.content.decode()


def test_the_default_csv_is_unchanged_by_the_format(client, projects):
    plain = client.get(reverse("transparency:register_csv")).content
    named = client.get(reverse("transparency:register_csv"), {"format": "register"}).content
    assert plain == named
    assert plain.decode().splitlines()[0].startswith("reference,title,lay_summary")


def test_the_json_register_carries_the_same_dur_values(client, projects):
    _header, rows = _dur(client)
    data = json.loads(client.get(reverse("transparency:register_json")).content)
    assert [r["reference"] for r in data["results"]] == [row["Project ID"] for row in rows]
    for row, result in zip(rows, data["results"], strict=True):
        assert list(result["dur"]) == [column.key for column in DUR_COLUMNS]
        assert [result["dur"][column.key] for column in DUR_COLUMNS] == [
            row[column.header] for column in DUR_COLUMNS
        ]
        for column in REQUIRED:
            key = next(c.key for c in DUR_COLUMNS if c.header == column)
            assert result["dur"][key].strip()


def test_the_register_page_links_the_dur_download_with_its_filters(client, projects):
    deposit = projects["deposit"]
    html = client.get(reverse("transparency:register"), {"deposit": deposit.reference}).content.decode()
    assert f'href="/register.csv?format=dur&amp;deposit={deposit.reference}"' in html


def test_the_links_to_research_outputs_are_the_outputs_doi_or_own_links(client):
    from tests.factories.applications import record_output

    application = decided_application(deposits=[AvailableDepositFactory()])
    record_output(application, title="A paper", doi="10.1234/ABC.1")
    record_output(application, kind="presentation", title="A talk", url="https://example.org/slides")
    record_output(application, kind="presentation", title="A talk with no link")
    _header, (row,) = _dur(client)
    links = row["Link to research outputs"].split(", ")
    assert sorted(links) == ["https://doi.org/10.1234/abc.1", "https://example.org/slides"]


def test_the_dur_row_reads_the_datasets_and_period_of_the_grant_in_force(client):
    """An approved change (grant 2) that takes a deposit off: the row names the grant's datasets."""
    from applications.models import Grant

    kept = AvailableDepositFactory(
        title="Kept study", deidentification_level=DeidentificationLevel.ANONYMISED
    )
    dropped = AvailableDepositFactory(
        title="Dropped study", deidentification_level=DeidentificationLevel.PSEUDONYMISED
    )
    application = decided_application(deposits=[kept, dropped])
    grant = Grant.objects.get(application=application)
    grant.datasets = [d for d in grant.datasets if d["reference"] == kept.reference]
    grant.save(update_fields=["datasets"])
    grant.deposits.set([kept])
    _header, (row,) = _dur(client)
    assert row["Dataset(s) name"] == "Kept study"
    assert row["Data sensitivity level"] == "Anonymous"
    assert "Dropped study" not in row["How has data been processed to enhance privacy?"]
    assert row["Project end date"] == grant.access_end.isoformat()


def test_the_register_entry_page_shows_what_the_dur_download_publishes(client):
    lead = researcher_in()
    named = decided_application(
        lead=lead, consent_to_publish_names=True, deposits=[AvailableDepositFactory()]
    )
    html = client.get(reverse("transparency:register_detail", args=[named.reference])).content.decode()
    assert named.public_benefit in html
    assert "Nuffield Foundation, University of Bristol (sponsor)" in html
    assert "Art 6(1)(e) public task" in html
    assert lead.full_name in html
    unnamed = decided_application(lead=researcher_in(), deposits=[AvailableDepositFactory()])
    other = client.get(reverse("transparency:register_detail", args=[unnamed.reference])).content.decode()
    assert unnamed.lead.full_name not in other
    assert "Research team" not in other
