import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent
from core.services import audit_batch, audit_record

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


def test_an_audit_batch_writes_its_events_in_one_insert_in_the_order_recorded(
    researcher, django_assert_num_queries
):
    with django_assert_num_queries(1), audit_batch():
        first = audit_record(actor=researcher, action="tests.thing.first", target=researcher)
        with audit_batch():  # joins the open batch
            second = audit_record(actor=None, action="tests.thing.second", data={"n": 2})
        assert (first.pk, second.pk) == (None, None)  # written when the outer block ends
    assert first.pk < second.pk
    rows = AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert [(e.action, e.actor_email, e.data) for e in rows] == [
        ("tests.thing.first", researcher.email, {}),
        ("tests.thing.second", "", {"n": 2}),
    ]


def test_an_audit_batch_that_raises_writes_nothing_and_the_next_event_is_written_at_once(researcher):
    def failing_change():
        with audit_batch():
            audit_record(actor=researcher, action="tests.thing.lost")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not AuditEvent.objects.filter(action="tests.thing.lost").exists()
    event = audit_record(actor=researcher, action="tests.thing.after")
    assert event.pk is not None
