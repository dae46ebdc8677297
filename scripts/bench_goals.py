"""scripts/bench, the goals of issue 19 and the SUMMARY line: one table of goals, read by the step
tables (``GOAL[key].met(value)``) and by the summary (``evaluate(figures)``), so that a mark in a
table and in the SUMMARY line cannot disagree. Pure functions of the figures: no Django.

Every time goal is a ratio to a baseline measured in the same run (absolute times on a shared
machine are noise):

=====================================================  =========  =======================================
figure                                                 goal       baseline
=====================================================  =========  =======================================
pages whose query count differs at 10 and 1,000 rows   0          (every page of step 1)
panel queue / bare ListView (10,000 applications)      <= 1.0     bench_urls' bare ListView
panel queue / admin changelist                         <= 0.5     bench_urls' private admin changelist
staff applications / bare ListView                     <= 1.0     bare ListView
slowest other page / bare ListView (table 2b)          <= 2.0     bare ListView, in the same rounds
decision -> ONS p95 / bare Celery hop p95              <= 2.0     the bare hop, one at a time
burst deliveries per second / bare drain per second    >= 0.5     the bare-hop burst from the same threads
burst lost + duplicates                                0
re-screen fan-out lost + duplicates                    0
sign-up and reset, slower / faster median (issue 14)   <= 1.20    the other address
=====================================================  =========  =======================================
"""

from collections.abc import Callable
from dataclasses import dataclass

from bench_report import mark
from bench_timing import GOAL_RATIO as TIMING_RATIO


@dataclass(frozen=True)
class Goal:
    key: str
    label: str
    op: str  # "<=" or ">="
    limit: float
    value: Callable[[dict], float]  # the figure the goal reads, from ``figures``

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit

    @property
    def text(self) -> str:
        """The goal as the tables print it: "<= 2.0", ">= 0.5", "= 0"."""
        return "= 0" if self.limit == 0 else f"{self.op} {self.limit:.1f}"


def ratio(value: float, baseline: float) -> float:
    """``value / baseline``; NaN (which meets no goal) when the baseline is 0 or missing."""
    return value / baseline if baseline else float("nan")


def _slowest(figures: dict) -> tuple[str, float]:
    """The other page with the highest ratio to the bare ListView (table 2b)."""
    return max(figures["other_pages"].items(), key=lambda item: item[1])


GOALS: tuple[Goal, ...] = (
    Goal(
        "queries",
        "pages whose query count differs at 10 and 1,000 rows",
        "<=",
        0,
        lambda f: f["queries_pages"] - f["queries_equal"],
    ),
    Goal("queue_bare", "panel queue / bare ListView", "<=", 1.0, lambda f: f["queue_bare"]),
    Goal("queue_admin", "panel queue / admin changelist", "<=", 0.5, lambda f: f["queue_admin"]),
    Goal("staff_bare", "staff applications / bare ListView", "<=", 1.0, lambda f: f["staff_bare"]),
    Goal("other_pages", "slowest other page / bare ListView", "<=", 2.0, lambda f: _slowest(f)[1]),
    Goal(
        "decision_p95",
        "decision -> ONS p95 / bare Celery hop p95",
        "<=",
        2.0,
        lambda f: ratio(f["decision_p95_ms"], f["hop_p95_ms"]),
    ),
    Goal(
        "burst_rate",
        "burst deliveries per second / bare drain per second",
        ">=",
        0.5,
        lambda f: ratio(f["burst_per_s"], f["bare_burst_per_s"]),
    ),
    Goal("burst_lost", "burst lost + duplicates", "<=", 0, lambda f: f["burst_lost"] + f["burst_duplicates"]),
    Goal(
        "fanout_lost",
        "re-screen fan-out lost + duplicates",
        "<=",
        0,
        lambda f: f["fanout_lost"] + f["fanout_duplicates"],
    ),
    Goal(
        "timing",
        "sign-up and reset, slower / faster median (issue 14)",
        "<=",
        TIMING_RATIO,
        lambda f: max(f["timing_sign_up"], f["timing_reset"]),
    ),
)
GOAL = {goal.key: goal for goal in GOALS}


@dataclass(frozen=True)
class Result:
    goal: Goal
    value: float
    ok: bool


def evaluate(figures: dict) -> dict[str, Result]:
    """Each goal's figure and whether it is met, by goal key."""
    results = {}
    for goal in GOALS:
        value = goal.value(figures)
        results[goal.key] = Result(goal, value, goal.met(value))
    return results


def summary_line(figures: dict) -> str:
    """The one SUMMARY line: every ratio with its mark, from ``evaluate``."""
    r = evaluate(figures)
    f = figures
    slowest, slowest_ratio = _slowest(f)
    other_ok = sum(GOAL["other_pages"].met(ratio) for ratio in f["other_pages"].values())
    met = sum(result.ok for result in r.values())
    return (
        f"SUMMARY: queries equal {f['queries_equal']}/{f['queries_pages']} {mark(r['queries'].ok)}; "
        f"queue {f['queue_bare']:.2f}x bare {mark(r['queue_bare'].ok)} "
        f"{f['queue_admin']:.2f}x admin {mark(r['queue_admin'].ok)}; "
        f"staff list {f['staff_bare']:.2f}x bare {mark(r['staff_bare'].ok)}; "
        f"slowest other page {slowest} {slowest_ratio:.2f}x bare {mark(r['other_pages'].ok)} "
        f"({other_ok}/{len(f['other_pages'])} pages pass); "
        f"decision->ONS p95 {r['decision_p95'].value:.2f}x bare hop {mark(r['decision_p95'].ok)} "
        f"(p50 {f['decision_p50_ms']:.1f} ms, p95 {f['decision_p95_ms']:.1f} ms); "
        f"burst {r['burst_rate'].value:.2f}x bare drain {mark(r['burst_rate'].ok)} "
        f"({f['burst_per_s']:.0f}/s of {f['bare_burst_per_s']:.0f}/s), "
        f"duplicates {f['burst_duplicates']} lost {f['burst_lost']} {mark(r['burst_lost'].ok)}; "
        f"re-screen fan-out {f['fanout_grants']} grants in {f['fanout_seconds']:.1f} s "
        f"({f['fanout_per_s']:.0f}/s, {ratio(f['fanout_per_s'], f['bare_burst_per_s']):.2f}x bare drain), "
        f"duplicates {f['fanout_duplicates']} lost {f['fanout_lost']} {mark(r['fanout_lost'].ok)}; "
        f"peak RSS web {f['web_peak_mb']:.0f} MB worker {f['worker_peak_mb']:.0f} MB; "
        f"timing known/unknown sign-up {f['timing_sign_up']:.2f}x reset {f['timing_reset']:.2f}x "
        f"{mark(r['timing'].ok)}; "
        f"{met}/{len(r)} goals met in {f['elapsed_s'] / 60:.1f} min ({f['load']})"
    )
