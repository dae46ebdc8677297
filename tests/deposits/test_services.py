import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from deposits import services
from deposits.enums import (
    AccessLevel,
    ApprovalKind,
    DepositAuditAction,
    DepositStatus,
    DocumentKind,
    Geography,
    Population,
    UseConditionChangeStatus,
)
from deposits.models import Deposit, DepositApproval, DepositDocument, SensitiveUse, SrsDataset
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import (
    AvailableDepositFactory,
    DepositFactory,
    governance_documents,
)

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Foster placement stability study",
    "description": "Placements and what makes them last.",
    "originating_project": "Stable Homes",
    "principal_investigator": "Dr Owen Pritchard",
    "institution": "Cardiff University",
    "geography": Geography.WALES,
    "population": Population.CHILDREN_LOOKED_AFTER,
    "access_level": AccessLevel.ASSURED_REMOTE,
    "dpia_reference": "DPIA-1",
    "dpia_outcome": "no_high_risk",
    "permitted_purposes": "Research on placement stability.",
}


def _audit_actions(deposit) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="deposits.deposit", target_id=str(deposit.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _ready(staff) -> Deposit:
    deposit = DepositFactory(created_by=staff)
    governance_documents(deposit)
    return deposit


def test_seed_migration_provides_the_controlled_list_of_sensitive_uses(uses):
    assert {
        "commercial",
        "recontact",
        "identifiable_linkage",
        "identify_placements",
        "criminal_justice",
        "immigration_enforcement",
    } <= set(uses)
    assert uses["commercial"].name == "Commercial or for-profit use"


def test_deposit_create_gives_a_yearly_reference_and_audits(staff, uses):
    deposit = services.deposit_create(
        actor=staff, fields=FIELDS, excluded_uses=[uses["commercial"]], srs_dataset_ids=["SRS-A", "SRS-B"]
    )
    year = timezone.localdate().year
    assert re.fullmatch(rf"DEP-{year}-\d{{4}}", deposit.reference)
    second = services.deposit_create(
        actor=staff, fields={**FIELDS, "title": "Another"}, srs_dataset_ids=["X"]
    )
    assert int(second.reference[-4:]) == int(deposit.reference[-4:]) + 1
    assert deposit.status == DepositStatus.DRAFT
    assert deposit.created_by == staff
    assert deposit.last_edited_by == staff
    assert sorted(deposit.srs_datasets.values_list("dataset_id", flat=True)) == ["SRS-A", "SRS-B"]
    assert list(deposit.excluded_uses.all()) == [uses["commercial"]]
    assert _audit_actions(deposit) == [DepositAuditAction.CREATED]


@pytest.mark.django_db(transaction=True)  # no serialized_rollback: see tests/deposits/test_browser.py
def test_deposit_references_stay_unique_when_registered_at_the_same_moment():
    staff = StaffFactory()

    def register(n):
        try:
            return services.deposit_create(
                actor=staff, fields={**FIELDS, "title": f"Study {n}"}, srs_dataset_ids=[f"SRS-{n}"]
            ).reference
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        references = list(pool.map(register, range(12)))
    assert len(set(references)) == 12
    numbers = sorted(int(r[-4:]) for r in references)
    assert numbers == list(range(numbers[0], numbers[0] + 12))


def test_deposit_create_refuses_an_srs_dataset_of_another_deposit_and_saves_nothing(staff):
    other = DepositFactory(datasets=["SRS-TAKEN"])
    before = Deposit.objects.count()
    with pytest.raises(DomainError) as caught:
        services.deposit_create(actor=staff, fields=FIELDS, srs_dataset_ids=["SRS-NEW", "SRS-TAKEN"])
    assert caught.value.field == "srs_dataset_ids"
    assert other.reference in caught.value.message
    assert Deposit.objects.count() == before
    assert not SrsDataset.objects.filter(dataset_id="SRS-NEW").exists()


def test_only_staff_write_deposits(researcher, member):
    for person in (researcher, member):
        with pytest.raises(NotPermitted):
            services.deposit_create(actor=person, fields=FIELDS, srs_dataset_ids=["S"])
    assert not Deposit.objects.exists()


def test_deposit_update_keeps_every_edit_with_its_author(staff, staff2, uses):
    deposit = services.deposit_create(actor=staff, fields=FIELDS, srs_dataset_ids=["SRS-1"])
    services.deposit_update(actor=staff2, deposit=deposit, fields={"title": "Renamed study"})
    services.deposit_update(
        actor=staff, deposit=deposit, fields={}, excluded_uses=[uses["recontact"]], reason="Consent says so"
    )
    records = list(deposit.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_user) for r in records] == [("+", staff), ("~", staff2), ("~", staff)]
    assert records[1].title == "Renamed study"
    assert records[2].history_change_reason == "Consent says so"
    deposit.refresh_from_db()
    assert deposit.last_edited_by == staff
    assert list(deposit.excluded_uses.all()) == [uses["recontact"]]


def test_deposit_update_with_no_change_writes_nothing(staff):
    deposit = services.deposit_create(actor=staff, fields=FIELDS, srs_dataset_ids=["SRS-1"])
    assert services.deposit_update(actor=staff, deposit=deposit, fields={"title": FIELDS["title"]}) is None
    assert deposit.history.count() == 1


