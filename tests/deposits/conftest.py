import pytest

from tests.factories.accounts import StaffFactory


@pytest.fixture
def staff2(db):
    """A second staff member: the four-eyes approver."""
    return StaffFactory()


@pytest.fixture
def uses(db):
    """The seeded controlled list, by code (core.reference_data restores it after any flush)."""
    from deposits.models import SensitiveUse

    return {use.code: use for use in SensitiveUse.objects.all()}
