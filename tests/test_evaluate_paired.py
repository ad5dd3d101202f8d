"""Paired comparison, cost-quality frontier and scores table, on hand-made sweeps whose answers are known."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import binomtest

from tests.support.records import make_record
from workbench.errors import ConfigError
from workbench.evaluate import Sweep
from workbench.evaluate.paired import mcnemar_exact
from workbench.records import CallRecord
from workbench.runlog.sweeps import GradeRow
from workbench.ui.frontier import FRONTIER, frontier_figure, pareto_front

GRADER = "numeric:answer"
# (a's score, b's score) per item: 3 both right, 5 only a, 1 only b, 1 neither; None: no record for that side
PLAN: dict[str, tuple[float | None, float | None]] = {
    "q0": (1, 1), "q1": (1, 1), "q2": (1, 1),
    "q3": (1, 0), "q4": (1, 0), "q5": (1, 0), "q6": (1, 0.5), "q7": (1, "failed"),  # type: ignore[dict-item]
    "q8": (0, 1),
    "q9": (0, 0),
    "q10": (1, None),
}  # fmt: skip


def hand_made(plan: dict[str, tuple[object, object]], repeats: int = 1) -> Sweep:
    cells: dict[tuple[str, str, int], CallRecord] = {}
    grades: dict[tuple[str, str], GradeRow] = {}
    for item, sides in plan.items():
        for repeat in range(repeats):
            for target, score, cost in zip(("a", "b"), sides, (0.0, 0.002), strict=True):
                if score is None:
                    continue
                failed = score == "failed"
                record = make_record(
                    target=target, cost_usd=cost, latency_s=0.5 if target == "a" else 1.5,
                    error_type="TargetError" if failed else None, error_message="boom" if failed else None,
                    response="" if failed else "42",
                )  # fmt: skip
                cells[(item, target, repeat)] = record
                if not failed:
                    grades[(record.call_id, GRADER)] = GradeRow(record.call_id, GRADER, "1", float(score), "hand")  # type: ignore[arg-type]
    return Sweep("hand", ("a", "b"), (GRADER,), repeats, cells, grades)


def test_compare_counts_each_pair_once_and_gives_the_exact_mcnemar_p() -> None:
    paired = hand_made(PLAN).compare("a", "b")  # type: ignore[arg-type]
    assert paired.both == ("q0", "q1", "q2")
    assert paired.only_a == ("q3", "q4", "q5", "q6", "q7")  # half marks and a failed call are not right
    assert paired.only_b == ("q8",) and paired.neither == ("q9",)
    assert paired.left_out == 1 and paired.n == 10  # q10: b has no record
    assert paired.difference == pytest.approx(0.4)
    assert paired.p_value == pytest.approx(14 / 64)  # 2 * P(X >= 5), X ~ Binomial(6, 1/2)
    assert paired.counts() == {"both": 3, "only a": 5, "only b": 1, "neither": 1}
    assert "exact McNemar p = 0.219" in repr(paired) and "<td>5</td>" in paired._repr_html_()
    flipped = hand_made(PLAN).compare("b", "a")  # type: ignore[arg-type]
    assert flipped.only_a == paired.only_b and flipped.p_value == pytest.approx(paired.p_value)


def test_mcnemar_exact_known_values() -> None:
    assert mcnemar_exact(10, 0) == pytest.approx(2 / 1024)
    assert mcnemar_exact(0, 0) == 1.0 and mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(7, 2) == pytest.approx(binomtest(7, 9, 0.5).pvalue)


def test_repeats_are_separate_pairs() -> None:
    paired = hand_made({"x": (1, 0), "y": (0, 0)}, repeats=2).compare("a", "b")  # type: ignore[arg-type]
    assert paired.only_a == ("x#0", "x#1") and paired.neither == ("y#0", "y#1")


def test_compare_mistakes_name_the_fix() -> None:
    sweep = hand_made(PLAN)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="has no target 'c'; it has a, b"):
        sweep.compare("a", "c")
    with pytest.raises(ConfigError, match="two different targets"):
        sweep.compare("a", "a")
    with pytest.raises(ConfigError, match="has no grader 'exact:answer'"):
        sweep.compare("a", "b", grader="exact:answer")


def test_sweep_displays_its_scores_table() -> None:
    sweep = hand_made(PLAN)  # type: ignore[arg-type]
    page, text = sweep._repr_html_(), str(sweep)
    # a: 9 of 11 right; b: 4 of 10 (q6 half marks: mean 4.5 / 10), one failed
    assert "<td>a</td><td>81.8%</td>" in page and "<td>b</td><td>45.0%</td>" in page
    assert "21 of 21 cells, 1 failed" in page and "graded by numeric:answer" in page
    assert text.splitlines()[2].split()[:2] == ["a", "81.8%"]
    assert repr(sweep) == "<Sweep 'hand': 21 of 21 cells, 1 failed, 0 sent by this run>"  # one line, no record read


def test_pareto_front_keeps_the_non_dominated_points_by_cost() -> None:
    assert pareto_front([0.0, 1.0, 2.0, 1.0], [0.4, 0.8, 0.7, 0.8]) == [0, 1, 3]
    assert pareto_front([1.0, 0.5], [0.5, 0.9]) == [1]  # cheaper and better dominates
    assert pareto_front([], []) == []


def test_frontier_figure_places_targets_with_intervals_and_joins_the_front() -> None:
    scores = pd.DataFrame([
        {"target": "edge", "n": 10, "cost_usd": 0.0, "score": 0.4, "ci_low": 0.2, "ci_high": 0.7},
        {"target": "cloud", "n": 10, "cost_usd": 0.01, "score": 0.8, "ci_low": 0.5, "ci_high": 0.95},
        {"target": "pricey", "n": 10, "cost_usd": 0.02, "score": 0.7, "ci_low": 0.4, "ci_high": 0.9},
        {"target": "unpriced", "n": 10, "cost_usd": math.nan, "score": 0.9, "ci_low": 0.6, "ci_high": 1.0},
    ]).set_index("target")  # fmt: skip
    figure = frontier_figure(scores)
    points = {t.name: t for t in figure.data if t.name != FRONTIER}
    assert set(points) == {"edge", "cloud", "pricey"}
    assert list(points["cloud"].x) == [pytest.approx(0.001)] and list(points["cloud"].y) == [0.8]
    assert list(points["cloud"].error_y.array) == [pytest.approx(0.15)]
    assert list(points["cloud"].error_y.arrayminus) == [pytest.approx(0.3)]
    (front,) = [t for t in figure.data if t.name == FRONTIER]
    assert list(front.x) == [0.0, pytest.approx(0.001)] and list(front.y) == [0.4, 0.8]
    assert "not placed: unpriced" in figure.layout.title.text


def test_frontier_of_a_sweep_uses_its_scores() -> None:
    scores = hand_made(PLAN).scores()  # type: ignore[arg-type]
    figure = frontier_figure(scores)
    points = {t.name: (t.x[0], t.y[0]) for t in figure.data if t.name != FRONTIER}
    assert points["a"] == (0.0, pytest.approx(scores.loc["a", "score"]))
    assert points["b"] == (pytest.approx(0.002), pytest.approx(scores.loc["b", "score"]))
    (front,) = [t for t in figure.data if t.name == FRONTIER]
    assert list(front.x) == [0.0]  # a is cheaper and better: b is dominated


def test_routing_policies_join_the_targets_on_the_cost_quality_plot() -> None:
    from tests.support.outcomes import make_outcomes
    from workbench.routing.frontier import route_curves

    # the edge never scores, so a learned router has nothing to learn from; rules ranks by the prompt alone
    outcomes = make_outcomes([0.0] * 40, [1.0] * 40, prompts=[f"question {'x' * i}" for i in range(40)])
    routes, left_out = route_curves(outcomes, ["learned", "rules"])
    assert set(left_out) == {"learned"} and "single edge_score class" in left_out["learned"]
    rules = routes[routes["policy"] == "rules"]
    assert len(rules) == 21  # every cut of the 20 held-out prompts
    assert (rules["cost_per_item"].iloc[0], rules["quality"].iloc[0]) == (pytest.approx(0.1), 0.0)  # all edge
    assert (rules["cost_per_item"].iloc[-1], rules["quality"].iloc[-1]) == (pytest.approx(1.0), 1.0)  # all cloud
    scores = pd.DataFrame([
        {"target": "edge", "n": 10, "cost_usd": 1.0, "score": 0.0, "ci_low": 0.0, "ci_high": 0.3},
        {"target": "pricey", "n": 10, "cost_usd": 20.0, "score": 0.9, "ci_low": 0.6, "ci_high": 1.0},
    ]).set_index("target")  # fmt: skip
    figure = frontier_figure(scores, routes=routes)
    (curve,) = [t for t in figure.data if t.name == "route: rules (held-out half)"]
    assert len(curve.x) == 21
    (front,) = [t for t in figure.data if t.name == FRONTIER]
    assert pytest.approx(1.0) in list(front.x) and 2.0 not in list(front.x)  # the routed point beats "pricey"


def test_the_cost_total_is_the_same_whatever_order_the_calls_finished_in() -> None:
    """A sweep's calls finish in any order (a replay's in another): the total must not move in its last bits."""
    costs = [0.1, 0.2, 0.3, 1e-6, 3e-7]
    totals = set()
    for order in (costs, costs[::-1], sorted(costs)):
        cells = {(f"q{i}", "a", 0): make_record(target="a", cost_usd=c) for i, c in enumerate(order)}
        totals.add(Sweep("hand", ("a",), (GRADER,), 1, cells, {}).scores().loc["a", "cost_usd"])
    assert len(totals) == 1 and totals == {math.fsum(costs)}
