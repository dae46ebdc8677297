import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from deposits.enums import DepositAuditAction, DepositStatus, DocumentKind
from deposits.models import Deposit, DepositApproval, DepositDocument, SrsDataset
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import (
    PDF_BYTES,
    AvailableDepositFactory,
    DepositDocumentFactory,
    DepositFactory,
    governance_documents,
)

pytestmark = pytest.mark.django_db


def _create_post(**overrides) -> dict:
    data = {
        "title": "Foster placement stability study",
        "description": "Placements and what makes them last.",
        "originating_project": "Stable Homes",
        "principal_investigator": "Dr Owen Pritchard",
        "institution": "Cardiff University",
        "population": "children_looked_after",
        "geography": "england_and_wales",
        "access_level": "assured_remote",
        "dpia_reference": "DPIA-2023-021",
        "dpia_outcome": "risks_mitigated",
        "srs_dataset_ids": "SRS-STABLE-1\nSRS-STABLE-2",
        "permitted_purposes": "Research on placement stability.",
        "data_owner_is_internal": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _document_post(kind, *, content=PDF_BYTES, name="doc.pdf", internal=False, **extra) -> dict:
    data = {
        "kind": kind,
        "title": f"{kind} document",
        "version": "1.0",
        "document_date": "2024-01-10",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        **extra,
    }
    if internal:
        data["is_internal"] = "on"
    return data


# --- Acceptance 1: create with documents, a second staff member approves, it appears -----------------


def test_staff_create_with_documents_second_staff_approves_and_it_appears_in_the_catalogue(
    client, client_for, staff, uses
):
    registrar = client_for(staff)
    response = registrar.post(
        reverse("deposits:staff_create"), _create_post(excluded_uses=[uses["commercial"].pk])
    )
    deposit = Deposit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deposits:staff_detail", args=[deposit.reference])
    add_document = reverse("deposits:staff_document_add", args=[deposit.reference])
    assert registrar.post(add_document, _document_post(DocumentKind.PRIVACY_NOTICE)).status_code == 302
    assert registrar.post(add_document, _document_post(DocumentKind.DPIA, internal=True)).status_code == 302
    assert deposit.documents.count() == 2

    status_url = reverse("deposits:staff_status", args=[deposit.reference])
    assert registrar.post(status_url, {"action": "submit", "reason": "Ready"}).status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL

    # The registrar cannot approve their own deposit.
    approve_url = reverse("deposits:staff_approve", args=[deposit.reference])
    checks = {"privacy_notice_checked": "on", "dpia_checked": "on"}
    assert registrar.post(approve_url, checks).status_code == 403
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    assert client.get(reverse("deposits:detail", args=[deposit.reference])).status_code == 404

    second = StaffFactory()
    response = client_for(second).post(approve_url, {**checks, "note": "Both read"})
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AVAILABLE
    approval = DepositApproval.objects.get(deposit=deposit)
    assert approval.approved_by == second
    assert approval.privacy_notice_checked
    assert approval.dpia_checked

    page = client.get(reverse("deposits:catalogue"))
    assert deposit.title in page.content.decode()
    detail = client.get(reverse("deposits:detail", args=[deposit.reference]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "privacy_notice document" in body  # the privacy notice is shown
    assert "dpia document" not in body  # the internal DPIA is not
    assert "Commercial or for-profit use" in body  # use conditions


def test_approval_page_refuses_unchecked_boxes_with_a_form_error(client_for, staff, staff2):
    deposit = DepositFactory(created_by=staff, status=DepositStatus.AWAITING_APPROVAL)
    governance_documents(deposit)
    response = client_for(staff2).post(reverse("deposits:staff_approve", args=[deposit.reference]), {})
    assert response.status_code == 200
    assert response.context["form"].errors
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL


@pytest.mark.parametrize(
    "status",
    [DepositStatus.DRAFT, DepositStatus.AWAITING_APPROVAL, DepositStatus.SUSPENDED, DepositStatus.WITHDRAWN],
)
def test_unavailable_deposits_are_not_in_the_catalogue_and_their_detail_is_404(client, status):
    hidden = DepositFactory(status=status, title="Hidden study of kinship care")
    shown = AvailableDepositFactory(title="Open study of care leavers")
    body = client.get(reverse("deposits:catalogue")).content.decode()
    assert shown.title in body
    assert hidden.title not in body
    assert client.get(reverse("deposits:detail", args=[hidden.reference])).status_code == 404
    assert client.get(reverse("deposits:detail", args=[shown.reference])).status_code == 200


def test_public_detail_never_shows_internal_documents_or_contacts(client):
    deposit = AvailableDepositFactory(data_owner_name="Secret Owner", data_owner_is_internal=True)
    notice = DepositDocumentFactory(deposit=deposit, title="Notice for families", is_internal=False)
    internal = DepositDocumentFactory(
        deposit=deposit, kind=DocumentKind.DPIA, title="Internal DPIA file", is_internal=True
    )
    body = client.get(reverse("deposits:detail", args=[deposit.reference])).content.decode()
    assert "Notice for families" in body
    assert "Internal DPIA file" not in body
    assert "Secret Owner" not in body
    assert (
        client.get(reverse("deposits:public_document", args=[deposit.reference, notice.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("deposits:public_document", args=[deposit.reference, internal.pk])).status_code
        == 404
    )


def test_public_document_download_is_an_attachment_that_is_not_cached(client):
    deposit = AvailableDepositFactory()
    notice = DepositDocumentFactory(deposit=deposit)
    response = client.get(reverse("deposits:public_document", args=[deposit.reference, notice.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_documents_of_unavailable_deposits_are_404_to_the_public(client):
    deposit = DepositFactory(status=DepositStatus.SUSPENDED)
    notice = DepositDocumentFactory(deposit=deposit, is_internal=False)
    assert (
        client.get(reverse("deposits:public_document", args=[deposit.reference, notice.pk])).status_code
        == 404
    )


# --- Acceptance 2: bad input gives a clear form error and saves nothing ------------------------------


def test_create_with_a_missing_required_field_shows_an_error_and_saves_nothing(client_for, staff):
    response = client_for(staff).post(reverse("deposits:staff_create"), _create_post(title=""))
    assert response.status_code == 200
    assert "This field is required." in response.context["form"].errors["title"]
    assert not Deposit.objects.exists()


def test_create_with_an_srs_id_of_another_deposit_shows_an_error_and_saves_nothing(client_for, staff):
    other = DepositFactory(datasets=["SRS-TAKEN"])
    response = client_for(staff).post(
        reverse("deposits:staff_create"), _create_post(srs_dataset_ids="SRS-NEW\nSRS-TAKEN")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["srs_dataset_ids"]
    assert any("SRS-TAKEN" in e and other.reference in e for e in errors)
    assert Deposit.objects.count() == 1
    assert not SrsDataset.objects.filter(dataset_id="SRS-NEW").exists()


def test_edit_with_an_srs_id_of_another_deposit_shows_an_error_and_changes_nothing(client_for, staff):
    DepositFactory(datasets=["SRS-TAKEN"])
    deposit = DepositFactory(datasets=["SRS-MINE"], access_level="safe_room")
    url = reverse("deposits:staff_edit", args=[deposit.reference, "srs"])
    response = client_for(staff).post(
        url, {"srs_dataset_ids": "SRS-MINE\nSRS-TAKEN", "access_level": "assured_remote"}
    )
    assert response.status_code == 200
    assert "already linked" in str(response.context["form"].errors["srs_dataset_ids"])
    deposit.refresh_from_db()
    assert deposit.access_level == "safe_room"
    assert list(deposit.srs_datasets.values_list("dataset_id", flat=True)) == ["SRS-MINE"]
    assert deposit.history.count() == 1  # only the factory's creation: the failed edit left no version


def test_non_pdf_renamed_pdf_is_refused_with_a_clear_error_and_saves_nothing(client_for, staff):
    deposit = DepositFactory(created_by=staff)
    response = client_for(staff).post(
        reverse("deposits:staff_document_add", args=[deposit.reference]),
        _document_post(DocumentKind.PRIVACY_NOTICE, content=b"PK\x03\x04 this is a docx", name="notice.pdf"),
    )
    assert response.status_code == 200
    assert "not a PDF" in str(response.context["form"].errors["file"])
    assert not DepositDocument.objects.exists()


def test_oversized_file_is_refused_with_a_clear_error_and_saves_nothing(client_for, staff, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    deposit = DepositFactory(created_by=staff)
    response = client_for(staff).post(
        reverse("deposits:staff_document_add", args=[deposit.reference]),
        _document_post(DocumentKind.DPIA, content=PDF_BYTES + b"0" * 4096),
    )
    assert response.status_code == 200
    assert "the limit is" in str(response.context["form"].errors["file"])
    assert not DepositDocument.objects.exists()


def test_document_needs_a_file_or_a_link(client_for, staff):
    deposit = DepositFactory(created_by=staff)
    data = _document_post(DocumentKind.OTHER)
    del data["file"]
    response = client_for(staff).post(reverse("deposits:staff_document_add", args=[deposit.reference]), data)
    assert response.status_code == 200
    assert "Upload a PDF or give a link" in str(response.context["form"].non_field_errors())
    data["url"] = "https://example.org/consent-form"
    response = client_for(staff).post(reverse("deposits:staff_document_add", args=[deposit.reference]), data)
    assert response.status_code == 302
    assert DepositDocument.objects.get().url == "https://example.org/consent-form"


# --- Acceptance 3: history shows each edit with its author -------------------------------------------


def test_history_page_shows_each_edit_with_its_author(client_for, staff, staff2):
    staff.full_name, staff2.full_name = "Chris Bennett", "Rosa Delgado"
    staff.save()
    staff2.save()
    client_for(staff).post(reverse("deposits:staff_create"), _create_post())
    deposit = Deposit.objects.get()
    client_for(staff2).post(
        reverse("deposits:staff_edit", args=[deposit.reference, "identity"]),
        {
            **{
                k: v
                for k, v in _create_post().items()
                if k
                in (
                    "title",
                    "description",
                    "originating_project",
                    "principal_investigator",
                    "institution",
                    "population",
                    "geography",
                )
            },
            "title": "Stable Homes: renamed",
            "reason": "Title agreed with the PI",
        },
    )
    response = client_for(staff).get(reverse("deposits:staff_history", args=[deposit.reference]))
    assert response.status_code == 200
    entries = [e for e in response.context["entries"] if e.subject == "Deposit record"]
    assert [(e.what, e.who) for e in entries] == [("changed", staff2), ("created", staff)]
    title_change = next(c for c in entries[0].changes if c.field == "title")
    assert (title_change.old, title_change.new) == (
        "Foster placement stability study",
        "Stable Homes: renamed",
    )
    body = response.content.decode()
    assert "Rosa Delgado" in body
    assert "Chris Bennett" in body
    assert "Title agreed with the PI" in body


# --- Acceptance 4: constant query count ----------------------------------------------------------------


def _catalogue_queries(client, n: int) -> int:
    for deposit in AvailableDepositFactory.create_batch(n - Deposit.objects.count()):
        deposit.excluded_uses.set(list(deposit.excluded_uses.model.objects.all()[:2]))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("deposits:catalogue"), {"population": "care_leavers"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_catalogue_query_count_is_the_same_for_10_and_500_deposits(client):
    small = _catalogue_queries(client, 10)
    large = _catalogue_queries(client, 500)
    assert small == large


def test_staff_list_query_count_does_not_grow(client_for, staff):
    c = client_for(staff)
    DepositFactory.create_batch(5)
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("deposits:staff_list"))
    DepositFactory.create_batch(40)
    with CaptureQueriesContext(connection) as large:
        c.get(reverse("deposits:staff_list"))
    assert len(small.captured_queries) == len(large.captured_queries)


def test_catalogue_searches_and_filters(client):
    AvailableDepositFactory(title="Moving On", population="care_leavers", geography="england")
    AvailableDepositFactory(
        title="Kinship care and school",
        population="kinship_care",
        geography="wales",
        access_level="assured_remote",
    )
    url = reverse("deposits:catalogue")

    def titles(params):
        return [d.title for d in client.get(url, params).context["deposits"]]

    assert titles({"q": "care leavers"}) == ["Moving On"]  # matches the population label
    assert titles({"q": "school"}) == ["Kinship care and school"]
    assert titles({"geography": "wales"}) == ["Kinship care and school"]
    assert titles({"access_level": "safe_room"}) == ["Moving On"]
    assert titles({"population": "care_leavers"}) == ["Moving On"]


def test_catalogue_paginates(client):
    AvailableDepositFactory.create_batch(25)
    first = client.get(reverse("deposits:catalogue"))
    second = client.get(reverse("deposits:catalogue"), {"page": 2})
    assert len(first.context["deposits"]) == 20
    assert len(second.context["deposits"]) == 5


# --- Acceptance 5: researchers and panel members get 403 on staff URLs, nothing changes ------------------


def _staff_posts(deposit, document, change_pk):
    ref = deposit.reference
    return [
        (reverse("deposits:staff_create"), _create_post()),
        (reverse("deposits:staff_edit", args=[ref, "identity"]), {"title": "Hacked"}),
        (reverse("deposits:staff_document_add", args=[ref]), _document_post(DocumentKind.OTHER)),
        (reverse("deposits:staff_status", args=[ref]), {"action": "withdraw", "reason": "x"}),
        (
            reverse("deposits:staff_approve", args=[ref]),
            {"privacy_notice_checked": "on", "dpia_checked": "on"},
        ),
        (reverse("deposits:staff_change_approve", args=[ref, change_pk]), {}),
        (reverse("deposits:staff_change_reject", args=[ref, change_pk]), {"note": "x"}),
        (reverse("deposits:staff_sensitive_use_create"), {"code": "x", "name": "X"}),
    ]


@pytest.mark.parametrize("who", ["researcher", "member", "chair"])
def test_researchers_and_panel_members_get_403_on_staff_urls_and_nothing_changes(request, client_for, who):
    user = request.getfixturevalue(who)
    deposit = DepositFactory(status=DepositStatus.AWAITING_APPROVAL, title="Unchanged")
    document = DepositDocumentFactory(deposit=deposit)
    c = client_for(user)
    counts = (Deposit.objects.count(), DepositDocument.objects.count(), DepositApproval.objects.count())
    for url, data in _staff_posts(deposit, document, 1):
        assert c.post(url, data).status_code == 403, url
    for url in (
        reverse("deposits:staff_list"),
        reverse("deposits:staff_export"),
        reverse("deposits:staff_detail", args=[deposit.reference]),
        reverse("deposits:staff_history", args=[deposit.reference]),
        reverse("deposits:staff_document_download", args=[deposit.reference, document.pk]),
    ):
        assert c.get(url).status_code == 403, url
    deposit.refresh_from_db()
    assert deposit.title == "Unchanged"
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    assert (
        Deposit.objects.count(),
        DepositDocument.objects.count(),
        DepositApproval.objects.count(),
    ) == counts


def test_anonymous_visitors_are_sent_to_sign_in_from_staff_urls(client):
    response = client.get(reverse("deposits:staff_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- staff screens ---------------------------------------------------------------------------------------


def test_staff_pages_render(client_for, staff, staff2):
    deposit = DepositFactory(created_by=staff, status=DepositStatus.AWAITING_APPROVAL)
    governance_documents(deposit)
    c = client_for(staff2)
    ref = deposit.reference
    urls = [
        reverse("deposits:staff_list"),
        reverse("deposits:staff_list") + "?status=awaiting_approval&q=care",
        reverse("deposits:staff_create"),
        reverse("deposits:staff_detail", args=[ref]),
        reverse("deposits:staff_approve", args=[ref]),
        reverse("deposits:staff_status", args=[ref]),
        reverse("deposits:staff_history", args=[ref]),
        reverse("deposits:staff_document_add", args=[ref]),
        reverse("deposits:staff_sensitive_uses"),
        reverse("deposits:staff_sensitive_use_create"),
    ]
    sections = ["identity", "governance", "srs", "deidentification", "use_conditions", "lifecycle"]
    urls += [reverse("deposits:staff_edit", args=[ref, s]) for s in sections]
    for url in urls:
        assert c.get(url).status_code == 200, url
    assert c.get(reverse("deposits:staff_edit", args=[deposit.reference, "nope"])).status_code == 404
    assert c.get(reverse("deposits:staff_detail", args=["DEP-1999-0001"])).status_code == 404


def test_staff_list_filters_by_status(client_for, staff):
    DepositFactory(title="A draft one")
    AvailableDepositFactory(title="An open one")
    response = client_for(staff).get(reverse("deposits:staff_list"), {"status": "draft"})
    assert [d.title for d in response.context["deposits"]] == ["A draft one"]


def test_staff_status_change_needs_a_reason(client_for, staff):
    deposit = AvailableDepositFactory()
    url = reverse("deposits:staff_status", args=[deposit.reference])
    response = client_for(staff).post(url, {"action": "suspend", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client_for(staff).post(
        url, {"action": "suspend", "reason": "Participant complaint under review"}
    )
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.SUSPENDED
    assert deposit.status_changes.get().reason == "Participant complaint under review"


def test_use_condition_edit_of_an_available_deposit_is_held_until_a_second_approval(
    client_for, staff, staff2, uses
):
    deposit = AvailableDepositFactory(created_by=StaffFactory())
    governance_documents(deposit)
    url = reverse("deposits:staff_edit", args=[deposit.reference, "use_conditions"])
    response = client_for(staff).post(
        url,
        {
            "permitted_purposes": deposit.permitted_purposes,
            "excluded_uses": [uses["commercial"].pk],
            "excluded_sectors": ["commercial"],
            "reason": "Matches the privacy notice",
        },
    )
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert deposit.excluded_sectors == []
    change = deposit.use_condition_changes.get()
    approve = reverse("deposits:staff_change_approve", args=[deposit.reference, change.pk])
    assert client_for(staff).get(approve).status_code == 200
    assert (
        client_for(staff).post(approve, {"privacy_notice_checked": "on", "dpia_checked": "on"}).status_code
        == 403
    )
    response = client_for(staff2).post(approve, {"privacy_notice_checked": "on", "dpia_checked": "on"})
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert deposit.excluded_sectors == ["commercial"]
    assert list(deposit.excluded_uses.all()) == [uses["commercial"]]


def test_csv_export_lists_the_register(client_for, staff, uses):
    deposit = AvailableDepositFactory(title="=cmd|' /C calc'!A0", excluded_uses=[uses["commercial"]])
    DepositFactory(title="Draft study")
    response = client_for(staff).get(reverse("deposits:staff_export"), {"status": "available"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Reference"
    assert len(rows) == 2
    assert rows[1][0] == deposit.reference
    assert rows[1][1].startswith("'=")  # a formula is neutralised
    assert "Commercial or for-profit use" in rows[1]
    event = AuditEvent.objects.get(action=DepositAuditAction.EXPORTED)
    assert event.actor == staff
    assert event.data == {"filters": {"status": "available"}, "rows": 1}


def test_staff_download_internal_document(client_for, staff):
    deposit = DepositFactory()
    dpia = DepositDocumentFactory(deposit=deposit, kind=DocumentKind.DPIA, is_internal=True)
    response = client_for(staff).get(
        reverse("deposits:staff_document_download", args=[deposit.reference, dpia.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_staff_add_a_sensitive_use(client_for, staff):
    response = client_for(staff).post(
        reverse("deposits:staff_sensitive_use_create"), {"code": "insurance", "name": "Insurance pricing"}
    )
    assert response.status_code == 302
    response = client_for(staff).post(
        reverse("deposits:staff_sensitive_use_create"), {"code": "insurance", "name": "Again"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
