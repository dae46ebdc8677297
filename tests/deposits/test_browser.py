"""In a real browser (Chromium, axe-core on every page): one staff member registers a
deposit with its documents, a second approves it, and the public finds it in the catalogue."""

import pytest

from deposits.enums import DepositStatus
from deposits.models import Deposit
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import PDF_BYTES

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]


def _add_document(j, reference, tmp_path, *, kind, title, public):
    pdf = tmp_path / f"{kind}.pdf"
    pdf.write_bytes(PDF_BYTES)
    j.goto(f"/deposits/staff/{reference}/documents/new/")
    page = j.page
    page.select_option("#id_kind", kind)
    page.fill("#id_title", title)
    page.set_input_files("#id_file", str(pdf))
    page.fill("#id_version", "2.0")
    page.fill("#id_document_date", "2024-03-01")
    if public:
        page.uncheck("#id_is_internal")
    page.get_by_role("button", name="Add document").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/deposits/staff/{reference}/")


def test_register_approve_and_publish_a_deposit_in_the_browser(journey, tmp_path, uses):
    registrar = StaffFactory(full_name="Chris Bennett")
    approver = StaffFactory(full_name="Rosa Delgado")
    j = journey("registrar", user=registrar)
    j.goto("/deposits/staff/new/")
    j.check("register form")
    page = j.page
    page.fill("#id_title", "Moving On: outcomes for care leavers")
    page.fill("#id_description", "A cohort of young people leaving care, followed to 25.")
    page.fill("#id_originating_project", "Moving On cohort study")
    page.fill("#id_principal_investigator", "Prof Nadia Hussain")
    page.fill("#id_institution", "University of Leeds")
    page.select_option("#id_population", "care_leavers")
    page.select_option("#id_geography", "england")
    page.fill("#id_dpia_reference", "DPIA-2023-014")
    page.select_option("#id_dpia_outcome", "risks_mitigated")
    page.fill("#id_srs_dataset_ids", "SRS-MOVON-W1\nSRS-MOVON-W2")
    page.select_option("#id_access_level", "safe_room")
    page.fill("#id_permitted_purposes", "Non-commercial research on leaving care.")
    page.get_by_label("Commercial or for-profit use").check()
    page.get_by_role("checkbox", name="Commercial", exact=True).check()
    page.get_by_role("button", name="Register deposit").click()
    page.wait_for_load_state()
    deposit = Deposit.objects.get()
    assert page.url.endswith(f"/deposits/staff/{deposit.reference}/")
    _add_document(j, deposit.reference, tmp_path, kind="privacy_notice", title="Privacy notice", public=True)
    _add_document(j, deposit.reference, tmp_path, kind="dpia", title="DPIA report", public=False)
    j.check("record with documents")
    j.goto(f"/deposits/staff/{deposit.reference}/status/")
    page.select_option("#id_action", "submit")
    page.fill("#id_reason", "Record complete")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_load_state()
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    j.goto(f"/deposits/staff/{deposit.reference}/approve/")
    assert page.get_by_role("button", name="Approve").count() == 0  # not for the registrar

    k = journey("approver", user=approver)
    k.goto(f"/deposits/staff/{deposit.reference}/approve/")
    k.check("approval page")
    k.page.get_by_label("I have read the privacy notice").check()
    k.page.get_by_label("I have read the DPIA").check()
    k.page.get_by_role("button", name="Approve").click()
    k.page.wait_for_load_state()
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AVAILABLE
    assert deposit.approved_by == approver
    k.goto(f"/deposits/staff/{deposit.reference}/history/")
    k.check("history")
    k.goto("/deposits/staff/")
    k.check("register")

    public = journey("public")
    public.goto("/deposits/?q=care+leavers")
    public.check("catalogue")
    public.page.get_by_role("link", name="Moving On: outcomes for care leavers").click()
    public.page.wait_for_load_state()
    public.check("public detail")
    body = public.page.content()
    assert "Privacy notice" in body
    assert "DPIA report" not in body
    assert "Commercial or for-profit use" in body
