"""docs/ons-signatures.md: its Python example verifies what the portal sends, and its table of
settings says what the settings are."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate

from .test_signatures import _jwks, _signed

pytestmark = pytest.mark.django_db
DOC = (Path(__file__).resolve().parents[3] / "docs" / "ons-signatures.md").read_text(encoding="utf-8")


def _example() -> dict:
    (code,) = re.findall(r"```python\n(.*?)```", DOC, re.S)
    namespace: dict = {}
    exec(compile(code, "docs/ons-signatures.md", "exec"), namespace)  # noqa: S102 (the doc's own example)
    return namespace


def test_the_python_example_verifies_a_webhook_and_refuses_a_tampered_one(client):
    example = _example()
    ons_signing_key_init()
    keys = example["keys_from"](_jwks(client))
    body, headers = _signed()
    assert example["verify_v1a"](body, headers, keys)
    assert not example["verify_v1a"](body + b" ", headers, keys)
    assert not example["verify_v1a"](body, {**headers, "webhook-id": "msg_other"}, keys)


def test_the_python_example_verifies_with_the_signing_key_not_with_the_next_one(client):
    example = _example()
    old = ons_signing_key_init()
    nxt = ons_signing_key_rotate()  # published now, signs tomorrow
    published = {jwk["kid"]: jwk for jwk in _jwks(client)["keys"]}
    body, headers = _signed()
    assert example["verify_v1a"](body, headers, example["keys_from"]({"keys": [published[old.kid]]}))
    assert not example["verify_v1a"](body, headers, example["keys_from"]({"keys": [published[nxt.kid]]}))


@pytest.mark.parametrize(
    "name",
    [
        "ONS_SIGNING_PUBLISH_AHEAD_HOURS",
        "ONS_SIGNING_OVERLAP_HOURS",
        "ONS_SIGNING_RETENTION_DAYS",
        "ONS_JWKS_MAX_AGE_SECONDS",
    ],
)
def test_the_documented_defaults_are_the_settings(name):
    documented = re.search(rf"\| `{name}` \| (\d+) \|", DOC).group(1)
    assert float(getattr(django_settings, name)) == float(documented)
