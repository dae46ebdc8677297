"""The deposits a request may name, and the one screening rule: every way a request breaks a
requested deposit's use conditions."""

from __future__ import annotations

from django.db.models import Q, QuerySet, prefetch_related_objects

from core.selectors import prefetched
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.selectors import UseConditionMatch, deposit_use_condition_matches

from ..models import Application
from .team import application_accepted_members


def deposits_selectable_for(*, application: Application | None = None) -> QuerySet[Deposit]:
    """Deposits the form offers: the available ones, plus any already requested (so that one that
    became unavailable stays visible and is flagged, rather than silently dropped)."""
    condition = Q(status=DepositStatus.AVAILABLE)
    if application is not None and application.pk:
        condition |= Q(applications=application)
    return Deposit.objects.filter(condition).distinct().order_by("reference")


def application_use_condition_matches(*, application: Application) -> list[UseConditionMatch]:
    """Every way the request breaks a requested deposit's use conditions: the declared sensitive
    uses, and the organisation sector of each accepted team member. A match means automatic
    rejection on submission; the draft shows each one as a warning first."""
    deposits = prefetched(application, "deposits")  # a page's prefetch, when it made one
    if deposits is None:
        deposits = list(application.deposits.all())
    prefetch_related_objects(deposits, "excluded_uses")  # nothing when the page's prefetch has them
    return use_condition_matches(
        deposits=sorted(deposits, key=lambda d: d.reference),
        sensitive_uses=list(application.sensitive_uses.all()),
        users=[m.user for m in application_accepted_members(application=application)],
    )


def use_condition_matches(*, deposits, sensitive_uses, users) -> list[UseConditionMatch]:
    """The one screening rule, for a new application and for a change request on a live grant
    alike: every way ``sensitive_uses`` or the organisation sector of any of ``users`` breaks the use
    conditions of one of ``deposits`` (``excluded_uses`` prefetched), without repeats."""
    sectors = []
    for user in users:
        profile = getattr(user, "researcher_profile", None) if user is not None else None
        sector = profile.sector if profile is not None else ""
        if sector not in sectors:
            sectors.append(sector)
    matches: list[UseConditionMatch] = []
    for sector in sectors or [""]:
        matches.extend(
            deposit_use_condition_matches(deposits=deposits, sensitive_uses=sensitive_uses, sector=sector)
        )
    return list(dict.fromkeys(matches))
