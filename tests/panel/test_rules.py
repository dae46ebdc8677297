import pytest

from panel.enums import OutcomeRule, Recommendation
from panel.rules import ChangeFacts, Tally, change_request_route, quorum_met, recommend

A, R, N = Recommendation.APPROVE, Recommendation.REJECT, Recommendation.NO_QUORUM
MAJ, UNA = OutcomeRule.MAJORITY, OutcomeRule.UNANIMOUS


@pytest.mark.parametrize(
    ("rule", "approve", "reject", "abstain", "unsuitable", "quorum", "expected"),
    [
        # below quorum: no recommendation under either rule
        (MAJ, 2, 0, 0, 0, 3, N),
        (UNA, 2, 0, 0, 0, 3, N),
        (MAJ, 0, 0, 0, 0, 1, N),
        # abstentions count toward quorum
        (MAJ, 2, 0, 1, 0, 3, A),
        (UNA, 2, 0, 1, 0, 3, A),
        # majority: all approve
        (MAJ, 4, 0, 0, 0, 3, A),
        # majority: 3 approve, 1 reject
        (MAJ, 3, 1, 0, 0, 3, A),
        # majority: tie is not a majority
        (MAJ, 2, 2, 0, 0, 3, R),
        # majority: abstentions are not approvals (2 of 4 is not more than half)
        (MAJ, 2, 0, 2, 0, 3, R),
        (MAJ, 2, 1, 1, 0, 3, R),
        # majority: all abstain
        (MAJ, 0, 0, 4, 0, 3, R),
        # majority: most reject
        (MAJ, 1, 3, 0, 0, 3, R),
        # majority: approve but a majority finds the researcher unsuitable
        (MAJ, 4, 0, 0, 3, 3, R),
        # majority: approve and exactly half unsuitable is not a majority
        (MAJ, 4, 0, 0, 2, 3, A),
        # majority: a minority unsuitable does not block
        (MAJ, 3, 0, 0, 1, 3, A),
        # unanimous: all approve
        (UNA, 4, 0, 0, 0, 3, A),
        # unanimous: one reject blocks
        (UNA, 3, 1, 0, 0, 3, R),
        # unanimous: abstentions neither approve nor block
        (UNA, 1, 0, 3, 0, 3, A),
        # unanimous: all abstain
        (UNA, 0, 0, 4, 0, 3, R),
        # unanimous: one unsuitable blocks
        (UNA, 4, 0, 0, 1, 3, R),
        # quorum 1
        (MAJ, 1, 0, 0, 0, 1, A),
        (UNA, 0, 1, 0, 0, 1, R),
    ],
)
def test_recommendation_rule_table(rule, approve, reject, abstain, unsuitable, quorum, expected):
    counted = approve + reject + abstain
    tally = Tally(
        approve=approve, reject=reject, abstain=abstain, unsuitable=unsuitable, suitable=counted - unsuitable
    )
    assert recommend(tally=tally, quorum=quorum, outcome_rule=rule) == expected


def test_recommend_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="Unknown outcome rule"):
        recommend(tally=Tally(approve=3), quorum=1, outcome_rule="dictator")


@pytest.mark.parametrize(
    ("counted", "quorum", "met"),
    [(0, 1, False), (2, 3, False), (3, 3, True), (4, 3, True), (1, 1, True)],
)
def test_quorum_met_is_the_one_quorum_test(counted, quorum, met):
    tally = Tally(approve=counted)
    assert quorum_met(tally=tally, quorum=quorum) is met
    assert (recommend(tally=tally, quorum=quorum, outcome_rule=OutcomeRule.MAJORITY) != N) is met


# --- who decides a change request (panel.rules.change_request_route): the docstring's table ----------


@pytest.mark.parametrize(
    ("kinds", "within", "valid", "route"),
    [
        ({"purpose"}, False, True, "panel"),
        ({"deposit_add"}, False, True, "panel"),
        ({"deposit_remove"}, False, True, "panel"),
        ({"member_add"}, False, True, "panel"),
        ({"member_add", "extension"}, True, True, "panel"),
        ({"extension"}, True, True, "staff"),
        ({"member_remove"}, False, True, "staff"),
        ({"member_remove", "extension"}, True, True, "staff"),
        ({"extension"}, False, True, "chair"),
        ({"extension"}, True, False, "chair"),
        ({"member_remove", "extension"}, False, True, "chair"),
        ({"outputs"}, False, True, "chair"),
        ({"outputs", "extension"}, True, True, "chair"),
    ],
)
def test_change_request_route_follows_its_table(kinds, within, valid, route):
    routing = change_request_route(
        ChangeFacts(kinds=frozenset(kinds), extension_within_limit=within, accreditations_valid=valid)
    )
    assert routing.route == route
    assert routing.reason
    assert routing.rule == "panel.rules.change_request_route"
