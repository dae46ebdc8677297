"""Reads of deposits that other apps rely on."""

from collections.abc import Iterable
from dataclasses import dataclass

from accounts.enums import OrganisationSector

from .models import Deposit, SensitiveUse


@dataclass(frozen=True)
class UseConditionMatch:
    """One way a request breaks a deposit's use conditions."""

    deposit_reference: str
    deposit_title: str
    kind: str  # "sensitive_use" or "sector"
    condition: str  # the sensitive use's name, or the sector's label

    def describe(self) -> str:
        if self.kind == "sector":
            return (
                f"{self.deposit_reference} ({self.deposit_title}) may not be used by organisations in the "
                f"{self.condition.lower()} sector."
            )
        return (
            f"{self.deposit_reference} ({self.deposit_title}) excludes {self.condition.lower()}: "
            "participants were not told about it or would not be comfortable with it."
        )


def deposit_use_condition_matches(
    *, deposits: Iterable[Deposit], sensitive_uses: Iterable[SensitiveUse], sector: str
) -> list[UseConditionMatch]:
    """Every (deposit, condition) pair that the declared sensitive uses or the applicant's sector
    break. Deposits should come with ``excluded_uses`` prefetched."""
    declared = {use.pk: use for use in sensitive_uses}
    matches: list[UseConditionMatch] = []
    for deposit in deposits:
        for use in deposit.excluded_uses.all():
            if use.pk in declared:
                matches.append(UseConditionMatch(deposit.reference, deposit.title, "sensitive_use", use.name))
        if sector and sector in (deposit.excluded_sectors or []):
            matches.append(
                UseConditionMatch(
                    deposit.reference, deposit.title, "sector", OrganisationSector(sector).label
                )
            )
    return matches
