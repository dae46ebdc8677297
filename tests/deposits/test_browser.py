"""In a real browser (Chromium, CSP enforced, axe-core on every page): one staff member registers a
deposit with its documents, a second approves it, and the public finds it in the catalogue.

The journey runs Playwright in a thread of its own: Playwright's sync API allows one instance per
thread, and the session-wide ``chromium`` fixture of tests/browser may already hold this one."""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from deposits.enums import DepositStatus
from deposits.models import Deposit
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Journey
from tests.conftest import sign_in_fully
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import PDF_BYTES

pytestmark = [
    # No serialized_rollback: mixed with the plain transactional tests elsewhere it collides on
    # content types; the ``uses`` fixture re-seeds the one migration-seeded list these tests need.
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]


def _cookie(live_server, user) -> dict:
    client = sign_in_fully(Client(), user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _run_in_own_thread(target) -> None:
    errors: list[BaseException] = []

    def run():
        try:
            target()
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="deposits-browser-journey")
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the browser journey did not finish in 5 minutes"
    if errors:
        raise errors[0]


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


def test_register_approve_and_publish_a_deposit_in_the_browser(live_server, tmp_path, uses):
    registrar = StaffFactory(full_name="Chris Bennett")
    approver = StaffFactory(full_name="Rosa Delgado")
    cookies = {"registrar": _cookie(live_server, registrar), "approver": _cookie(live_server, approver)}

    def journey():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                _journey(browser, live_server, tmp_path, cookies, approver)
            finally:
                browser.close()

    _run_in_own_thread(journey)


def _open(browser, live_server, name, cookie=None) -> Journey:
    j = Journey(browser, live_server.url, f"deposits-register-approve-publish-{name}")
    if cookie:
        j.context.add_cookies([cookie])
    return j


def _journey(browser, live_server, tmp_path, cookies, approver):
    j = _open(browser, live_server, "registrar", cookies["registrar"])
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

    k = _open(browser, live_server, "approver", cookies["approver"])
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

    public = _open(browser, live_server, "public")
    public.goto("/deposits/?q=care+leavers")
    public.check("catalogue")
    public.page.get_by_role("link", name="Moving On: outcomes for care leavers").click()
    public.page.wait_for_load_state()
    public.check("public detail")
    body = public.page.content()
    assert "Privacy notice" in body
    assert "DPIA report" not in body
    assert "Commercial or for-profit use" in body
