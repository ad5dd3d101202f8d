"""Routing judged in dollars: calibration to a dollar budget, the learned router ranked by gain per
dollar, and call share beside dollar share with the winner of each, on hand-made outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.support.outcomes import make_outcomes
from workbench.errors import ConfigError
from workbench.routing import (
    LearnedRouter,
    Outcomes,
    PerDollarRouter,
    calls_and_dollars,
    make_policy,
    run_experiment,
    simulate,
    split,
    threshold_for_budget,
)


def outcomes(prompts: list[str], edge: list[float], cloud: list[float], cloud_cost: list[float]) -> Outcomes:
    """Hand-made outcomes: 0.1 dollars per edge call, the given price per cloud call."""
    return make_outcomes(edge, cloud, cloud_cost=cloud_cost, prompts=prompts)


def test_budget_threshold_escalates_the_most_prompts_whose_spend_fits() -> None:
    data = outcomes([f"q{i}" for i in range(4)], [0] * 4, [1] * 4, [1.1, 2.1, 3.1, 4.1])
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    # Edge bill 0.4; escalating q0 adds 1.0, q1 2.0, q2 3.0: 3.4 fits 3.5, 6.4 does not.
    threshold = threshold_for_budget(scores, data, budget_usd=3.5)
    assert threshold == pytest.approx(0.75)
    assert simulate(data, scores >= threshold).cost_usd == pytest.approx(3.4)
    # A fraction of the all-cloud bill (10.4): 0.33 -> 3.43 dollars, the same two prompts.
    assert threshold_for_budget(scores, data, budget_fraction=0.33) == pytest.approx(0.75)
    # A cascade pays every edge call too: 0.4 + 1.1 + 2.1 = 3.6 exceeds 3.5, so only q0 escalates.
    assert threshold_for_budget(scores, data, budget_usd=3.5, edge_first=True) == pytest.approx(0.85)
    # Below the all-edge bill nothing escalates; the whole bill lets everything go.
    assert (scores >= threshold_for_budget(scores, data, budget_usd=0.1)).sum() == 0
    assert (scores >= threshold_for_budget(scores, data, budget_fraction=1.0)).all()
    with pytest.raises(ConfigError, match="exactly one"):
        threshold_for_budget(scores, data, budget_usd=1.0, budget_fraction=0.5)


def training_outcomes() -> Outcomes:
    """'hard' prompts: only the cloud is right; 'easy' ones: both are. Escalation costs 1e-4 per character."""
    prompts, edge, cloud = [], [], []
    for i in range(60):
        hard = i % 2 == 0
        prompts.append(("hard puzzle " if hard else "easy sum ") + "x" * (i % 7 * 20) + f" n{i}")
        edge.append(0.0 if hard and i % 6 else 1.0)
        cloud.append(0.0 if i % 10 == 1 else 1.0)
    cost = [0.1 + 1e-4 * len(p) for p in prompts]
    return outcomes(prompts, edge, cloud, cost)


def test_per_dollar_divides_the_learned_gain_by_the_predicted_escalation_cost() -> None:
    data = training_outcomes()
    learned, per_dollar = LearnedRouter(seed=0).fit(data), PerDollarRouter(seed=0).fit(data)
    # Cloud minus edge cost is exactly 1e-4 per character: the fitted line recovers it.
    assert per_dollar.cost_line == pytest.approx((1e-4, 0.0), abs=1e-9)
    short, long = "hard puzzle n1000", "hard puzzle " + "x" * 120 + " n1000"
    gain = learned.raw_scores([short, long])
    cost = np.array([1e-4 * len(short), 1e-4 * len(long)])
    expected = gain * per_dollar.mean_cost / cost
    assert per_dollar.raw_scores([short, long]) == pytest.approx(expected)
    # Equal gain, dearer prompt: the per-dollar ranking puts the cheaper one first.
    same_gain = learned.raw_scores([short, short])
    order = np.argsort(-per_dollar.raw_scores([long, short]))
    assert same_gain[0] > 0 and list(order) == [1, 0]
    assert PerDollarRouter.from_state(per_dollar.state()).raw_scores([short, long]) == pytest.approx(expected)


def test_cost_budget_experiment_calibrates_on_the_train_half() -> None:
    data = training_outcomes()
    report = run_experiment(data, "learned-per-dollar", cost_budget=0.97, seed=0)
    train = split(data, seed=0)[0]
    policy = make_policy("learned-per-dollar", seed=0).fit(train)
    scores = policy.score_outcomes(train)
    spent = simulate(train, scores >= report.threshold)
    assert spent.cost_usd is not None and spent.cost_all_cloud_usd is not None
    assert 0 < spent.cloud_calls < len(train)
    assert spent.cost_usd <= 0.97 * spent.cost_all_cloud_usd
    # One more escalation (the next highest score) would break the budget: the most that fit went.
    one_more = scores >= np.sort(scores[scores < report.threshold])[-1]
    assert (simulate(train, one_more).cost_usd or 0.0) > 0.97 * spent.cost_all_cloud_usd
    assert any("97% of its all-cloud bill" in note for note in report.notes)
    with pytest.raises(ConfigError, match="not several"):
        run_experiment(data, "random", cloud_share=0.5, cost_budget=0.5)


def test_winner_on_calls_and_winner_on_dollars_are_reported_apart() -> None:
    rows = [
        # data, policy, seed, cloud_share, cloud_cost_share
        ("D", "random", 0, 0.70, 0.70),
        ("D", "random", 1, 0.70, 0.70),
        ("D", "learned", 0, 0.55, 0.72),
        ("D", "learned", 1, 0.57, 0.74),
        ("D", "learned-per-dollar", 0, 0.72, 0.55),
        ("D", "learned-per-dollar", 1, 0.74, 0.57),
        ("D", "oracle", 0, 0.09, 0.07),
        ("D", "oracle", 1, 0.09, 0.07),
        ("E", "random", 0, 0.80, 0.80),
        ("E", "learned", 0, 0.60, 0.60),
        ("E", "learned-per-dollar", 0, float("nan"), float("nan")),
    ]
    seeds = pd.DataFrame(rows, columns=["data", "policy", "seed", "cloud_share", "cloud_cost_share"])
    table = calls_and_dollars(seeds)
    assert "oracle" not in table.index.get_level_values("policy")
    assert table.loc[("D", "learned"), "calls"] == pytest.approx(0.56)
    assert table.loc[("D", "learned-per-dollar"), "dollars"] == pytest.approx(0.56)
    winners = {d: (table.loc[d].index[table.loc[d]["fewest_calls"]].tolist(),
                   table.loc[d].index[table.loc[d]["fewest_dollars"]].tolist()) for d in ("D", "E")}  # fmt: skip
    assert winners["D"] == (["learned"], ["learned-per-dollar"])
    assert winners["E"] == (["learned"], ["learned"])  # never reaching 95% never wins


def test_hybrid_experiment_calibrates_to_a_dollar_budget_on_the_real_data() -> None:
    """--cost-budget on RouteLLM's GSM8K file: the train half is held to the budget, and the report says so."""
    import json as json_module

    from click.testing import CliRunner

    from workbench.cli import cli
    from workbench.routing import default_routellm_dir

    data = str(default_routellm_dir() / "gsm8k_responses.csv")
    args = ["experiment", "--outcomes", data, "--policy", "learned-per-dollar", "--cost-budget", "0.4", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json_module.loads(result.output)
    simulation = report["simulation"]
    assert 0 < simulation["cloud_share"] < 1 and 0.3 < simulation["cloud_cost_share"] < 0.5  # held out: near 40%
    assert any("spend at most 40%" in note for note in report.get("notes", [])), report.get("notes")
    both = CliRunner().invoke(cli, [*args[:-1], "--cloud-share", "0.3"])
    assert both.exit_code != 0  # one way to set the threshold at a time
