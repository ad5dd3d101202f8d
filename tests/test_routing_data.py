"""Routing on the shared RouteLLM data and on hand-made outcome files: loaders, prices, held-out learning, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.routing import (
    LearnedRouter,
    Outcomes,
    Price,
    default_routellm_dir,
    load_routellm,
    per_seed,
    prepare,
    run_experiment,
    split,
)
from workbench.routing.cli import experiment_command
from workbench.routing.routellm import DEFAULT_CLOUD_MODEL, DEFAULT_EDGE_MODEL, OUTPUT_TOKENS_ESTIMATE

DATA = default_routellm_dir()


def shared_data() -> Path:
    """The RouteLLM outcome files; the test fails, naming where to put them, when they are missing."""
    if not (DATA / "gsm8k_responses.csv").is_file() or not (DATA / "mmlu").is_dir():
        pytest.fail(
            f"the RouteLLM outcome files are not at {DATA}: copy the shared data/routellm folder there "
            "or set WORKBENCH_ROUTELLM_DIR to it",
            pytrace=False,
        )
    return DATA


@pytest.fixture(scope="module")
def gsm8k() -> Outcomes:
    return load_routellm(shared_data() / "gsm8k_responses.csv")


@pytest.fixture(scope="module")
def mmlu() -> Outcomes:
    return load_routellm(str(shared_data() / "mmlu" / "*.csv"))


def write_outcomes(path: Path, *, responses: bool) -> Path:
    """A RouteLLM-format file: 40 prompts, known correctness, optional responses."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "prompt": [f"Question {i}: what is {i} plus {i}?" for i in range(40)],
            DEFAULT_EDGE_MODEL: [i % 2 == 0 for i in range(40)],
            DEFAULT_CLOUD_MODEL: [i % 4 != 3 for i in range(40)],
        }
    )
    if responses:
        frame[f"{DEFAULT_EDGE_MODEL}_response"] = "Hello world"
        frame[f"{DEFAULT_CLOUD_MODEL}_response"] = "Hello world"
    frame.to_csv(path, index=False)
    return path


def test_hand_made_file_costs(tmp_path: Path) -> None:
    price = Price(1.0, 2.0, "hand")  # dollars per million tokens
    data = load_routellm(write_outcomes(tmp_path / "a.csv", responses=True), edge_price=price, cloud_price=price)
    frame = data.frame
    assert frame["edge_score"].mean() == 0.5 and frame["cloud_score"].mean() == 0.75
    assert (frame["cloud_output_tokens"] == 2).all()  # "Hello world" in cl100k_base
    expected = frame["cloud_input_tokens"] * 1e-6 + 2 * 2e-6
    assert frame["cloud_cost_usd"].tolist() == pytest.approx(expected.tolist())
    assert data.tokens_estimated  # Mixtral counted with OpenAI's encoding
    no_responses = load_routellm(write_outcomes(tmp_path / "b.csv", responses=False))
    assert (no_responses.frame["edge_output_tokens"] == OUTPUT_TOKENS_ESTIMATE).all()
    assert no_responses.cost_estimated and any("estimated" in n for n in no_responses.notes)
    assert "gpt-4-1106-preview" in no_responses.cost_basis and "$10/M in" in no_responses.cost_basis


def test_gsm8k_reproduces_published_accuracies(gsm8k: Outcomes) -> None:
    assert len(gsm8k) == 1319
    assert round(gsm8k.frame["edge_score"].mean(), 3) == 0.638
    assert round(gsm8k.frame["cloud_score"].mean(), 3) == 0.857
    assert gsm8k.edge_responses is not None


def test_mmlu_reproduces_published_accuracies(mmlu: Outcomes) -> None:
    assert len(mmlu) == 5235 and mmlu.frame["source"].nunique() == 19
    assert round(mmlu.frame["edge_score"].mean(), 3) == 0.651
    assert round(mmlu.frame["cloud_score"].mean(), 3) == 0.779
    assert mmlu.edge_responses is None and mmlu.cost_estimated


def test_learned_router_is_evaluated_only_on_unseen_prompts(gsm8k: Outcomes) -> None:
    router = LearnedRouter(seed=4)
    evaluated, scores, trained_on = prepare(gsm8k, router, split_name="test", seed=4)
    train, test = split(gsm8k, seed=4)
    assert trained_on == len(train) and router.trained_prompts == frozenset(train.prompts)
    assert evaluated.prompts == test.prompts
    assert router.trained_prompts.isdisjoint(evaluated.prompts)
    assert len(scores) == len(test)
    with pytest.raises(Exception, match="held-out"):
        run_experiment(gsm8k, "learned", split_name="all")


def test_cli_json_report(tmp_path: Path) -> None:
    path = write_outcomes(tmp_path / "a.csv", responses=True)
    result = CliRunner().invoke(
        experiment_command, ["--outcomes", str(path), "--policy", "random", "--cloud-share", "0.5", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["policy"] == "random" and report["split"] == "test"
    assert report["simulation"]["n"] == 20  # the held-out half of the 40 prompts
    assert abs(report["simulation"]["cloud_calls"] - 0.5 * report["simulation"]["n"]) <= 1
    assert "gpt-4-1106-preview" in report["cost_basis"]
    # the command reports what the library computes for the same file and options, every figure of it
    expected = run_experiment(load_routellm(path), "random", cloud_share=0.5, split_name="test", seed=0)
    assert report == json.loads(json.dumps(expected.to_dict()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "0.1", "--cloud-share", "0.2"], "only one of"),
        (["--policy", "learned", "--split", "all"], "--split test"),
        (["--cloud-share", "1.5"], "cloud-share"),
        (["--policy", "cascade"], "has none"),
        (["--policy", "always-edge", "--cloud-share", "0.3"], "random --cloud-share"),
    ],
)
def test_cli_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = write_outcomes(tmp_path / "a.csv", responses=False)
    base = ["--outcomes", str(path)] + ([] if "--policy" in args else ["--policy", "random"])
    result = CliRunner().invoke(experiment_command, base + args)
    assert result.exit_code == 2
    assert message in result.output


def test_on_mmlu_learned_sends_fewer_calls_than_random_but_the_pricier_ones(mmlu: Outcomes) -> None:
    """What the notebook's MMLU verdict explains: fewer cloud calls, each longer, so less money saved."""
    row = per_seed({"MMLU": mmlu}, names=("random", "learned"), seeds=(0,)).set_index("policy")
    random, learned = row.loc["random"], row.loc["learned"]
    assert learned["cloud_share"] < random["cloud_share"]
    assert learned["cloud_cost_share"] > learned["cloud_share"]  # its escalated prompts cost more than average
    assert learned["cost_saved"] < random["cost_saved"]
