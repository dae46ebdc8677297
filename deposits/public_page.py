"""Sections other apps add to the public page of a deposit. The deposits app knows nothing of who
uses a deposit (the register of approved projects and their outputs live in higher apps, which it
must not import); a higher app registers a provider ``(deposit) -> DepositPageSection | None`` in
its AppConfig.ready(), as apps register their home-page actions with ``core.home``. The page shows
each section, in the order registered, after the deposit's own description."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class DepositPageSection:
    """A partial template and what it needs (the deposit is added to the context)."""

    template: str
    context: dict = field(default_factory=dict)


_providers: list[Callable] = []


def register_deposit_page_section(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def deposit_page_sections(deposit, *, request=None) -> list[SafeString]:
    """Every registered section for ``deposit``, rendered (a provider may answer None: nothing)."""
    rendered = []
    for provider in _providers:
        section = provider(deposit)
        if section is not None:
            rendered.append(
                render_to_string(section.template, {**section.context, "deposit": deposit}, request=request)
            )
    return rendered
