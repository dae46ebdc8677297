"""The panel's rules as one pure function: from the counted votes to the recommended outcome.

Which votes are counted (done by ``panel.selectors.vote_tally``): votes on the application's
*current* version, by members who declared no conflict. Votes on an earlier version are stale and
not counted; a conflicted member's vote is never counted.

Every counted vote has two answers: the project (approve / reject / abstain) and the researcher's
fit (suitable / unsuitable). Let ``n = approve + reject + abstain``.

=====================  =============================================================================
Situation              Recommendation
=====================  =============================================================================
n < quorum             no recommendation (``no_quorum``): the chair cannot decide yet
majority rule          **approve** when ``approve > n / 2`` (abstentions count toward quorum and toward
                       ``n``, but never as approvals) **and** ``unsuitable <= n / 2`` (no majority
                       finds the researcher unsuitable); otherwise **reject**. A tie is not a majority.
unanimous rule         **approve** when ``approve >= 1``, ``reject == 0`` and ``unsuitable == 0``
                       (abstentions neither approve nor block); otherwise **reject**
=====================  =============================================================================
"""

from dataclasses import dataclass

from .enums import OutcomeRule, Recommendation


@dataclass(frozen=True)
class Tally:
    approve: int = 0
    reject: int = 0
    abstain: int = 0
    suitable: int = 0
    unsuitable: int = 0

    @property
    def counted(self) -> int:
        return self.approve + self.reject + self.abstain


def quorum_met(*, tally: Tally, quorum: int) -> bool:
    """Whether enough votes are counted (approve, reject, abstain; never none) for the panel to
    recommend. The one quorum test: the recommendation, the chair's "may decide" and the quorum
    notice all ask it."""
    return tally.counted > 0 and tally.counted >= quorum


def recommend(*, tally: Tally, quorum: int, outcome_rule: str) -> str:
    """Return a ``Recommendation`` value for the counted votes under the given rules."""
    n = tally.counted
    if not quorum_met(tally=tally, quorum=quorum):
        return Recommendation.NO_QUORUM
    if outcome_rule == OutcomeRule.UNANIMOUS:
        approve = tally.approve >= 1 and tally.reject == 0 and tally.unsuitable == 0
    elif outcome_rule == OutcomeRule.MAJORITY:
        approve = 2 * tally.approve > n and 2 * tally.unsuitable <= n
    else:
        raise ValueError(f"Unknown outcome rule {outcome_rule!r}.")
    return Recommendation.APPROVE if approve else Recommendation.REJECT
