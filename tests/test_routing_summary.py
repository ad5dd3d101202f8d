"""What the routing notebook and README show: fixed policy colours, cost-weighted shares, random's
expectation, the verdict over split seeds, and the README quoting what the summary prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.support.outcomes import make_outcomes
from workbench.routing import (
    POLICIES,
    POLICY_STYLES,
    Outcomes,
    curve_figure,
    curve_metrics,
    expected_random,
    oracle_scores,
    per_seed,
    policy_curves,
    policy_style,
    simulate,
    split,
    verdict,
)

ROOT = Path(__file__).resolve().parent.parent


def outcomes(edge: list[float], cloud: list[float], cloud_cost: list[float]) -> Outcomes:
    """Hand-made outcomes with a price per cloud call and 0.1 per edge call."""
    return make_outcomes(edge, cloud, cloud_cost=cloud_cost)


def test_cloud_share_of_cost_weighs_each_call_by_its_price() -> None:
    data = outcomes([0, 0, 0, 0], [1, 1, 1, 1], [4.0, 2.0, 1.0, 1.0])
    result = simulate(data, np.array([True, False, False, False]))
    assert result.cloud_share == 0.25
    assert result.cloud_cost_share == pytest.approx(4 / 8)  # one call in four, half the all-cloud bill
    assert result.cost_saved == pytest.approx(1 - (4 + 0.3) / 8)


def test_random_is_its_expectation_a_straight_line() -> None:
    data = outcomes([1, 0, 0, 0], [1, 1, 1, 0], [1.0, 1.0, 1.0, 1.0])
    # edge 0.25, cloud 0.75: 95% of cloud (0.7125) needs (0.7125 - 0.25) / 0.5 = 92.5% of calls
    random = expected_random(data)
    assert random["cloud_share"] == pytest.approx(0.925) and random["cloud_cost_share"] == random["cloud_share"]
    assert random["cost_saved"] == pytest.approx(1 - (0.925 * 4 + 0.075 * 0.4) / 4)
    assert random["apgr"] == 0.5
    big = outcomes([float(i % 2) for i in range(40)], [float(i % 4 != 3) for i in range(40)], [1.0] * 40)
    curve = policy_curves(big, ["random"], seed=1)
    test = split(big, seed=1)[1]
    line = curve[curve["policy"] == "random"]
    assert line["cloud_share"].tolist() == [0.0, 1.0]
    assert line["quality"].tolist() == [test.frame["edge_score"].mean(), test.frame["cloud_score"].mean()]


def test_a_policy_has_one_colour_in_every_figure() -> None:
    assert set(POLICIES) | {"oracle"} <= set(POLICY_STYLES)  # a new policy needs a colour
    colours = [s["color"] for s in POLICY_STYLES.values()]
    assert len(set(colours)) == len(colours)

    def drawn(names: list[str]) -> dict[str, str]:
        frame = pd.DataFrame([{"policy": n, "cloud_share": s, "quality": s} for n in names for s in (0.0, 1.0)])
        return {t.name: t.line.color for t in curve_figure(frame, title="t").data}

    first = drawn(["random", "rules", "learned", "learned-cascade", "oracle"])
    second = drawn(["oracle", "learned", "rules", "random", "mine"])  # other order, other set, as on MMLU
    for name in set(first) & set(second):
        assert first[name] == second[name] == POLICY_STYLES[name]["color"], name
    assert second["mine"] == policy_style("mine")["color"] == drawn(["mine", "random"])["mine"]


def seed_rows(label: str, figures: dict[str, list[tuple[float, float, float]]]) -> pd.DataFrame:
    """Per-seed rows from (cloud share, cloud share of cost, cost saved) per policy and seed."""
    rows = []
    for name, per_seed_figures in figures.items():
        for seed, (share, cost_share, saved) in enumerate(per_seed_figures):
            random_share = figures["random"][seed][0]
            rows.append(
                {
                    "data": label,
                    "policy": name,
                    "seed": seed,
                    "apgr": 0.5,
                    "cloud_share": share,
                    "cloud_cost_share": cost_share,
                    "cost_saved": saved,
                    "fewer_calls_than_random": random_share - share,
                }
            )
    return pd.DataFrame(rows)


def test_verdict_names_the_cheapest_and_says_why_fewer_calls_saved_less() -> None:
    seeds = seed_rows(
        "MMLU",
        {
            "random": [(0.70, 0.70, 0.28), (0.70, 0.70, 0.29), (0.70, 0.70, 0.30)],
            "learned": [(0.56, 0.72, 0.27), (0.55, 0.71, 0.30), (0.57, 0.73, 0.26)],
            "oracle": [(0.09, 0.07, 0.89), (0.09, 0.07, 0.88), (0.09, 0.07, 0.90)],
        },
    )
    text = " ".join(" ".join(verdict(seeds, "MMLU")).split())
    assert "best policy 'random' saves 29%" in text and "range 28%-30%" in text
    assert "'learned' sends fewer calls to the cloud (56% against 70%) yet saves less (27%)" in text
    assert "escalates cost 1.29x an average one, so they are 72% of the all-cloud cost against 70%" in text
    assert "on 2 of 3 split seeds; this data does not settle" in text
    assert "claim DOES NOT HOLD here; it would take a router close to the oracle (89%)" in text
    assert all(len(line) <= 110 for item in verdict(seeds, "MMLU") for line in item.splitlines())


def test_verdict_when_the_claim_holds_and_the_order_is_settled() -> None:
    seeds = seed_rows(
        "GSM8K",
        {
            "random": [(0.80, 0.80, 0.19), (0.80, 0.80, 0.18)],
            "learned-cascade": [(0.30, 0.35, 0.62), (0.32, 0.36, 0.61)],
            "oracle": [(0.17, 0.20, 0.78), (0.17, 0.20, 0.79)],
        },
    )
    text = " ".join(" ".join(verdict(seeds, "GSM8K")).split())
    assert "best policy 'learned-cascade' saves 62%" in text and "random saves 18% at 80% of calls" in text
    assert "sends fewer calls" not in text  # the cheapest also sends the fewest calls
    assert "on 2 of 2 split seeds." in text and "does not settle" not in text
    assert "the 60-80% saving claim HOLDS here." in text


def test_per_seed_measures_every_policy_on_each_seeds_held_out_half() -> None:
    rng = np.random.default_rng(5)
    edge = (rng.random(200) < 0.6).astype(float).tolist()
    cloud = (rng.random(200) < 0.8).astype(float).tolist()
    data = outcomes(edge, cloud, (1 + rng.random(200)).tolist())
    seeds = per_seed({"hand": data}, names=("random", "oracle"), seeds=(0, 1, 2))
    assert seeds.groupby("policy").size().to_dict() == {"oracle": 3, "random": 3}
    for seed in (0, 1, 2):
        test = split(data, seed=seed)[1]
        row = seeds[(seeds["policy"] == "random") & (seeds["seed"] == seed)].iloc[0]
        assert row["cloud_share"] == pytest.approx(expected_random(test)["cloud_share"])
        oracle = seeds[(seeds["policy"] == "oracle") & (seeds["seed"] == seed)].iloc[0]
        e, c = test.array("edge_score"), test.array("cloud_score")
        assert oracle["apgr"] == pytest.approx(curve_metrics(e, c, oracle_scores(e, c))["apgr"])
        assert oracle["apgr"] > 1  # the edge is right on many prompts the cloud misses
        assert oracle["fewer_calls_than_random"] == pytest.approx(row["cloud_share"] - oracle["cloud_share"])


@pytest.mark.slow
def test_readme_quotes_what_the_summary_prints() -> None:
    """The README's routing figures are the output of ``python -m workbench.routing.summary``, verbatim."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- routing-summary:start -->\n```text\n(.*?)```\n<!-- routing-summary:end -->", readme, re.S)
    assert block, "README.md lost its routing-summary block"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    printed = subprocess.run(
        [sys.executable, "-m", "workbench.routing.summary"], capture_output=True, text=True, check=True, env=env
    ).stdout
    strip = [line.rstrip() for line in printed.strip("\n").splitlines()]
    assert block.group(1).strip("\n").splitlines() == strip, "rerun python -m workbench.routing.summary into README"
