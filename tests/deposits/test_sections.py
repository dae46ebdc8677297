"""The deposit's editable fields are listed once (deposits/sections.py): the form and the services
read the same list."""

from deposits.forms import DepositForm
from deposits.sections import EDITABLE_FIELDS, RELATED_FIELDS, SECTIONS
from deposits.services import registry


def test_the_form_and_the_services_read_one_list_of_fields():
    listed = {name for _, _, names in SECTIONS for name in names}
    assert registry.EDITABLE_FIELDS is EDITABLE_FIELDS
    assert set(EDITABLE_FIELDS) == listed - set(RELATED_FIELDS)
    assert set(DepositForm._meta.fields) == set(EDITABLE_FIELDS) | {"excluded_uses"}
