import pytest

from tests.factories.accounts import StaffFactory


@pytest.fixture
def staff2(db):
    """A second staff member: the four-eyes approver."""
    return StaffFactory()


@pytest.fixture
def uses(db):
    """The seeded controlled list, by code (re-seeded if a transactional test elsewhere flushed it)."""
    from deposits.demo import ensure_sensitive_uses
    from deposits.models import SensitiveUse

    ensure_sensitive_uses()

    return {use.code: use for use in SensitiveUse.objects.all()}
