"""What every grant service shares."""

from __future__ import annotations

from django.db import transaction


def _ensure_atomic(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside a transaction.")
