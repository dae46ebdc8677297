"""Use conditions in a shared vocabulary (issue 18): each sensitive use and each excluded sector
maps to a GA4GH Data Use Ontology term where one exists and stays local where none does; the
migration gives the existing rows their codes; staff can change a code; the catalogue, the register
and its JSON show each condition with its term."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import OrganisationSector
from core.models import AuditEvent
from deposits import services
from deposits.enums import DUO_TERMS, SECTOR_DUO_CODES, DepositAuditAction, DuoCode
from deposits.models import SensitiveUse
from deposits.selectors import deposit_use_conditions_duo
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.transparency import decided_application

pytestmark = pytest.mark.django_db

#: The terms as the ontology has them (EBISPOT/DUO duo.csv: id, shorthand, label).
ONTOLOGY = [
    ("DUO:0000046", "NCU", "non-commercial use only"),
    ("DUO:0000045", "NPU", "not for profit organisation use only"),
    ("DUO:0000021", "IRB", "ethics approval required"),
    ("DUO:0000019", "PUB", "publication required"),
    ("DUO:0000027", "PS", "project specific restriction"),
    ("DUO:0000025", "TS", "time limit on use"),
    ("DUO:0000022", "GS", "geographical restriction"),
    ("DUO:0000029", "RTN", "return to database or resource"),
    ("DUO:0000020", "COL", "collaboration required"),
]

#: What each seeded sensitive use amounts to when a deposit excludes it (None: a local condition).
SEEDED = {
    "commercial": "NCU",
    "recontact": None,
    "identifiable_linkage": None,
    "identify_placements": None,
    "criminal_justice": None,
    "immigration_enforcement": None,
}


@pytest.mark.parametrize(("duo_id", "code", "label"), ONTOLOGY)
def test_each_code_has_the_ontology_id_and_label(duo_id, code, label):
    term = DUO_TERMS[code]
    assert (term.duo_id, term.code, term.label) == (duo_id, code, label)
    assert term.iri == f"http://purl.obolibrary.org/obo/{duo_id.replace(':', '_')}"
    assert DuoCode(code).label == f"{code}: {label} ({duo_id})"


def test_the_codes_staff_can_choose_are_the_ontology_terms():
    assert set(DuoCode.values) == set(DUO_TERMS) == {code for _id, code, _label in ONTOLOGY}


@pytest.mark.parametrize(
    ("sector", "code"), [(s, SECTOR_DUO_CODES.get(s)) for s in OrganisationSector.values]
)
def test_only_the_commercial_sector_has_a_duo_term(sector, code):
    assert code == ("NPU" if sector == OrganisationSector.COMMERCIAL else None)


def test_the_seeded_sensitive_uses_have_their_codes(uses):
    assert {code: uses[code].duo_code or None for code in SEEDED} == SEEDED


def test_the_migration_gives_existing_rows_their_codes_and_leaves_staff_rows_local(uses):
    staff_added = SensitiveUse.objects.create(code="insurance", name="Insurance pricing")
    executor = MigrationExecutor(connection)
    executor.migrate([("deposits", "0005_one_line_text_policy")])  # before the column existed
    executor.loader.build_graph()
    executor.migrate([("deposits", "0006_sensitive_use_duo_code")])
    codes = dict(SensitiveUse.objects.values_list("code", "duo_code"))
    assert codes["commercial"] == "NCU"
    assert all(codes[code] == "" for code, duo in SEEDED.items() if duo is None)
    assert codes[staff_added.code] == ""


def test_a_deposit_lists_each_condition_with_its_term_or_local(uses):
    deposit = AvailableDepositFactory(
        excluded_uses=[uses["commercial"], uses["recontact"]],
        excluded_sectors=[OrganisationSector.COMMERCIAL, OrganisationSector.LOCAL_AUTHORITY],
        permitted_purposes="Research in the public interest.",
    )
    conditions = deposit_use_conditions_duo(deposit)
    assert [(c["kind"], c["condition"], c["code"], c["duo_id"], c["local"]) for c in conditions] == [
        ("archive", "Access is granted for the approved project only", "PS", "DUO:0000027", False),
        ("archive", "Access ends with the approved access period", "TS", "DUO:0000025", False),
        ("permitted_purposes", "Permitted purposes: Research in the public interest.", None, None, True),
        ("excluded_use", "Excluded use: Commercial or for-profit use", "NCU", "DUO:0000046", False),
        ("excluded_use", "Excluded use: Re-contacting participants", None, None, True),
        ("excluded_sector", "Excluded sector: Commercial", "NPU", "DUO:0000045", False),
        ("excluded_sector", "Excluded sector: Local authority", None, None, True),
    ]
    ncu = conditions[3]
    assert (ncu["label"], ncu["iri"]) == (
        "non-commercial use only",
        "http://purl.obolibrary.org/obo/DUO_0000046",
    )
    assert all(c["label"] is None and c["iri"] is None for c in conditions if c["local"])


def test_staff_map_a_sensitive_use_to_a_duo_code_and_it_is_audited(client_for, staff):
    use = SensitiveUse.objects.get(code="identify_placements")
    edit = reverse("deposits:staff_sensitive_use_edit", args=[use.pk])
    form = client_for(staff).get(edit)
    assert "GA4GH DUO code" in form.content.decode()
    response = client_for(staff).post(
        edit, {"name": use.name, "description": use.description, "duo_code": "PS", "is_active": "on"}
    )
    assert response.status_code == 302
    use.refresh_from_db()
    assert use.duo_code == DuoCode.PS
    event = AuditEvent.objects.filter(action=DepositAuditAction.SENSITIVE_USE_UPDATED).latest("pk")
    assert (event.data["before"]["duo_code"], event.data["after"]["duo_code"]) == ("", "PS")
    listing = client_for(staff).get(reverse("deposits:staff_sensitive_uses")).content.decode()
    assert "PS: project specific restriction (DUO:0000027)" in listing
    assert "local condition" in listing  # the uses with no term
    bad = client_for(staff).post(edit, {"name": use.name, "duo_code": "XYZ", "is_active": "on"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["duo_code"]


def test_staff_choose_a_code_when_adding_a_sensitive_use(staff):
    use = services.sensitive_use_create(
        actor=staff, code="no-return", name="Keeping derived data", duo_code="RTN"
    )
    assert use.duo_code == "RTN"
    event = AuditEvent.objects.filter(action=DepositAuditAction.SENSITIVE_USE_CREATED).latest("pk")
    assert event.data == {"code": "no-return", "duo_code": "RTN"}


def test_the_catalogue_page_shows_each_condition_with_its_duo_term(client, uses):
    deposit = AvailableDepositFactory(
        excluded_uses=[uses["commercial"], uses["recontact"]],
        excluded_sectors=[OrganisationSector.COMMERCIAL],
    )
    html = client.get(reverse("deposits:detail", args=[deposit.reference])).content.decode()
    table = html.split('id="duo-conditions"', 1)[1].split("</table>", 1)[0]
    assert "Non-commercial use only (DUO:0000046 NCU)" in table
    assert "Not for profit organisation use only (DUO:0000045 NPU)" in table
    assert "Project specific restriction (DUO:0000027 PS)" in table
    assert "Time limit on use (DUO:0000025 TS)" in table
    assert "Excluded use: Re-contacting participants</td>\n      <td>local condition" in table


def test_the_register_entry_and_its_json_show_each_dataset_s_conditions(client, uses):
    deposit = AvailableDepositFactory(excluded_uses=[uses["commercial"], uses["recontact"]])
    application = decided_application(deposits=[deposit])
    html = client.get(reverse("transparency:register_detail", args=[application.reference])).content.decode()
    table = html.split(f'id="duo-conditions-{deposit.reference}"', 1)[1].split("</table>", 1)[0]
    assert f"Use conditions of {deposit.reference} in the GA4GH Data Use Ontology" in table
    assert "Non-commercial use only (DUO:0000046 NCU)" in table
    assert "local condition" in table
    data = json.loads(client.get(reverse("transparency:register_json")).content)
    (result,) = data["results"]
    (dataset,) = result["deposits"]
    assert dataset["reference"] == deposit.reference
    assert dataset["use_conditions"] == json.loads(json.dumps(deposit_use_conditions_duo(deposit)))


def test_the_register_reads_the_conditions_in_a_fixed_number_of_queries(client, uses):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("transparency:register_json")).status_code == 200
        return len(ctx)

    decided_application(deposits=[AvailableDepositFactory(excluded_uses=[uses["commercial"]])])
    few = queries()
    for _ in range(5):
        decided_application(
            deposits=[
                AvailableDepositFactory(excluded_uses=[uses["commercial"], uses["recontact"]]),
                AvailableDepositFactory(),
            ]
        )
    assert queries() == few
