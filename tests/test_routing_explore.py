"""The routing explorer's numbers on hand-made outcomes with known answers, and its widget's state."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from workbench.routing import curve_metrics, load_routellm, simulate, threshold_for_budget
from workbench.routing.exploration import Exploration
from workbench.routing.outcomes import COLUMNS, Outcomes
from workbench.server.saving import drop_live_outputs
from workbench.ui.explorer import LIVE_MARK, Explorer, explore


def outcomes(
    edge: list[float], cloud: list[float], cloud_cost: list[float], entities: list[int], **extra: list
) -> Outcomes:
    n = len(edge)
    frame = pd.DataFrame({c: [np.nan] * n for c in COLUMNS})
    frame["prompt"] = [f"prompt {i}" for i in range(n)]
    frame["source"] = "hand"
    frame["edge_score"], frame["cloud_score"] = edge, cloud
    frame["edge_cost_usd"], frame["cloud_cost_usd"] = 0.0, cloud_cost
    frame["privacy_entities"] = entities
    for name, values in extra.items():
        frame[name] = values
    return Outcomes(frame, "edge", "cloud")


# The oracle ranks prompt 1 and 2 (only the cloud right) first, then 0 (both right), then 3 (only the edge).
FOUR = outcomes([1, 0, 0, 1], [1, 1, 1, 0], [1.0, 2.0, 3.0, 4.0], [0, 1, 0, 0])


def test_half_the_oracle_ranking_to_the_cloud_gives_the_known_figures() -> None:
    p = Exploration(FOUR, "oracle", split_name="all").at(0.5)
    assert (p.cloud_calls, p.quality, p.cost_usd, p.cost_saved, p.cloud_cost_share) == (2, 1.0, 5.0, 0.5, 0.5)
    assert p.flagged_to_cloud == 1 and p.flagged_total == 1
    assert [r["prompt"] for r in p.crossing] == ["prompt 2", "prompt 1"]  # the last to cross first
    assert p.missed == [] and p.missed_total == 0
    assert p.pgr == pytest.approx((1.0 - 0.5) / (0.75 - 0.5))


def test_pinning_the_flagged_prompt_keeps_it_on_the_edge_and_shows_the_quality_it_costs() -> None:
    p = Exploration(FOUR, "oracle", split_name="all").at(0.5, pinned=True)
    assert (p.cloud_calls, p.quality, p.quality_unpinned, p.pin_cost, p.cost_usd) == (1, 0.75, 1.0, 0.25, 3.0)
    assert p.flagged_to_cloud == 0
    assert [(r["prompt"], r["side"]) for r in p.missed] == [("prompt 1", "pinned: personal data")]
    assert [r["prompt"] for r in p.crossing] == ["prompt 2"]


def test_a_quarter_leaves_the_second_cloud_only_prompt_on_the_edge_as_a_miss() -> None:
    p = Exploration(FOUR, "oracle", split_name="all").at(0.25)
    assert (p.cloud_calls, p.quality, p.missed_total) == (1, 0.75, 1)
    assert [(r["prompt"], r["side"]) for r in p.missed] == [("prompt 2", "below threshold")]


def test_a_dollar_budget_sends_the_most_prompts_whose_spend_fits() -> None:
    ex = Exploration(FOUR, "oracle", split_name="all")  # spend along the ranking: 0, 2, 5, 6, 10
    p = ex.at_budget(5.5)
    assert (p.share, p.cloud_calls, p.cost_usd, p.budget_usd) == (0.5, 2, 5.0, 5.5)
    assert ex.at_budget(1.0).cloud_calls == 0 and ex.at_budget(100.0).cloud_calls == 4
    assert ex.spend_range() == (0.0, 10.0)


def test_a_dollar_budget_with_the_pin_spends_nothing_on_the_kept_back_prompt() -> None:
    p = Exploration(FOUR, "oracle", split_name="all").at_budget(5.5, pinned=True)  # pinned spend: 0, 0, 3, 4, 8
    assert (p.share, p.cloud_calls, p.cost_usd, p.quality, p.pin_cost) == (0.75, 2, 4.0, 0.75, 0.25)


def test_the_quality_interval_is_wilson_at_the_point() -> None:
    p = Exploration(FOUR, "oracle", split_name="all").at(0.25)
    z, n, q = 1.959964, 4, 0.75
    centre = (q + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (p.quality_low, p.quality_high) == pytest.approx((centre - half, centre + half), abs=1e-5)


def test_latency_percentiles_follow_the_routing_and_are_absent_without_latency() -> None:
    data = outcomes([1, 0, 0, 1], [1, 1, 1, 0], [1.0] * 4, [0] * 4,
                    edge_latency_s=[1.0, 1.0, 1.0, 1.0], cloud_latency_s=[9.0, 3.0, 5.0, 9.0])  # fmt: skip
    ex = Exploration(data, "oracle", split_name="all")
    assert ex.at(0.0).latency_p50_s == 1.0
    assert ex.at(0.5).latency_p90_s == pytest.approx(np.percentile([1, 3, 5, 1], 90))
    assert Exploration(FOUR, "oracle", split_name="all").at(0.5).latency_p50_s is None


@pytest.fixture(scope="module")
def gsm8k() -> Outcomes:
    from workbench.routing import default_routellm_dir

    return load_routellm(default_routellm_dir() / "gsm8k_responses.csv")


@pytest.mark.parametrize("policy", ["rules", "learned-cascade"])
def test_every_share_agrees_with_simulate_on_the_same_routing(gsm8k: Outcomes, policy: str) -> None:
    ex = Exploration(gsm8k, policy, seed=1)
    from workbench.routing import make_policy, prepare

    evaluated, scores, _ = prepare(gsm8k, make_policy(policy, seed=1), seed=1)
    order = np.argsort(-scores, kind="stable")
    edge, cloud = evaluated.array("edge_score"), evaluated.array("cloud_score")
    assert ex.at(0.3).apgr == pytest.approx(curve_metrics(edge, cloud, scores)["apgr"])
    for share in (0.0, 0.13, 0.5, 0.87, 1.0):
        mask = np.zeros(len(evaluated), dtype=bool)
        mask[order[: round(share * len(evaluated))]] = True
        want = simulate(evaluated, mask, edge_first=ex.edge_first)
        got = ex.at(share)
        assert (got.cloud_calls, got.quality) == (want.cloud_calls, pytest.approx(want.quality))
        assert (got.cost_usd, got.cost_saved) == (pytest.approx(want.cost_usd), pytest.approx(want.cost_saved))
        assert got.cloud_cost_share == pytest.approx(want.cloud_cost_share)


def test_the_widget_moves_its_operating_point_and_freezes_to_static_html(gsm8k: Outcomes) -> None:
    explorer = explore(gsm8k, policy="rules")
    point = explorer.figure.data[3]
    explorer.share.value = 10.0
    low = (point.x[0], point.y[0], explorer.figures.value)
    explorer.share.value = 90.0
    assert point.x[0] > low[0] and explorer.figures.value != low[2]
    assert point.y[0] == explorer.point.quality and explorer.point.share == 0.9
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()
    assert "text/html" not in explorer._repr_mimebundle_()  # the static view is its own output beside the widget
    explorer.freeze()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert "90.0% of the ranking" in bundle["text/plain"] and "Kept on the edge" in bundle["text/html"]


@pytest.mark.parametrize("budget", [0.4, 1.0, 1.7])
def test_a_budget_agrees_with_threshold_for_budget_on_the_same_prompts(gsm8k: Outcomes, budget: float) -> None:
    ex = Exploration(gsm8k, "learned", seed=2)
    from workbench.routing import make_policy, prepare

    evaluated, scores, _ = prepare(gsm8k, make_policy("learned", seed=2), seed=2)
    threshold = threshold_for_budget(scores, evaluated, budget_usd=budget)
    got = ex.at_budget(budget)
    assert got.cloud_calls == int((scores >= threshold).sum())
    assert got.cost_usd is not None and got.cost_usd <= budget


def test_the_slider_set_to_a_dollar_budget_calibrates_the_point(gsm8k: Outcomes) -> None:
    explorer = explore(gsm8k, policy="learned")
    explorer.axis.value = "dollar budget"
    low, high = explorer.exploration().spend_range()
    assert (explorer.share.min, explorer.share.max) == (low, high)
    explorer.share.value = low + (high - low) / 3
    point = explorer.point
    assert point.budget_usd == explorer.share.value
    assert point.cost_usd is not None and point.cost_usd <= point.budget_usd
    assert explorer.figure.data[3].x[0] == point.cost_usd
    assert explorer.figures.value.count("dollar budget $") == 1
    explorer.pin.value = True  # the budget stays; the figures now say what the pin costs
    assert explorer.point.budget_usd == point.budget_usd and "the pin costs" in explorer.figures.value
    explorer.axis.value = "cloud share"
    assert explorer.point.budget_usd is None and explorer.share.max == 100


def test_a_saving_server_drops_the_live_widget_output_and_keeps_the_snapshot() -> None:
    live = {"output_type": "display_data", "data": {"text/plain": "live"}, "metadata": LIVE_MARK}
    snapshot = {"output_type": "display_data", "data": {"text/html": "<div>last</div>"}, "metadata": {}}
    model = {"type": "notebook", "content": {"cells": [{"cell_type": "code", "outputs": [live, snapshot]}]}}
    drop_live_outputs(model)
    assert model["content"]["cells"][0]["outputs"] == [snapshot]


@pytest.fixture
def shell() -> InteractiveShell:
    ip = InteractiveShell.instance()
    ip.extension_manager.load_extension("workbench")
    return ip


def test_hybrid_explore_opens_the_explorer_on_a_notebook_variable(shell: InteractiveShell, gsm8k: Outcomes) -> None:
    shell.user_ns["routed"] = gsm8k
    try:
        explorer = shell.run_line_magic("hybrid", "explore routed")
        assert isinstance(explorer, Explorer) and explorer.data is gsm8k
        for line in ("explore", "explore nothing_here", "explore routed edge=a cloud=b", "explore routed x=1"):
            with pytest.raises(UsageError):
                shell.run_line_magic("hybrid", line)
    finally:
        shell.user_ns.pop("routed", None)
