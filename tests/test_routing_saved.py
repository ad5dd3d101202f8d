"""Saved routing policies: fit on the real RouteLLM GSM8K outcomes, save, load, same decisions; refused files;
the saved file in live routing (real local model), the magic and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from IPython.core.interactiveshell import InteractiveShell

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench.errors import ConfigError
from workbench.records import Price, Request
from workbench.routing import (
    Outcomes,
    Policy,
    default_routellm_dir,
    experiment_provenance,
    load_policy,
    load_routellm,
    make_policy,
    route,
    run_experiment,
    split,
)
from workbench.routing.cli import experiment_command
from workbench.routing.policy_file import FORMAT_VERSION

GSM8K = default_routellm_dir() / "gsm8k_responses.csv"


@pytest.fixture(scope="module")
def gsm8k() -> Outcomes:
    return load_routellm(GSM8K)


def _fitted(gsm8k: Outcomes, name: str, path: Path) -> Policy:
    policy = make_policy(name, seed=0)
    report = run_experiment(gsm8k, policy, cloud_share=0.4, seed=0)
    policy.save(path, provenance=experiment_provenance(report, "routellm/gsm8k_responses.csv"))
    return policy


@pytest.mark.parametrize("name", ["learned", "learned-cascade", "rules", "cascade"])
def test_round_trip_gives_the_same_decisions_on_held_out_prompts(gsm8k: Outcomes, tmp_path: Path, name: str) -> None:
    path = tmp_path / "router.json"
    fitted = _fitted(gsm8k, name, path)
    loaded = load_policy(path)
    _, test = split(gsm8k, seed=0)
    assert type(loaded) is type(fitted) and loaded.name == fitted.name and loaded.threshold == fitted.threshold
    assert (loaded.score_outcomes(test) == fitted.score_outcomes(test)).all()
    sent = loaded.route(loaded.score_outcomes(test))
    assert (sent == fitted.route(fitted.score_outcomes(test))).all() and 0.35 < sent.mean() < 0.45
    responses = test.edge_responses or [""] * len(test)
    for prompt, answer in list(zip(test.prompts, responses, strict=True))[:20]:
        request = Request.build(prompt)
        assert loaded.decide(request, edge_response=answer) == fitted.decide(request, edge_response=answer)
    provenance = loaded.saved_file.provenance if loaded.saved_file else {}
    assert provenance["data"] == "routellm/gsm8k_responses.csv" and provenance["split"] == "test"
    assert provenance["seed"] == 0 and provenance["metrics"]["cloud_share"] == pytest.approx(0.4)
    assert provenance["workbench_version"] == "0.1.0"
    assert json.loads(path.read_text())["format_version"] == FORMAT_VERSION


def _edit(path: Path, change: object) -> None:
    body = json.loads(path.read_text())
    change(body)  # type: ignore[operator]
    path.write_text(json.dumps(body))


@pytest.fixture()
def saved(gsm8k: Outcomes, tmp_path: Path) -> Path:
    path = tmp_path / "learned.json"
    _fitted(gsm8k, "learned", path)
    return path


def test_a_tampered_file_is_refused(saved: Path) -> None:
    _edit(saved, lambda body: body["state"]["models"][1]["intercept"].__setitem__(0, 9.0))
    with pytest.raises(ConfigError, match=rf"^{saved}: checksum mismatch.*save it again"):
        load_policy(saved)


def test_a_lowered_threshold_is_refused(saved: Path) -> None:
    _edit(saved, lambda body: body["state"].__setitem__("threshold", -1.0))
    with pytest.raises(ConfigError, match="checksum mismatch"):
        load_policy(saved)


def test_another_format_version_is_refused(saved: Path) -> None:
    _edit(saved, lambda body: body.__setitem__("format_version", FORMAT_VERSION + 1))
    message = rf"^{saved}: saved policy format version {FORMAT_VERSION + 1}, this workbench reads version 1;.*--save"
    with pytest.raises(ConfigError, match=message):
        load_policy(saved)


@pytest.mark.parametrize(("where", "field"), [("provenance", "seed"), ("provenance", "data"), ("", "state")])
def test_a_missing_field_is_named(saved: Path, where: str, field: str) -> None:
    _edit(saved, lambda body: (body[where] if where else body).pop(field))
    with pytest.raises(
        ConfigError, match=rf"^{saved}: the saved policy has no {where + ' ' if where else ''}'{field}'"
    ):
        load_policy(saved)


def test_saving_needs_provenance_and_a_fitted_router(gsm8k: Outcomes, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="has no provenance 'metrics'"):
        make_policy("rules").save(tmp_path / "r.json", provenance={"data": "x", "split": "test", "seed": 0})
    with pytest.raises(ConfigError, match="not trained"):
        make_policy("learned").save(tmp_path / "l.json", provenance={})
    with pytest.raises(ConfigError, match="no saved policy file there"):
        load_policy(tmp_path / "missing.json")


def test_live_routing_takes_the_file_and_records_its_checksum(
    saved: Path, scripted: ScriptedServer, isolated_store: Path
) -> None:
    cloud = workbench.resolve(f"openai/ok@{scripted.url}", locality="cloud", price=Price(1.0, 2.0))
    prompt = "What is 12 + 30? Answer with the number."
    routed = route(prompt, saved, ["local/smollm2", cloud], shadow=True, max_tokens=16, temperature=0, seed=1)
    loaded = load_policy(saved)
    assert routed.decision == loaded.decide(Request.build(prompt))
    checksum = json.loads(saved.read_text())["checksum"]
    stored = workbench.Store(isolated_store).records()
    assert len(stored) == 2 and {r.target for r in stored} >= {"local/smollm2"}
    for record in stored:
        assert record.ok
        assert record.provenance["policy_file"] == {"name": "learned.json", "checksum": checksum}
        assert record.provenance["route"]["side"] == routed.decision.side


def test_route_magic_takes_a_saved_file(ip: InteractiveShell, saved: Path, isolated_store: Path) -> None:
    from workbench.routing.live import RoutedRun

    result = ip.run_cell_magic(
        "hybrid", f"-t local/smollm2 -t openai/gpt-4o-mini --route {saved} --shadow --max-tokens 8", "Hi"
    )
    assert isinstance(result, RoutedRun) and result.policy == "learned"
    local = next(r for r in result.result if r.target == "local/smollm2")
    assert local.ok and local.response
    checksum = json.loads(saved.read_text())["checksum"]
    assert local.provenance["policy_file"] == {"name": "learned.json", "checksum": checksum}
    assert result.decision == load_policy(saved).decide(Request.build("Hi"))
    _edit(saved, lambda body: body["state"].__setitem__("threshold", 0.0))
    with pytest.raises(Exception, match="checksum mismatch"):
        ip.run_cell_magic("hybrid", f"-t local/smollm2 -t openai/gpt-4o-mini --route {saved}", "Hi")


def test_cli_save_writes_the_fitted_policy(gsm8k: Outcomes, tmp_path: Path) -> None:
    path = tmp_path / "cli.json"
    args = ["--outcomes", str(GSM8K), "--policy", "learned", "--cloud-share", "0.3", "--json", "--save", str(path)]
    result = CliRunner().invoke(experiment_command, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    loaded = load_policy(path)
    assert loaded.threshold == report["threshold"]
    metrics = loaded.saved_file.provenance["metrics"] if loaded.saved_file else {}
    assert metrics["apgr"] == report["metrics"]["apgr"]
    assert metrics["cloud_share"] == report["simulation"]["cloud_share"] == pytest.approx(0.3)
    _, test = split(gsm8k, seed=0)
    assert loaded.route(loaded.score_outcomes(test)).mean() == report["simulation"]["cloud_share"]
