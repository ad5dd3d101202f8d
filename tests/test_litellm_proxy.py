"""The team's LiteLLM proxy as the gateway: a real `litellm --config` on loopback (from `make proxy`'s venv)
in front of the real llama.cpp server and the scripted fault server, reached as ``proxy/MODEL@URL``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import workbench
from tests.conftest import ARTIFACTS, free_port
from tests.support import litellm_proxy as proxy_support
from tests.support.litellm_proxy import DEAR_PRICE, MASTER_KEY, PRICE, litellm_proxy
from tests.support.scripted_server import ScriptedServer
from workbench.errors import ConfigError
from workbench.records import CallRecord, Locality, Price
from workbench.runlog.store import Store
from workbench.targets.proxy import KEY_VARIABLE
from workbench.ui.format import dollars
from workbench.ui.table import figure_rows

PROMPT = "Name one planet of the solar system."
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def proxy_url(llama_server: str, scripted: ScriptedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The proxy's URL; fails (never skips) with one line naming `make proxy` when its venv is missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with litellm_proxy(
            llama_server, scripted.url, free_port(), tmp_path_factory.mktemp("proxy"), ARTIFACTS / "litellm_proxy.log"
        ) as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def team_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_VARIABLE, MASTER_KEY)
    return MASTER_KEY


def _charged(record: CallRecord, price: tuple[float, float]) -> float:
    assert record.input_tokens and record.output_tokens
    return record.input_tokens * price[0] + record.output_tokens * price[1]


def test_a_streamed_call_records_the_proxys_call_id_and_cost(proxy_url: str, team_key: str) -> None:
    record = workbench.run(PROMPT, [f"proxy/smollm2@{proxy_url}"], temperature=0, seed=3, max_tokens=16)[0]
    assert record.ok, record.error_message
    assert record.response.strip() and record.provider == "litellm-proxy" and record.model == "smollm2"
    assert record.locality is Locality.CLOUD  # on loopback here, but a proxy's forwarding is not its address
    assert record.gateway_call_id and len(record.gateway_call_id) >= 16
    # Streamed: the cost comes from the last chunk's usage.cost (its header is sent as 0 before the answer).
    assert record.gateway_cost_usd == pytest.approx(_charged(record, PRICE))
    # The workbench has no price for 'smollm2': its own cost stays unknown, the proxy's is shown as the proxy's.
    assert record.cost_usd is None and not record.gateway_cost_disagrees
    rows = dict(figure_rows(record))
    assert rows["cost"] == "unknown" and rows["proxy's cost"] == dollars(record.gateway_cost_usd)
    stored = Store().records()
    assert [(r.gateway_call_id, r.gateway_cost_usd) for r in stored] == [
        (record.gateway_call_id, record.gateway_cost_usd)
    ]


def test_a_whole_answer_records_the_cost_header(proxy_url: str, team_key: str) -> None:
    record = workbench.run(PROMPT, [f"proxy/smollm2@{proxy_url}[stream=no]"], temperature=0, max_tokens=16)[0]
    assert record.ok, record.error_message
    assert record.response.strip() and not record.tokens_estimated
    assert record.gateway_call_id and record.gateway_cost_usd
    assert record.gateway_cost_usd == pytest.approx(_charged(record, PRICE))


@pytest.mark.parametrize(("model", "disagrees"), [("smollm2", False), ("smollm2-dear", True)])
def test_a_proxy_cost_unlike_the_workbenchs_is_flagged(
    proxy_url: str, team_key: str, model: str, disagrees: bool
) -> None:
    # The workbench prices the model as the proxy prices 'smollm2' (per million tokens); 'smollm2-dear' costs more.
    target = workbench.resolve(f"proxy/{model}@{proxy_url}", price=Price(PRICE[0] * 1e6, PRICE[1] * 1e6))
    record = workbench.run(PROMPT, [target], temperature=0, max_tokens=12)[0]
    assert record.ok, record.error_message
    assert record.cost_usd == pytest.approx(_charged(record, PRICE))
    expected = _charged(record, DEAR_PRICE if disagrees else PRICE)
    assert record.gateway_cost_usd == pytest.approx(expected)
    assert record.gateway_cost_disagrees is disagrees
    assert dict(figure_rows(record))["proxy's cost"].endswith(" (differs)") is disagrees
    assert Store().records()[0].gateway_cost_disagrees is disagrees


@pytest.mark.parametrize(("model", "error_type", "status"), [("ratelimit-100000", "RateLimitError", "429"),
                                                             ("error500", "ServerError", "500")])  # fmt: skip
def test_a_provider_failure_through_the_proxy_is_one_line(
    proxy_url: str, team_key: str, model: str, error_type: str, status: str
) -> None:
    spec = f"proxy/scripted-{model}@{proxy_url}"
    record = workbench.run(PROMPT, [spec], retries=0)[0]
    assert record.error_type == error_type and record.error_message
    assert record.error_message.startswith(spec) and f"HTTP {status}" in record.error_message
    assert "\n" not in record.error_message and len(record.error_message) < 300


def test_a_wrong_key_names_the_variable_and_no_key_is_kept(
    proxy_url: str, monkeypatch: pytest.MonkeyPatch, isolated_store: Path
) -> None:
    wrong = "teamkey-wrong-4b1d77e0c2"  # no sk- prefix: only the target's own secrets can hide it
    monkeypatch.setenv(KEY_VARIABLE, wrong)
    record = workbench.run(PROMPT, [f"proxy/smollm2@{proxy_url}"], max_tokens=8)[0]
    assert record.error_type == "AuthError" and record.error_message
    assert KEY_VARIABLE in record.error_message and "\n" not in record.error_message
    monkeypatch.setenv(KEY_VARIABLE, MASTER_KEY)
    good = workbench.run(PROMPT, [f"proxy/scripted-ok@{proxy_url}"], max_tokens=8)[0]
    assert good.ok and good.gateway_cost_usd == pytest.approx(_charged(good, PRICE))
    log = isolated_store.read_bytes() + b"".join(p.read_bytes() for p in isolated_store.parent.glob("runs.sqlite*"))
    for key in (wrong, MASTER_KEY):
        assert key not in record.to_json() and key not in good.to_json()
        assert key.encode() not in log
    # The command line: the key reaches the proxy from the environment, never the output.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WORKBENCH_STORE": str(isolated_store)}
    for key in (wrong, MASTER_KEY):
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "run", "-t", f"proxy/scripted-ok@{proxy_url}", "--json", "hi"],
            capture_output=True, text=True, timeout=180, env={**env, KEY_VARIABLE: key},
        )  # fmt: skip
        assert key not in done.stdout + done.stderr
        assert (KEY_VARIABLE in done.stdout + done.stderr) is (key == wrong), done.stdout + done.stderr


def test_without_a_key_nothing_is_sent_and_the_variable_is_named(
    proxy_url: str, scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    before = len(scripted.received)
    record = workbench.run(PROMPT, [f"proxy/scripted-ok@{proxy_url}"])[0]
    assert record.error_type == "MissingKeyError" and KEY_VARIABLE in (record.error_message or "")
    assert not record.sent and len(scripted.received) == before


def test_targets_list_the_proxy_form_with_whether_its_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, word in (("", "NOT set"), (MASTER_KEY, "set")):
        env = {**os.environ, "PYTHONPATH": str(ROOT), KEY_VARIABLE: value}
        done = subprocess.run([sys.executable, "-m", "workbench.cli", "targets", "--json"], capture_output=True,
                              text=True, timeout=120, env=env)  # fmt: skip
        rows = {row["spec"]: row for row in json.loads(done.stdout)}
        assert rows["proxy/MODEL@http://HOST:4000"]["key_variable"] == KEY_VARIABLE
        assert rows["proxy/MODEL@http://HOST:4000"]["key_present"] is (word == "set")
        assert MASTER_KEY not in done.stdout


def test_the_magic_lists_the_proxy_form_with_whether_its_key_is_set(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    assert f"{KEY_VARIABLE} not set" in repr(ip.run_line_magic("hybrid", "targets"))
    monkeypatch.setenv(KEY_VARIABLE, MASTER_KEY)
    table = ip.run_line_magic("hybrid", "targets")
    text = repr(table) + table._repr_html_()
    assert "proxy/MODEL@http://HOST:4000" in text and f"{KEY_VARIABLE} set" in text and MASTER_KEY not in text


def test_a_proxy_is_the_cloud_unless_its_spec_says_edge() -> None:
    assert workbench.resolve("proxy/m@http://127.0.0.1:4000").locality is Locality.CLOUD
    edge = workbench.resolve("proxy/m@http://gpu-box:4000[locality=edge]")
    assert edge.locality is Locality.PRIVATE_NETWORK and edge.model == "m"
    with pytest.raises(ConfigError, match=r"proxy/MODEL@http://HOST:4000"):
        workbench.resolve("proxy/m")
    with pytest.raises(ConfigError, match="stream= applies to proxy/ targets only"):
        workbench.resolve("local/smollm2[stream=no]")
    with pytest.raises(ConfigError, match="locality takes cloud, edge"):
        workbench.resolve("proxy/m@http://h:4000[locality=moon]")


def test_the_proxy_fixture_fails_naming_make_proxy_without_its_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proxy_support, "PROXY_BIN", tmp_path / "missing" / "litellm")
    with pytest.raises(RuntimeError) as caught, litellm_proxy("http://a", "http://b", 1, tmp_path, tmp_path / "log"):
        pass
    assert "make proxy" in str(caught.value) and "\n" not in str(caught.value)


def test_a_log_from_before_gateway_figures_migrates_with_none_for_old_calls(tmp_path: Path) -> None:
    import dataclasses

    from tests.support.records import sqlite_log_before

    path = tmp_path / "old.sqlite"
    conn = sqlite_log_before(path, "007_gateway_figures")
    conn.execute(
        "INSERT INTO calls VALUES ('c', 'r', 't/m', 'p', 'm', 'cloud', 1.0, 0.2, 0.5, 3, 4, 0, NULL, 0.5, "
        "'b', '{}', 'old answer', NULL, '{}', NULL, NULL, 1, NULL, 0, '{}', 'h', 0.0, 0.5)"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    assert "007_gateway_figures" in store.migrations()
    [old] = store.records()
    assert (old.gateway_call_id, old.gateway_cost_usd, old.gateway_cost_disagrees) == (None, None, False)
    new = dataclasses.replace(old, call_id="new", gateway_call_id="g-1", gateway_cost_usd=0.5 * 1.005)
    store.append(new)
    assert {r.call_id: (r.gateway_call_id, r.gateway_cost_disagrees) for r in store.records()} == {
        "c": (None, False), "new": ("g-1", False)  # 0.5% off: within the tolerance
    }
    assert dataclasses.replace(new, gateway_cost_usd=0.5 * 1.02).gateway_cost_disagrees  # 2% off: flagged
