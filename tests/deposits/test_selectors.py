import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deposits import selectors
from deposits.enums import DepositStatus, DocumentKind
from deposits.home import next_actions
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import (
    AvailableDepositFactory,
    DepositDocumentFactory,
    DepositFactory,
)

pytestmark = pytest.mark.django_db


def test_use_condition_matches_report_excluded_uses_and_sectors(uses):
    deposit = AvailableDepositFactory(excluded_uses=[uses["commercial"], uses["recontact"]])
    deposit.excluded_sectors = ["commercial"]
    deposit.save()
    clean = AvailableDepositFactory()
    deposits = selectors.deposit_list_available().filter(pk__in=[deposit.pk, clean.pk])
    matches = selectors.deposit_use_condition_matches(
        deposits=deposits, sensitive_uses=[uses["commercial"], uses["criminal_justice"]], sector="commercial"
    )
    assert {(m.deposit_reference, m.kind, m.condition) for m in matches} == {
        (deposit.reference, "sensitive_use", "Commercial or for-profit use"),
        (deposit.reference, "sector", "Commercial"),
    }
    assert all(m.describe().startswith(deposit.reference) for m in matches)
    assert (
        selectors.deposit_use_condition_matches(deposits=deposits, sensitive_uses=[], sector="university")
        == []
    )


def test_use_condition_matches_tolerate_an_empty_or_unknown_sector(uses):
    deposit = AvailableDepositFactory()
    deposit.excluded_sectors = ["commercial"]
    deposit.save()
    assert selectors.deposit_use_condition_matches(deposits=[deposit], sensitive_uses=[], sector="") == []
    assert selectors.deposit_use_condition_matches(deposits=[deposit], sensitive_uses=[], sector=None) == []


def test_deposit_list_available_has_only_available_deposits_with_uses_prefetched(uses):
    shown = AvailableDepositFactory(excluded_uses=[uses["commercial"]])
    for status in (DepositStatus.DRAFT, DepositStatus.SUSPENDED, DepositStatus.WITHDRAWN):
        DepositFactory(status=status)
    deposits = list(selectors.deposit_list_available())
    assert deposits == [shown]
    with CaptureQueriesContext(connection) as ctx:
        assert [u.code for u in deposits[0].excluded_uses.all()] == ["commercial"]
    assert len(ctx.captured_queries) == 0


def test_deposit_get_public_hides_internal_documents_and_unavailable_deposits():
    deposit = AvailableDepositFactory()
    DepositDocumentFactory(deposit=deposit, title="Public notice", is_internal=False)
    DepositDocumentFactory(deposit=deposit, kind=DocumentKind.DPIA, title="Internal", is_internal=True)
    found = selectors.deposit_get_public(deposit.reference)
    assert [d.title for d in found.public_documents] == ["Public notice"]
    assert selectors.deposit_get_public(DepositFactory().reference) is None
    assert selectors.deposit_get_public("DEP-0000-0000") is None


def test_staff_home_shows_approvals_waiting_for_this_person(staff, client_for):
    from deposits import services

    DepositFactory(created_by=staff, status=DepositStatus.AWAITING_APPROVAL)
    open_deposit = AvailableDepositFactory(created_by=staff)
    other, third = StaffFactory(), StaffFactory()
    services.deposit_update(
        actor=other, deposit=open_deposit, fields={"excluded_sectors": ["commercial"]}, reason="Per notice"
    )
    assert [a.count for a in next_actions(staff) if a.urgent] == []
    assert [a.count for a in next_actions(other) if a.urgent] == [1]
    actions = [a for a in next_actions(third) if a.urgent]
    assert [(a.title, a.count) for a in actions] == [
        ("Deposits waiting for your approval", 1),
        ("Use-condition changes waiting for your approval", 1),
    ]
    listed = client_for(third).get(actions[1].url).context["deposits"]
    assert [d.pk for d in listed] == [open_deposit.pk]


def test_researchers_get_no_deposit_actions(researcher):
    assert next_actions(researcher) == []
