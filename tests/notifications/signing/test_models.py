"""A key's state follows from its timestamps alone; the queryset methods say the same in SQL.

moment                       state       signs  published
before activated_at          next        no     yes
activated, no retired_at     active      yes    yes
activated, before retired_at retiring    yes    yes
retired, before unpublished  retired     no     yes
at or after unpublished_at   withdrawn   no     no
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.signing.enums import PUBLISHED_STATES, SIGNING_STATES, OnsSigningKeyState
from notifications.signing.models import OnsSigningKey
from notifications.signing.services import ons_signing_key_init

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
State = OnsSigningKeyState


def _key(*, published, activated, retired=None, unpublished=None) -> OnsSigningKey:
    key = ons_signing_key_init(now=published)
    OnsSigningKey.objects.filter(pk=key.pk).update(
        activated_at=activated, retired_at=retired, unpublished_at=unpublished
    )
    key.refresh_from_db()
    return key


T0 = timezone.now().replace(microsecond=0)
#: (offset from T0 in hours, state) for a key published at T0, signing from T0+2h, retired at
#: T0+5h and withdrawn at T0+9h.
TABLE = [
    (0, State.NEXT),
    (1.99, State.NEXT),
    (2, State.RETIRING),
    (4.99, State.RETIRING),
    (5, State.RETIRED),
    (8.99, State.RETIRED),
    (9, State.WITHDRAWN),
    (100, State.WITHDRAWN),
]


@pytest.mark.parametrize(("hours", "state"), TABLE)
def test_the_state_at_each_moment_of_a_full_timeline(hours, state):
    key = _key(published=T0, activated=T0 + 2 * H, retired=T0 + 5 * H, unpublished=T0 + 9 * H)
    when = T0 + hours * H
    assert key.state_at(when) == state
    assert key.signs_at(when) == (state in SIGNING_STATES)
    assert key.is_published_at(when) == (state in PUBLISHED_STATES)
    # The SQL says the same as the Python.
    assert OnsSigningKey.objects.signing_at(when).filter(pk=key.pk).exists() == (state in SIGNING_STATES)
    assert OnsSigningKey.objects.published_at(when).filter(pk=key.pk).exists() == (state in PUBLISHED_STATES)


def test_a_key_without_a_retirement_is_active_for_ever():
    key = _key(published=T0, activated=T0)
    assert key.state_at(T0) == State.ACTIVE
    assert key.state_at(T0 + 24 * 365 * 10 * H) == State.ACTIVE


def test_the_string_and_the_repr_never_show_the_private_key():
    key = _key(published=T0, activated=T0)
    sealed = bytes(key.private_key_sealed)
    for text in (str(key), repr(key)):
        assert key.kid in text
        assert sealed.hex() not in text
