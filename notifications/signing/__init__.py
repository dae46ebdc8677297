"""Standard Webhooks ``v1a`` (Ed25519) signatures on the ONS webhook, the keys that make them, their
rotation, and the JWK set at ``/.well-known/jwks.json`` that publishes the public halves.

- ``crypto``: the scheme itself (signed content, the header entry, key formats, the JWK, the sealed
  private key), pure functions over bytes.
- ``models``: ``OnsSigningKey`` and its states, derived from its timestamps at any moment.
- ``selectors``: which keys sign at a moment, which are published, the JWK set.
- ``services``: creating the first key and rotating (each change audited).
- ``signatures``: the ``webhook-signature`` header value (``v1`` beside every ``v1a``).

docs/ons-signatures.md is the receiver's guide.
"""
