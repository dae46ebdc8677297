"""What the home page shows each role: a list of next actions, each contributed by the app that
owns them. An app registers a provider ``(user) -> list[NextAction]`` in its AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NextAction:
    title: str
    url: str
    description: str = ""
    count: int | None = None
    urgent: bool = False


_providers: list[Callable] = []


def register_next_actions(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def next_actions_for(user) -> list[NextAction]:
    actions: list[NextAction] = []
    for provider in _providers:
        actions.extend(provider(user))
    return actions
