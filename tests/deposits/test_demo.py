import io

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from deposits.enums import DepositStatus, DocumentKind
from deposits.models import Deposit

pytestmark = pytest.mark.django_db


def test_demo_data_adds_realistic_deposits_with_use_conditions_one_excluding_commercial_use():
    call_command("demo_data", stdout=io.StringIO())
    available = list(Deposit.objects.filter(status=DepositStatus.AVAILABLE).prefetch_related("excluded_uses"))
    assert len(available) >= 4
    for deposit in available:
        assert deposit.permitted_purposes
        assert deposit.excluded_uses.exists()
        assert deposit.srs_datasets.exists()
        assert deposit.documents.filter(kind=DocumentKind.PRIVACY_NOTICE, is_internal=False).exists()
        approval = deposit.approvals.get()
        assert approval.approved_by.email == "staff2@example.org"
        assert approval.approved_by != deposit.created_by
    commercial = [
        d
        for d in available
        if "commercial" in {u.code for u in d.excluded_uses.all()} and "commercial" in d.excluded_sectors
    ]
    assert commercial
    assert Deposit.objects.filter(status=DepositStatus.AWAITING_APPROVAL).exists()
    staff2 = User.objects.get(email="staff2@example.org")
    assert staff2.is_portal_staff
    assert staff2.check_password(DEMO_PASSWORD)

    before = Deposit.objects.count()
    call_command("demo_data", stdout=io.StringIO())
    assert Deposit.objects.count() == before
