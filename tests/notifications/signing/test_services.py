"""The first key, a rotation and an emergency rotation: the timeline each writes, and its audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidTransition
from core.models import AuditEvent
from notifications.signing.enums import OnsSigningAuditAction, OnsSigningKeyState
from notifications.signing.models import OnsSigningKey
from notifications.signing.selectors import ons_signing_keys_published, ons_signing_keys_signing
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
State = OnsSigningKeyState


@pytest.fixture(autouse=True)
def timeline(settings):
    settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS = 6
    settings.ONS_SIGNING_OVERLAP_HOURS = 12
    settings.ONS_SIGNING_RETENTION_DAYS = 7


def _audit(action: str, key: OnsSigningKey) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(key.pk)))


def test_init_makes_one_key_signing_at_once_and_audits_it_without_the_private_key():
    now = timezone.now()
    key = ons_signing_key_init(now=now, via="test")
    assert key.state_at(now) == State.ACTIVE
    assert key.published_at == key.activated_at == now
    assert ons_signing_keys_signing(at=now) == [key]
    (event,) = _audit(OnsSigningAuditAction.CREATED, key)
    assert event.data["kid"] == key.kid
    assert event.data["public_key"] == key.public_key_text
    assert bytes(key.private_key_sealed).hex() not in str(event.data)


def test_init_again_changes_nothing():
    first = ons_signing_key_init()
    assert ons_signing_key_init() is None
    assert list(OnsSigningKey.objects.all()) == [first]


def test_init_after_every_key_was_retired_makes_a_new_one():
    old = ons_signing_key_init(now=timezone.now() - 60 * 24 * H)
    ons_signing_key_rotate(now=timezone.now() - 50 * 24 * H)  # the new key's retirement is unset
    OnsSigningKey.objects.update(retired_at=timezone.now() - H, unpublished_at=timezone.now() - H)
    key = ons_signing_key_init()
    assert key is not None
    assert key != old
    assert ons_signing_keys_signing(at=timezone.now()) == [key]


def test_rotate_publishes_now_signs_after_the_publish_ahead_and_overlaps_then_retires_the_old_key():
    t = timezone.now()
    old = ons_signing_key_init(now=t - 10 * 24 * H)
    new = ons_signing_key_rotate(now=t, via="test")
    old.refresh_from_db()
    assert new.published_at == t
    assert new.activated_at == t + 6 * H
    assert new.retired_at is None
    assert old.retired_at == t + 18 * H
    assert old.unpublished_at == t + 18 * H + 7 * 24 * H
    assert [k.kid for k in ons_signing_keys_signing(at=t + 5 * H)] == [old.kid]
    assert [k.kid for k in ons_signing_keys_signing(at=t + 6 * H)] == [new.kid, old.kid]
    assert [k.kid for k in ons_signing_keys_signing(at=t + 18 * H)] == [new.kid]
    assert [k.kid for k in ons_signing_keys_published(at=t)] == [new.kid, old.kid]
    assert [k.kid for k in ons_signing_keys_published(at=old.unpublished_at)] == [new.kid]
    # Audited: the new key with its start, the old key's scheduled end.
    (created,) = _audit(OnsSigningAuditAction.CREATED, new)
    assert created.data["activated_at"] == new.activated_at.isoformat()
    (scheduled,) = _audit(OnsSigningAuditAction.RETIREMENT_SCHEDULED, old)
    assert scheduled.data == {
        "kid": old.kid,
        "retired_at": old.retired_at.isoformat(),
        "unpublished_at": old.unpublished_at.isoformat(),
        "replaced_by": new.kid,
    }


def test_rotate_with_no_key_makes_the_first_signing_at_once():
    now = timezone.now()
    key = ons_signing_key_rotate(now=now)
    assert key.state_at(now) == State.ACTIVE


def test_a_second_rotation_while_the_next_key_waits_is_refused_and_changes_nothing():
    t = timezone.now()
    ons_signing_key_init(now=t - 10 * 24 * H)
    nxt = ons_signing_key_rotate(now=t)
    before = list(OnsSigningKey.objects.values())
    with pytest.raises(InvalidTransition, match="already under way"):
        ons_signing_key_rotate(now=t + H)
    assert list(OnsSigningKey.objects.values()) == before
    # Once the next key signs, rotating again is allowed: it schedules that key's end.
    third = ons_signing_key_rotate(now=nxt.activated_at + H)
    nxt.refresh_from_db()
    assert nxt.retired_at == third.activated_at + 12 * H


def test_compromised_signs_with_the_new_key_alone_and_withdraws_every_other_key_now():
    t = timezone.now()
    old = ons_signing_key_init(now=t - 10 * 24 * H)
    nxt = ons_signing_key_rotate(now=t - H)  # a rotation under way does not stop an emergency
    new = ons_signing_key_rotate(now=t, compromised=True)
    assert new.state_at(t) == State.ACTIVE
    assert ons_signing_keys_signing(at=t) == [new]
    assert ons_signing_keys_published(at=t) == [new]
    for key in (old, nxt):
        key.refresh_from_db()
        assert key.state_at(t) == State.WITHDRAWN
        (event,) = _audit(OnsSigningAuditAction.WITHDRAWN, key)
        assert event.data["replaced_by"] == new.kid