def test_document_must_be_a_pdf_by_content(staff):
    deposit = DepositFactory(created_by=staff)
    with pytest.raises(DomainError) as caught:
        services.deposit_document_add(
            actor=staff,
            deposit=deposit,
            kind=DocumentKind.DPIA,
            title="DPIA",
            version="1",
            document_date=date(2024, 1, 1),
            is_internal=True,
            file=ContentFile(b"PK\x03\x04 a word file", name="dpia.pdf"),
        )
    assert "not a PDF" in caught.value.message
    assert not DepositDocument.objects.exists()


def test_submit_needs_a_privacy_notice_and_dpia(staff):
    deposit = DepositFactory(created_by=staff)
    with pytest.raises(DomainError) as caught:
        services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    assert "privacy notice" in caught.value.message
    governance_documents(deposit)
    services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    assert deposit.submitted_at


def test_registrar_cannot_approve_their_own_deposit(staff):
    deposit = _ready(staff)
    services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    with pytest.raises(NotPermitted):
        services.deposit_approve(actor=staff, deposit=deposit, privacy_notice_checked=True, dpia_checked=True)
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    assert not DepositApproval.objects.exists()


def test_last_editor_cannot_approve(staff, staff2):
    deposit = _ready(staff)
    services.deposit_update(actor=staff2, deposit=deposit, fields={"funder": "ESRC"})
    services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    with pytest.raises(NotPermitted):
        services.deposit_approve(
            actor=staff2, deposit=deposit, privacy_notice_checked=True, dpia_checked=True
        )


def test_approval_requires_checking_privacy_notice_and_dpia(staff, staff2):
    deposit = _ready(staff)
    services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    with pytest.raises(DomainError):
        services.deposit_approve(
            actor=staff2, deposit=deposit, privacy_notice_checked=True, dpia_checked=False
        )
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL


def test_second_staff_member_approves_and_the_approval_is_recorded(staff, staff2):
    deposit = _ready(staff)
    services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    approval = services.deposit_approve(
        actor=staff2, deposit=deposit, privacy_notice_checked=True, dpia_checked=True, note="Read both."
    )
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AVAILABLE
    assert deposit.is_available
    assert deposit.approved_by == staff2
    assert deposit.approved_at
    assert approval.kind == ApprovalKind.OPENING
    assert approval.privacy_notice.kind == DocumentKind.PRIVACY_NOTICE
    assert approval.dpia_document.kind == DocumentKind.DPIA
    assert approval.dpia_reference == deposit.dpia_reference
    assert approval.privacy_notice_checked
    assert approval.dpia_checked
    assert _audit_actions(deposit)[-2:] == [DepositAuditAction.SUBMITTED, DepositAuditAction.APPROVED]


def test_draft_cannot_be_approved_directly(staff, staff2):
    deposit = _ready(staff)
    with pytest.raises(InvalidTransition):
        services.deposit_approve(
            actor=staff2, deposit=deposit, privacy_notice_checked=True, dpia_checked=True
        )


def test_status_changes_need_a_reason_and_are_recorded(staff, staff2):
    deposit = AvailableDepositFactory(created_by=staff)
    with pytest.raises(DomainError):
        services.deposit_suspend(actor=staff, deposit=deposit, reason="  ")
    services.deposit_suspend(actor=staff, deposit=deposit, reason="Consent query from a participant")
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.SUSPENDED
    assert deposit.suspended_at
    change = deposit.status_changes.get()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        DepositStatus.AVAILABLE,
        DepositStatus.SUSPENDED,
        "Consent query from a participant",
        staff,
    )
    assert _audit_actions(deposit)[-1] == DepositAuditAction.SUSPENDED
    services.deposit_withdraw(actor=staff2, deposit=deposit, reason="Data owner withdrew the deposit")
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        services.deposit_update(actor=staff, deposit=deposit, fields={"title": "x"})


def test_reopening_a_suspended_deposit_needs_a_second_approval(staff, staff2):
    deposit = _ready(staff)
    deposit.status = DepositStatus.SUSPENDED
    deposit.save()
    services.deposit_submit_for_approval(actor=staff, deposit=deposit, reason="Query resolved")
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.AWAITING_APPROVAL
    with pytest.raises(NotPermitted):
        services.deposit_approve(actor=staff, deposit=deposit, privacy_notice_checked=True, dpia_checked=True)
    services.deposit_approve(actor=staff2, deposit=deposit, privacy_notice_checked=True, dpia_checked=True)


