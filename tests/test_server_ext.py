"""The server extension's REST endpoints, on a real Jupyter server on loopback.

A run log is seeded with records of every locality, known and unknown costs, privacy findings
with every guard action, errors, and planted secrets; the endpoints' figures are checked against
figures computed here in plain Python from the same records, and no response may carry a secret.
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import ARTIFACTS
from tests.support.jupyter import JupyterProcess, running_jupyter
from workbench.request import CallRecord, Locality, Privacy
from workbench.store import Store

pytestmark = pytest.mark.slow

FAKE_KEY = "sk-proj-" + "Zq7xV2mN9pL4kR8tY1wE5uI3oA6sD0fG" * 2
ENV_SECRET = "wbenvsecret-" + "Q9r8S7t6U5v4W3x2Y1z0"
TARGETS = (
    ("local/smollm2", Locality.DEVICE),
    ("openai/smollm2@lan", Locality.PRIVATE_NETWORK),
    ("openai/gpt-4o-mini", Locality.CLOUD),
    ("anthropic/claude-haiku", Locality.CLOUD),
)
N = 137


def _record(i: int, rng: random.Random) -> CallRecord:
    target, locality = TARGETS[i % len(TARGETS)]
    entities = {"email": 1} if i % 5 == 0 else ({} if i % 7 else {"phone": 2})
    action = ("flag", "redact", "local", "flag")[i % 4]
    privacy = Privacy(entities=entities, destination=locality.value, action=action) if i % 3 else None
    cost = None if (locality is Locality.CLOUD and i % 6 == 0) else round(rng.uniform(0, 0.002), 6)
    error = i % 11 == 0
    return CallRecord(
        call_id=f"call{i:04d}",
        run_id=f"run{i // 4:03d}",
        target=target,
        provider=target.split("/")[0],
        model=target.split("/")[1],
        locality=locality,
        started_at=1_700_000_000.0 + i,
        ttft_s=None if error else rng.uniform(0.01, 0.9),
        latency_s=rng.uniform(0.1, 2.0),
        input_tokens=12,
        output_tokens=None if error else 8,
        tokens_estimated=False,
        decode_tps=None if error else 90.0,
        cost_usd=cost,
        cost_basis="test",
        params={"temperature": 0, "max_tokens": 8, "seed": None, "stop": []},
        response=f"answer {i}",
        prompt=({"role": "user", "content": f"prompt number {i}"},),
        error_type="TargetError" if error else None,
        error_message="HTTP 429 from provider" if error else None,
        privacy=privacy,
    )


def _planted() -> CallRecord:
    """A call whose every text field carries a key: as if one had reached the log."""
    base = _record(1000, random.Random(1))
    return CallRecord(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "call_id": "planted",
            "started_at": 1_700_000_000.0 + N + 1,
            "prompt": ({"role": "user", "content": f"use the key {FAKE_KEY} and {ENV_SECRET} please"},),
            "response": f"Sure, your key is {FAKE_KEY}; env {ENV_SECRET}",
            "error_type": "TargetError",
            "error_message": f"401 Incorrect API key provided: {FAKE_KEY}",
            "params": {"stop": [FAKE_KEY]},
        }
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CallRecord]]:
    """A run log of N ordinary calls and one planted with secrets."""
    path = tmp_path_factory.mktemp("log") / "runs.sqlite"
    rng = random.Random(7)
    records = [_record(i, rng) for i in range(N)] + [_planted()]
    store = Store(path)
    store.append_many(records)
    store.close()
    return path, records


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, list[CallRecord]]) -> Iterator[JupyterProcess]:
    """A Jupyter server reading the seeded log (through WORKBENCH_STORE), an env secret in its environment."""
    root = tmp_path_factory.mktemp("root")
    home = tmp_path_factory.mktemp("jupyter")
    env = {"WORKBENCH_STORE": str(seeded[0]), "WORKBENCH_TEST_API_KEY": ENV_SECRET}
    with running_jupyter("server", root, home, ARTIFACTS / "server_ext" / "jupyter.log", env=env) as running:
        yield running


def _all_pages(server: JupyterProcess, limit: int, **params: str) -> list[dict]:
    calls: list[dict] = []
    offset = 0
    while True:
        page = server.get("hybrid/api/calls", limit=str(limit), offset=str(offset), **params).json()
        calls += page["calls"]
        offset += limit
        if offset >= page["total"]:
            return calls


def test_requests_without_a_valid_token_are_refused(server: JupyterProcess) -> None:
    for path in ("hybrid/api/calls", "hybrid/api/calls/call0001", "hybrid/api/totals"):
        assert server.get(path, token=False).status_code in (401, 403), path
        wrong = httpx.get(server.url + path, headers={"Authorization": "token wrong"}, timeout=30)
        assert wrong.status_code in (401, 403), path
        assert server.get(path).status_code == 200, path


def test_pages_are_newest_first_disjoint_and_complete(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    first = server.get("hybrid/api/calls", limit="50").json()
    assert first["total"] == len(records) and len(first["calls"]) == 50
    assert first["calls"][0]["call_id"] == "planted"
    calls = _all_pages(server, 50)
    ids = [c["call_id"] for c in calls]
    assert len(ids) == len(set(ids)) == len(records)
    expected = [r.call_id for r in sorted(records, key=lambda r: r.started_at, reverse=True)]
    assert ids == expected
    assert server.get("hybrid/api/calls", limit="100000").json()["limit"] == 500
    beyond = server.get("hybrid/api/calls", offset="10000").json()
    assert beyond["calls"] == [] and beyond["total"] == len(records)


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"target": "openai/gpt-4o-mini"}, lambda r: r.target == "openai/gpt-4o-mini"),
        ({"locality": "private_network"}, lambda r: r.locality is Locality.PRIVATE_NETWORK),
        ({"locality": "cloud", "flagged": "true"}, lambda r: r.locality is Locality.CLOUD and _left(r)),
        ({"flagged": "true"}, lambda r: _left(r)),
        ({"flagged": "false"}, lambda r: not _left(r)),
        ({"run": "run007"}, lambda r: r.run_id == "run007"),
    ],
)
def test_filters_match_the_records(server: JupyterProcess, seeded, params, keep) -> None:
    _, records = seeded
    calls = _all_pages(server, 20, **params)
    assert {c["call_id"] for c in calls} == {r.call_id for r in records if keep(r)}
    assert calls, "each filter should match something in the seeded log"


def _left(record: CallRecord) -> bool:
    return record.privacy is not None and record.privacy.left_device


def test_bad_filters_are_refused_with_the_fix(server: JupyterProcess) -> None:
    response = server.get("hybrid/api/calls", locality="moon")
    assert response.status_code == 400 and "device" in response.json()["message"]
    assert server.get("hybrid/api/calls", flagged="maybe").status_code == 400
    assert server.get("hybrid/api/calls", limit="ten").status_code == 400
    assert server.get("hybrid/api/calls/nope").status_code == 404


def test_totals_equal_the_figures_computed_from_the_records(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    totals = server.get("hybrid/api/totals").json()
    assert totals["exists"] is True
    assert totals["calls"] == len(records)
    assert totals["errors"] == sum(not r.ok for r in records)
    assert totals["flagged_off_device"] == sum(_left(r) for r in records) > 0
    for locality in Locality:
        mine = [r for r in records if r.locality is locality]
        cost = totals["cost"][locality.value]
        assert cost["calls"] == len(mine)
        assert cost["usd"] == pytest.approx(sum(r.cost_usd for r in mine if r.cost_usd is not None))
        assert cost["unknown"] == sum(r.cost_usd is None for r in mine)
    edge = [r for r in records if r.locality is not Locality.CLOUD]
    assert totals["spend"]["edge"]["usd"] == pytest.approx(sum(r.cost_usd or 0 for r in edge))
    assert totals["spend"]["cloud"]["unknown"] == sum(r.cost_usd is None for r in records) > 0
    by_target = {row["target"]: row for row in totals["ttft"]}
    for target, _ in TARGETS:
        values = [r.ttft_s for r in records if r.target == target and r.ttft_s is not None]
        row = by_target[target]
        assert row["measured"] == len(values)
        for q in (50, 90, 99):
            assert row[f"p{q}"] == pytest.approx(np.percentile(values, q))


def test_one_call_in_full(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    record = next(r for r in records if r.call_id == "call0010")
    call = server.get("hybrid/api/calls/call0010").json()["call"]
    assert call["prompt"] == [dict(m) for m in record.prompt]
    assert call["response"] == record.response
    assert call["params"] == dict(record.params)
    assert record.privacy is not None and call["privacy"] == dataclasses.asdict(record.privacy)
    assert call["privacy"]["entities"] == {"email": 1} and call["locality"] == "cloud"
    assert call["left_device"] is False and call["ok"] is True  # action "local": it did not leave


def test_no_response_carries_a_secret(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    bodies = [server.get("hybrid/api/totals").text, server.get("hybrid/api/calls", limit="500").text]
    bodies += [server.get(f"hybrid/api/calls/{r.call_id}").text for r in records]
    fragments = {s[i : i + 12] for s in (FAKE_KEY, ENV_SECRET) for i in range(8, len(s) - 12, 4)}
    for body in bodies:
        assert FAKE_KEY not in body and ENV_SECRET not in body
        assert not [f for f in fragments if f in body]
    planted = server.get("hybrid/api/calls/planted").json()["call"]
    assert "[REDACTED]" in planted["prompt"][0]["content"]
    assert "[REDACTED]" in planted["response"] and "[REDACTED]" in planted["error_message"]
    row = server.get("hybrid/api/calls", limit="1").json()["calls"][0]
    assert row["call_id"] == "planted" and row["preview"].startswith("use the key [REDACTED]")


def test_another_log_by_store_parameter_and_a_missing_log(server: JupyterProcess, tmp_path: Path) -> None:
    other = server.root / "other" / "runs.sqlite"
    store = Store(other)
    store.append_many([_record(i, random.Random(3)) for i in range(3)])
    store.close()
    assert server.get("hybrid/api/totals", store="other/runs.sqlite").json()["calls"] == 3
    assert server.get("hybrid/api/calls", store=str(other)).json()["total"] == 3
    missing = server.get("hybrid/api/totals", store="nowhere/runs.sqlite").json()
    assert missing["exists"] is False and missing["calls"] == 0
    assert not (server.root / "nowhere").exists(), "reading must never create a log"
    assert server.get("hybrid/api/calls", store="nowhere/runs.sqlite").json()["calls"] == []


def _jupyter(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def test_both_extensions_are_installed_and_enabled() -> None:
    """After `make install`: the server extension and the prebuilt labextension are enabled in this environment."""
    server = _jupyter("server", "extension", "list")
    assert "workbench.server \x1b[32menabled" in server or "workbench.server enabled" in server, server
    assert "workbench.server  \x1b[32mOK" in server or "workbench.server  OK" in server, server
    lab = _jupyter("labextension", "list")
    line = next((ln for ln in lab.splitlines() if "jupyterlab-hybrid" in ln), "")
    assert "enabled" in line and "OK" in line, lab


def test_prebuilt_extension_matches_its_sources() -> None:
    """The committed build in workbench/labextension was built from the sources as they are now."""
    from workbench.server.develop import LABEXTENSION, source_hash

    recorded = json.loads((LABEXTENSION / "build.json").read_text())["source_sha256"]
    assert recorded == source_hash(), "sources changed since the last build: run `make labextension`"


def test_totals_follow_calls_added_and_removed(server: JupyterProcess) -> None:
    """The totals are kept between requests and extended by new calls; a removal makes them count again."""
    import sqlite3

    path = server.root / "growing" / "runs.sqlite"
    rng = random.Random(5)
    store = Store(path)
    store.append_many([_record(i, rng) for i in range(8)])

    def check() -> None:
        records = store.records()
        totals = server.get("hybrid/api/totals", store=str(path)).json()
        assert totals["calls"] == len(records)
        assert totals["flagged_off_device"] == sum(_left(r) for r in records)
        assert totals["cost"]["cloud"]["usd"] == pytest.approx(
            sum(r.cost_usd or 0 for r in records if r.locality is Locality.CLOUD)
        )
        for row in totals["ttft"]:
            values = [r.ttft_s for r in records if r.target == row["target"] and r.ttft_s is not None]
            assert row["measured"] == len(values) and row["p90"] == pytest.approx(np.percentile(values, 90))

    check()
    check()  # unchanged
    store.append_many([_record(i, rng) for i in range(8, 20)])
    check()  # extended by the new calls only
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM calls WHERE call_id IN ('call0003', 'call0004')")
    store.append(_record(20, rng))
    check()  # two removed, one added: counted again
    store.close()
