import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent
from core.services import audit_record

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_target_and_data(researcher):
    event = audit_record(actor=researcher, action="tests.thing.done", target=researcher, data={"a": 1})
    assert event.actor == researcher
    assert event.actor_email == researcher.email
    assert event.target_type == "accounts.user"
    assert event.target_id == str(researcher.pk)
    assert event.data == {"a": 1}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_on_the_audit_log(researcher, statement):
    event = audit_record(actor=researcher, action="tests.thing.done")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "tests.thing.done"


def test_the_model_refuses_to_change_or_delete_an_event(researcher):
    event = audit_record(actor=researcher, action="tests.thing.done")
    event.action = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
