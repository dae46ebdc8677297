"""Issue 17, acceptance 4: outputs a team records appear on the public register (the entry's page,
the CSV and the JSON) and on the public page of every deposit they used, under "How your data was
used"; a deposit the output did not use does not list it; a project that did not consent to
publication shows nowhere; the pages' query counts do not grow with the outputs."""

import csv
import io
import json
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deposits.public_page import deposit_page_sections
from tests.factories.applications import record_output
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def outputs_world():
    used, also_used, unused = (
        AvailableDepositFactory(title="Moving On study"),
        AvailableDepositFactory(title="Kinship survey"),
        AvailableDepositFactory(title="Foster carers' panel"),
    )
    project = decided_application(deposits=[used, also_used, unused], title="Care leavers and college")
    paper = record_output(
        project,
        title="College completion of care leavers",
        doi="https://doi.org/10.1234/CL.2026.1",
        published_on=date(2026, 3, 1),
        citation="Jones A, Smith B (2026). College completion of care leavers. Child Care Rev 9(2).",
        deposits=[used, also_used],
    )
    talk = record_output(
        project,
        kind="presentation",
        title="Talk to local authorities",
        url="https://example.org/slides",
        published_on=date(2026, 4, 2),
        deposits=[used],
    )
    secret = decided_application(deposits=[used], consent_to_publish=False, title="NOT CONSENTED")
    hidden_output = record_output(
        secret, title="HIDDEN OUTPUT OF A NON-CONSENTING PROJECT", doi="10.9999/hidden"
    )
    return {
        "project": project,
        "paper": paper,
        "talk": talk,
        "used": used,
        "also_used": also_used,
        "unused": unused,
        "hidden": hidden_output,
    }


def _deposit_page(client, deposit) -> str:
    response = client.get(reverse("deposits:detail", args=[deposit.reference]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_register_entry_shows_the_outputs(client, outputs_world):
    project = outputs_world["project"]
    html = unescape(
        client.get(reverse("transparency:register_detail", args=[project.reference])).content.decode()
    )
    section = html.split('id="entry-outputs"', 1)[1]
    assert "College completion of care leavers" in section
    assert 'href="https://doi.org/10.1234/cl.2026.1"' in section
    assert "Jones A, Smith B (2026)" in section
    assert "Talk to local authorities" in section
    assert 'href="https://example.org/slides"' in section
    assert "Presentation" in section
    assert "HIDDEN OUTPUT" not in html
    assert project.lead.email not in html  # who recorded an output is not public


def test_the_register_csv_and_json_carry_the_outputs(client, outputs_world):
    project, used, also_used = outputs_world["project"], outputs_world["used"], outputs_world["also_used"]
    data = json.loads(client.get(reverse("transparency:register_json")).content)
    (entry,) = [r for r in data["results"] if r["reference"] == project.reference]
    assert entry["outputs"] == [
        {
            "kind": "Presentation",
            "title": "Talk to local authorities",
            "published_on": "2026-04-02",
            "doi": "",
            "url": "https://example.org/slides",
            "citation": outputs_world["talk"].citation,
            "deposits": [used.reference],
            "doi_url": "",
        },
        {
            "kind": "Publication",
            "title": "College completion of care leavers",
            "published_on": "2026-03-01",
            "doi": "10.1234/cl.2026.1",
            "url": "",
            "citation": "Jones A, Smith B (2026). College completion of care leavers. Child Care Rev 9(2).",
            "deposits": sorted([used.reference, also_used.reference]),
            "doi_url": "https://doi.org/10.1234/cl.2026.1",
        },
    ]
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("transparency:register_csv")).content.decode()))
    )
    (row,) = [r for r in rows if r["reference"] == project.reference]
    assert row["outputs"] == (
        "Presentation: Talk to local authorities (2026-04-02) https://example.org/slides; "
        "Publication: College completion of care leavers (2026-03-01) https://doi.org/10.1234/cl.2026.1"
    )
    everything = json.dumps(data) + str(rows)
    assert "HIDDEN OUTPUT" not in everything
    assert "10.9999/hidden" not in everything


def test_the_register_columns_keep_their_order_and_new_ones_are_appended(client, outputs_world):
    header = client.get(reverse("transparency:register_csv")).content.decode().splitlines()[0]
    assert header == (
        "reference,title,lay_summary,lead_organisation,sector,deposits,decision_date,outcome,status,"
        "access_start,access_end,public_rationale,revoked_on,grant,outputs"
    )


def test_every_deposit_page_an_output_used_shows_it_under_how_your_data_was_used(client, outputs_world):
    project = outputs_world["project"]
    for deposit, expected in (
        (outputs_world["used"], ["College completion of care leavers", "Talk to local authorities"]),
        (outputs_world["also_used"], ["College completion of care leavers"]),
    ):
        html = _deposit_page(client, deposit)
        section = html.split('id="deposit-projects"', 1)[1]
        assert "How your data was used" in section
        row = section.split(f'id="deposit-use-{project.reference}"', 1)[1].split("</tr>", 1)[0]
        assert project.title in row
        for title in expected:
            assert title in row, (deposit.reference, title)
    also = _deposit_page(client, outputs_world["also_used"])
    assert "Talk to local authorities" not in also  # the talk used only the first deposit


def test_a_deposit_no_output_used_lists_the_project_but_none_of_its_outputs(client, outputs_world):
    html = _deposit_page(client, outputs_world["unused"])
    section = html.split('id="deposit-projects"', 1)[1]
    assert outputs_world["project"].title in section  # approved to use it
    assert "College completion of care leavers" not in section
    assert "Talk to local authorities" not in section
    assert "None recorded yet" in section


def test_a_non_consenting_project_and_its_outputs_appear_on_no_deposit_page(client, outputs_world):
    html = _deposit_page(client, outputs_world["used"])
    assert "NOT CONSENTED" not in html
    assert "HIDDEN OUTPUT" not in html


def test_a_removed_output_leaves_the_register_and_the_deposit_pages(client, outputs_world):
    from applications.after_approval.services import application_output_remove

    application_output_remove(output=outputs_world["paper"], actor=outputs_world["project"].lead)
    assert "College completion" not in _deposit_page(client, outputs_world["used"])
    assert "College completion" not in client.get(reverse("transparency:register_json")).content.decode()


def test_the_deposit_page_section_comes_from_the_register_provider(outputs_world):
    """deposits knows nothing of the register: transparency registers the section in ready()."""
    (section,) = deposit_page_sections(outputs_world["used"])
    assert 'id="deposit-projects"' in section


def _queries(client, deposit, reference) -> list[int]:
    counts = []
    for url in (
        reverse("deposits:detail", args=[deposit.reference]),
        reverse("transparency:register_detail", args=[reference]),
        reverse("transparency:register_json"),
        reverse("transparency:register_csv"),
        reverse("transparency:register"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_the_pages_query_counts_do_not_grow_with_the_outputs(client):
    deposits = [AvailableDepositFactory(), AvailableDepositFactory()]
    projects = [decided_application(deposits=deposits) for _ in range(3)]
    for project in projects:
        record_output(project, doi=f"10.1234/first-{project.pk}")
    small = _queries(client, deposits[0], projects[0].reference)
    for project in projects:
        for n in range(6):
            record_output(project, title=f"Output {n}", doi=f"10.1234/{project.pk}-{n}")
    projects.append(decided_application(deposits=deposits))
    record_output(projects[-1])
    assert _queries(client, deposits[0], projects[0].reference) == small