def test_use_condition_edit_on_an_available_deposit_waits_for_a_second_approval(staff, staff2, uses):
    registrar = StaffFactory()
    deposit = AvailableDepositFactory(created_by=registrar, excluded_uses=[uses["recontact"]])
    governance_documents(deposit)
    pending = services.deposit_update(
        actor=staff,
        deposit=deposit,
        fields={"permitted_purposes": "Only non-commercial research.", "excluded_sectors": ["commercial"]},
        excluded_uses=[uses["recontact"], uses["commercial"]],
        reason="Participants were promised no commercial use",
    )
    assert pending is not None
    assert pending.status == UseConditionChangeStatus.PENDING
    deposit.refresh_from_db()
    # Nothing applies yet.
    assert deposit.excluded_sectors == []
    assert list(deposit.excluded_uses.all()) == [uses["recontact"]]
    assert deposit.permitted_purposes.startswith("Research in the public interest")
    # Neither the proposer nor the registrar may approve it.
    for person in (staff, registrar):
        with pytest.raises(NotPermitted):
            services.deposit_use_conditions_change_approve(
                actor=person, change=pending, privacy_notice_checked=True, dpia_checked=True
            )
    approval = services.deposit_use_conditions_change_approve(
        actor=staff2, change=pending, privacy_notice_checked=True, dpia_checked=True
    )
    deposit.refresh_from_db()
    assert deposit.excluded_sectors == ["commercial"]
    assert set(deposit.excluded_uses.all()) == {uses["recontact"], uses["commercial"]}
    assert deposit.permitted_purposes == "Only non-commercial research."
    assert approval.kind == ApprovalKind.USE_CONDITIONS
    assert approval.use_condition_change == pending
    pending.refresh_from_db()
    assert pending.status == UseConditionChangeStatus.APPROVED
    assert pending.decided_by == staff2
    assert deposit.history.latest().history_user == staff2


def test_only_one_pending_use_condition_change_at_a_time(staff, uses):
    deposit = AvailableDepositFactory(created_by=StaffFactory())
    with pytest.raises(DomainError) as caught:
        services.deposit_update(actor=staff, deposit=deposit, fields={"excluded_sectors": ["commercial"]})
    assert caught.value.field == "reason"
    services.deposit_update(
        actor=staff, deposit=deposit, fields={"excluded_sectors": ["commercial"]}, reason="Per the notice"
    )
    with pytest.raises(DomainError) as caught:
        services.deposit_update(
            actor=staff, deposit=deposit, fields={"excluded_sectors": ["nhs"]}, reason="Another idea"
        )
    assert caught.value.code == "pending_change_exists"


def test_rejected_use_condition_change_leaves_the_deposit_unchanged(staff, staff2):
    deposit = AvailableDepositFactory(created_by=StaffFactory())
    pending = services.deposit_update(
        actor=staff, deposit=deposit, fields={"excluded_sectors": ["commercial"]}, reason="Per the notice"
    )
    services.deposit_use_conditions_change_reject(
        actor=staff2, change=pending, note="Not what the notice says"
    )
    deposit.refresh_from_db()
    assert deposit.excluded_sectors == []
    pending.refresh_from_db()
    assert pending.status == UseConditionChangeStatus.REJECTED
    assert _audit_actions(deposit)[-1] == DepositAuditAction.USE_CONDITIONS_CHANGE_REJECTED


def test_other_edits_of_an_available_deposit_apply_at_once(staff):
    deposit = AvailableDepositFactory(created_by=StaffFactory())
    assert services.deposit_update(actor=staff, deposit=deposit, fields={"funder": "ESRC"}) is None
    deposit.refresh_from_db()
    assert deposit.funder == "ESRC"


def test_staff_extend_the_sensitive_use_list(staff):
    use = services.sensitive_use_create(
        actor=staff, code="insurance", name="Insurance pricing", description="Setting premiums."
    )
    assert SensitiveUse.objects.filter(code="insurance", is_active=True).exists()
    services.sensitive_use_update(
        actor=staff, sensitive_use=use, name="Insurance pricing", description="", is_active=False
    )
    use.refresh_from_db()
    assert not use.is_active
    with pytest.raises(DomainError):
        services.sensitive_use_create(actor=staff, code="insurance", name="Again")


def test_sending_for_approval_emails_the_other_staff_after_commit(
    staff, staff2, mailoutbox, django_capture_on_commit_callbacks
):
    deposit = _ready(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.deposit_submit_for_approval(actor=staff, deposit=deposit)
    assert callbacks
    assert [m.to for m in mailoutbox] == [[staff2.email]]
    assert deposit.reference in mailoutbox[0].subject
    assert f"/deposits/staff/{deposit.reference}/approve/" in mailoutbox[0].body


def test_proposed_use_condition_change_emails_the_other_staff(
    staff, staff2, mailoutbox, django_capture_on_commit_callbacks
):
    registrar = StaffFactory()
    deposit = AvailableDepositFactory(created_by=registrar)
    with django_capture_on_commit_callbacks(execute=True):
        services.deposit_update(
            actor=staff, deposit=deposit, fields={"excluded_sectors": ["commercial"]}, reason="Per the notice"
        )
    assert [m.to for m in mailoutbox] == [[staff2.email]]
    assert "use conditions" in mailoutbox[0].subject


def test_unknown_sectors_are_refused(staff):
    with pytest.raises(DomainError) as caught:
        services.deposit_create(
            actor=staff, fields={**FIELDS, "excluded_sectors": ["pirates"]}, srs_dataset_ids=["S-1"]
        )
    assert caught.value.field == "excluded_sectors"
