"""Routing arithmetic on small hand-made outcomes with known answers: simulation, metrics, calibration, policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.support.outcomes import make_outcomes
from workbench.errors import ConfigError
from workbench.records import Request
from workbench.routing import (
    AlwaysCloud,
    AlwaysEdge,
    CascadePolicy,
    Outcomes,
    RandomPolicy,
    RulesPolicy,
    apgr,
    bootstrap_metrics,
    curve_metrics,
    from_run_log,
    rank_curve,
    simulate,
    split,
    sweep,
    threshold_for_share,
)
from workbench.routing.checks import arithmetic_errors, final_answer


def outcomes(edge: list[float], cloud: list[float], *, edge_cost: float = 0.1, cloud_cost: float = 1.0) -> Outcomes:
    """Hand-made outcomes: answers '#### i', fixed costs per call, personal data in prompt 0 only."""
    n = len(edge)
    return make_outcomes(edge, cloud, edge_cost=edge_cost, cloud_cost=cloud_cost,
                         responses=[f"#### {i}" for i in range(n)], privacy_entities=[1] + [0] * (n - 1))  # fmt: skip


def test_replay_totals_are_exact() -> None:
    data = outcomes([1, 0, 0, 1], [1, 1, 0, 0])
    result = simulate(data, np.array([True, True, False, False]))
    assert result.quality == pytest.approx(0.75)  # 1 (cloud) + 1 (cloud) + 0 + 1
    assert result.cost_usd == pytest.approx(2.2)
    assert result.cost_all_cloud_usd == pytest.approx(4.0)
    assert result.cost_saved == pytest.approx(1 - 2.2 / 4)
    assert result.latency_s == pytest.approx((3 + 3 + 1 + 1) / 4)
    assert result.privacy_entities_left == 1
    assert (result.quality_edge, result.quality_cloud, result.cloud_share) == (0.5, 0.5, 0.5)


def test_cascade_replay_pays_for_both_calls() -> None:
    data = outcomes([1, 0, 0, 1], [1, 1, 0, 0])
    result = simulate(data, np.array([False, True, False, False]), edge_first=True)
    assert result.cost_usd == pytest.approx(4 * 0.1 + 1.0)
    assert result.latency_s == pytest.approx((1 + 4 + 1 + 1) / 4)


def test_sweep_matches_replay_at_every_threshold() -> None:
    rng = np.random.default_rng(3)
    data = outcomes(list(rng.integers(0, 2, 50).astype(float)), list(rng.integers(0, 2, 50).astype(float)))
    scores = rng.random(50)
    thresholds = np.linspace(0, 1, 7)
    table = sweep(data, scores, thresholds)
    for row, threshold in zip(table.itertuples(), thresholds, strict=True):
        one = simulate(data, scores >= threshold)
        assert row.quality == pytest.approx(one.quality)
        assert row.cost_usd == pytest.approx(one.cost_usd)
        assert row.cloud_share == pytest.approx(one.cloud_share)


def test_apgr_and_shares_on_a_known_curve() -> None:
    edge, cloud = np.array([0, 0, 1, 1.0]), np.array([1, 1, 1, 0.0])
    scores = np.array([4, 3, 2, 1.0])
    shares, quality = rank_curve(edge, cloud, scores)
    assert quality.tolist() == [0.5, 0.75, 1.0, 1.0, 0.75]
    # PGR 0, 1, 2, 2, 1 at shares 0, .25, .5, .75, 1 -> trapezoid 1.375
    assert apgr(shares, quality, 0.5, 0.75) == pytest.approx(1.375)
    metrics = curve_metrics(edge, cloud, scores)
    assert metrics["share_for_50pct_gap"] == 0.25
    assert metrics["share_for_95pct_cloud_quality"] == 0.25
    assert metrics["apgr"] == pytest.approx(1.375)


def test_random_routing_recovers_half_the_gap() -> None:
    rng = np.random.default_rng(0)
    edge = (rng.random(20000) < 0.6).astype(float)
    cloud = (rng.random(20000) < 0.8).astype(float)
    metrics = curve_metrics(edge, cloud, rng.random(20000))
    assert metrics["apgr"] == pytest.approx(0.5, abs=0.03)
    intervals = bootstrap_metrics(edge[:2000], cloud[:2000], rng.random(2000), n_boot=200)
    median, low, high = intervals["apgr"]
    assert low < median < high


@pytest.mark.parametrize("share", [0.0, 0.013, 0.37, 0.5, 0.99, 1.0])
def test_calibration_reaches_the_share_within_one_prompt(share: float) -> None:
    scores = RandomPolicy(seed=5).scores([f"prompt {i}" for i in range(1001)])
    routed = int((scores >= threshold_for_share(scores, share)).sum())
    assert abs(routed - share * 1001) <= 1


def test_calibration_never_sends_flagged_prompts() -> None:
    scores = np.array([3.0, 2.0, -np.inf, 1.0])
    assert not (threshold_for_share(scores, 1.0) <= -np.inf)
    assert int((scores >= threshold_for_share(scores, 1.0)).sum()) == 3


def test_rules_calibrated_share_on_an_experiment() -> None:
    from workbench.routing import run_experiment

    data = outcomes([1.0, 0.0] * 60, [1.0, 1.0] * 60)
    report = run_experiment(data, "rules", cloud_share=0.3, split_name="all")
    assert abs(report.simulation.cloud_calls - 0.3 * 120) <= 1


def test_split_is_deterministic_and_disjoint() -> None:
    data = outcomes([1.0] * 100, [0.0] * 100)
    train, test = split(data, seed=1)
    again_train, again_test = split(data, seed=1)
    assert train.prompts == again_train.prompts and test.prompts == again_test.prompts
    assert set(train.prompts).isdisjoint(test.prompts) and len(train) + len(test) == 100
    assert split(data, seed=2)[1].prompts != test.prompts


def test_baselines_and_rules_decide_live_requests() -> None:
    request = Request.build("Calculate how many apples; the contract says 12.")
    assert AlwaysEdge().decide(request).side == "edge"
    assert AlwaysCloud().decide(request).side == "cloud"
    first = RandomPolicy(cloud_share=0.5, seed=3).decide(request)
    assert first == RandomPolicy(cloud_share=0.5, seed=3).decide(request)
    decision = RulesPolicy(threshold=2.0).decide(request)
    assert decision.side == "cloud" and "'calculate'" in decision.reason
    private = RulesPolicy(threshold=-100).decide(Request.build("Calculate my bill, mail bob@example.com"))
    assert private.side == "edge" and "privacy" in private.reason


def test_cascade_checks_the_edge_answer() -> None:
    cascade = CascadePolicy()
    request = Request.build("Tom has 3 bags of 4 apples. How many apples?")
    good = cascade.decide(request, edge_response="3 * 4 = <<3*4=12>>12 apples.\n#### 12")
    wrong_math = cascade.decide(request, edge_response="3 * 4 = <<3*4=13>>13 apples.\n#### 13")
    no_answer = cascade.decide(request, edge_response="It is about a dozen apples, I think.")
    assert good.side == "edge" and wrong_math.side == "cloud" and no_answer.side == "cloud"
    assert "arithmetic_errors" in wrong_math.reason and "no_answer" in no_answer.reason
    with pytest.raises(ConfigError, match="edge"):
        cascade.decide(request)
    assert arithmetic_errors("2 + 1/2 = 5/2 = 2.5 and 8 x $5 = $40") == 0
    assert final_answer("so\n#### 1,200") == "1,200"


def test_run_log_outcomes_pair_edge_and_cloud_calls() -> None:
    rows = []
    for run, (edge_ok, cloud_ok) in enumerate([(1, 1), (0, 1), (1, 0)]):
        prompt = ({"role": "user", "content": f"question {run}"},)
        rows.append(
            dict(
                run_id=f"r{run}",
                target="local/smollm2",
                locality="device",
                prompt=prompt,
                response="a",
                cost_usd=0.0,
                latency_s=0.5,
                output_tokens=3,
                score=edge_ok,
            )
        )
        rows.append(
            dict(
                run_id=f"r{run}",
                target="openai/gpt-4o-mini",
                locality="cloud",
                prompt=prompt,
                response="b",
                cost_usd=0.01,
                latency_s=2.0,
                output_tokens=4,
                score=cloud_ok,
            )
        )
    rows.append(
        dict(
            run_id="r9",
            target="local/smollm2",
            locality="device",
            prompt="unscored",
            response="a",
            cost_usd=0.0,
            latency_s=0.5,
            output_tokens=3,
            score=None,
        )
    )
    data = from_run_log(pd.DataFrame(rows))
    assert len(data) == 3 and data.prompts == ["question 0", "question 1", "question 2"]
    assert (data.edge_model, data.cloud_model) == ("local/smollm2", "openai/gpt-4o-mini")
    result = simulate(data, np.array([False, True, False]))
    assert result.quality == pytest.approx(1.0)
    assert result.cost_usd == pytest.approx(0.01) and result.cost_saved == pytest.approx(2 / 3)
    assert result.latency_s == pytest.approx((0.5 + 2.0 + 0.5) / 3)
    with pytest.raises(ConfigError, match="score"):
        from_run_log(pd.DataFrame(rows).drop(columns="score"))


def test_public_api_resolves_lazily() -> None:
    import subprocess
    import sys

    import workbench.routing as routing

    code = (
        "import sys, workbench.routing as r\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'sklearn', 'scipy')"
        " or m.startswith('workbench.routing.')))\n"
        "r.LearnedRouter\n"
        "print('workbench.routing.learned' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "True"]  # nothing heavy until a name is used; then its module is loaded
    assert sorted(routing.__all__) == sorted(routing._HOMES)
    import types

    for name in routing.__all__:  # no public name is shadowed by a submodule of the same name
        assert not isinstance(getattr(routing, name), types.ModuleType), name


def test_experiment_is_a_hybrid_subcommand() -> None:
    from click.testing import CliRunner

    from workbench.cli import cli

    result = CliRunner().invoke(cli, ["experiment", "--help"])
    assert result.exit_code == 0 and "--cloud-share" in result.output
