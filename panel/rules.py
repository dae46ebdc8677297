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

from applications.enums import ChangeKind, ChangeRoute

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


# --- who decides a change request on a live grant ----------------------------------------------------

#: How far an extension delegated to staff may reach beyond the current access end.
DELEGATED_EXTENSION_MONTHS = 6


@dataclass(frozen=True)
class ChangeFacts:
    """What the routing rule reads of a change request (``panel.change_selectors.change_request_facts``).

    ``kinds``: the ``applications.enums.ChangeKind`` values it changes; ``extension_within_limit``:
    the new access end is at most ``DELEGATED_EXTENSION_MONTHS`` after the current one (False when
    there is no extension); ``accreditations_valid``: every member of the team after the change has
    an accreditation valid at the (new) access end (``applications.selectors.accreditation_standing``)."""

    kinds: frozenset[str]
    extension_within_limit: bool = False
    accreditations_valid: bool = True


@dataclass(frozen=True)
class Routing:
    """What ``change_request_route`` answers: the route (``applications.enums.ChangeRoute``), the
    reason shown to the team and the deciders, and the rule's name (both are audited)."""

    route: str
    reason: str
    rule: str = "panel.rules.change_request_route"


#: Kinds that go to the panel's vote: they change the purpose, the data or the people.
PANEL_KINDS = frozenset(
    {ChangeKind.PURPOSE, ChangeKind.DEPOSIT_ADD, ChangeKind.DEPOSIT_REMOVE, ChangeKind.MEMBER_ADD}
)
#: Kinds staff may decide under the delegation.
DELEGABLE_KINDS = frozenset({ChangeKind.MEMBER_REMOVE, ChangeKind.EXTENSION})

DELEGATION_TEXT = (
    f"Delegated to staff: an extension of up to {DELEGATED_EXTENSION_MONTHS} months with every team "
    "member's accreditation valid at the new end, or removing a member."
)


def change_request_route(facts: ChangeFacts) -> Routing:
    """Who decides a change request, and why (the reason is shown and audited).

    ====================================================  =========  ==============================
    The change request                                      Route      Reason
    ====================================================  =========  ==============================
    changes the purpose, adds or removes a deposit, or      panel      the panel votes (project and
    adds a member (whatever else it changes)                           researcher fit), the chair
                                                                       decides
    only removes members and/or extends the access end      staff      the delegation
    by at most 6 months, every accreditation valid at                  (``DELEGATION_TEXT``)
    the new end
    anything else: the outputs plan changes, an             chair      each reason that applies
    extension over 6 months, or an accreditation not
    valid at the new end
    ====================================================  =========  ==============================
    """
    kinds = facts.kinds
    if kinds & PANEL_KINDS:
        return Routing(
            ChangeRoute.PANEL,
            "It changes the purpose, the data or the people: the panel votes on the project and the "
            "researchers' fit, then the chair decides.",
        )
    extension = ChangeKind.EXTENSION in kinds
    extension_delegable = not extension or (facts.extension_within_limit and facts.accreditations_valid)
    if kinds and kinds <= DELEGABLE_KINDS and extension_delegable:
        return Routing(ChangeRoute.STAFF, DELEGATION_TEXT)
    reasons = []
    if ChangeKind.OUTPUTS in kinds:
        reasons.append("the outputs plan changes")
    if extension and not facts.extension_within_limit:
        reasons.append(f"the extension is longer than {DELEGATED_EXTENSION_MONTHS} months")
    if extension and not facts.accreditations_valid:
        reasons.append("a team member's accreditation is not valid at the new access end")
    return Routing(
        ChangeRoute.CHAIR, "The chair decides: " + ("; ".join(reasons) or "no delegation applies") + "."
    )
