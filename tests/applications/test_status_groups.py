"""The status groups live beside the transition table (applications/enums.py) and nowhere else, and
no code compares a status with a raw string."""

import ast
from pathlib import Path

import pytest

from applications import enums
from applications.enums import ALLOWED_TRANSITIONS, ApplicationStatus

S = ApplicationStatus
ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "accounts", "deposits", "applications", "panel", "notifications", "transparency")
GROUPS = (
    "WITHDRAWABLE",
    "EDITABLE",
    "PANEL_VISIBLE",
    "AWAITING_SCREENING",
    "REVIEWING",
    "QUERYABLE",
    "DECIDED",
    "CLOSED",
    "GRANTED",
    "LIVE",
    "TERMS_REQUIRED",
)


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _status_members(node) -> int:
    return sum(
        1
        for child in ast.walk(node)
        if isinstance(child, ast.Attribute)
        and isinstance(child.value, ast.Name)
        and child.value.id in {"ApplicationStatus", "S"}
    )


@pytest.mark.parametrize("name", GROUPS)
def test_each_group_is_a_frozenset_of_statuses(name):
    group = getattr(enums, name)
    assert isinstance(group, frozenset)
    assert group <= set(S)


def test_the_groups_agree_with_the_transition_table():
    assert S.DRAFT not in enums.PANEL_VISIBLE
    assert enums.PANEL_VISIBLE | {S.DRAFT} == set(S)
    assert {S.SUBMITTED, S.RESUBMITTED, S.UNDER_REVIEW} == enums.QUERYABLE
    assert {S.DRAFT, S.SUBMITTED, S.QUERIED, S.RESUBMITTED, S.UNDER_REVIEW} == enums.WITHDRAWABLE
    assert not ALLOWED_TRANSITIONS[S.WITHDRAWN]
    assert enums.DECIDED | {S.WITHDRAWN} == enums.CLOSED
    assert all(ALLOWED_TRANSITIONS[s] <= enums.GRANTED for s in enums.GRANTED)
    assert not enums.AWAITING_SCREENING & {S.UNDER_REVIEW, S.QUERIED}
    assert enums.LIVE <= enums.GRANTED
    assert not enums.LIVE & {S.REVOKED, S.ACCESS_ENDED}
    # the terms bind a team from the draft until access ends, never after a refusal or a withdrawal
    assert {S.DRAFT, *enums.PANEL_VISIBLE} - (enums.CLOSED - enums.LIVE) == enums.TERMS_REQUIRED
    assert enums.WITHDRAWABLE | enums.LIVE == enums.TERMS_REQUIRED


def test_no_module_but_the_enums_defines_a_group_of_statuses():
    found = []
    for path, tree in _sources():
        if path == ROOT / "applications" / "enums.py":
            continue
        for node in tree.body:
            value = getattr(node, "value", None)
            literal = isinstance(value, ast.Set | ast.Tuple | ast.List | ast.Call)
            if isinstance(node, ast.Assign | ast.AnnAssign) and literal and _status_members(value) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_no_code_compares_an_application_status_with_a_raw_string():
    values = {s.value for s in S}
    found = []
    for path, tree in _sources():
        if path.parent.name == "applications" and path.name == "enums.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                names_status = any(isinstance(s, ast.Attribute) and s.attr == "status" for s in sides)
                raw = any(isinstance(s, ast.Constant) and s.value in values for s in sides)
            elif isinstance(node, ast.keyword):
                names_status = node.arg in {"status", "status__in"}
                raw = isinstance(node.value, ast.Constant) and node.value.value in values
            else:
                continue
            if names_status and raw:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
