"""The server extension's REST endpoints, on a real Jupyter server on loopback.

A run log is seeded with records of every locality, known and unknown costs, privacy findings
with every guard action, errors, calls never sent, blocked and replayed, personal data, and
planted secrets; the endpoints' figures are checked against figures computed here in plain Python
from the same records (with the records' own rules: ``flagged_off_device``, ``timed``, ``replayed``)
and formatted by ``workbench.ui.format``, and no response may carry a secret or unmasked personal data.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import ARTIFACTS
from tests.support.jupyter import JupyterProcess, running_jupyter
from tests.support.postgres import PASSWORD
from tests.support.records import make_record
from workbench.records import NOT_SENT, CallRecord, Egress, Locality, Privacy
from workbench.runlog.store import Store
from workbench.ui.format import dollars, seconds, style

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
    return make_record(
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
    return make_record(
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


CARD = "4242 4242 4242 4242"
EMAIL = "ann.lee@example.com"
PII_PROMPT = ({"role": "user", "content": f"Charge card {CARD} and mail {EMAIL} the receipt"},)
PII = {"payment_card": 1, "email": 1}


def _special() -> list[CallRecord]:
    """Calls that must not count as flagged off the device, a replayed one, and personal data kept on the device."""
    cloud = {"target": "openai/gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "locality": Locality.CLOUD}
    flag_cloud = Privacy(entities=PII, destination="cloud", action="flag")
    unsent = {"ttft_s": None, "latency_s": 0.0, "input_tokens": None, "output_tokens": None, "decode_tps": None,
              "cost_usd": 0.0, "cost_basis": NOT_SENT, "response": ""}  # fmt: skip
    return [
        make_record(call_id="unsent", started_at=1_699_999_000.0, **cloud, **unsent, privacy=flag_cloud,
                    prompt=PII_PROMPT, error_type="MissingKeyError", error_message="no OPENAI_API_KEY"),
        make_record(call_id="blocked", started_at=1_699_999_001.0, **cloud, **unsent,
                    privacy=Privacy(entities=PII, destination="cloud", action="block"), prompt=PII_PROMPT,
                    error_type="PrivacyBlocked", error_message="blocked"),
        make_record(call_id="replayed", started_at=1_699_999_002.0, **cloud, privacy=flag_cloud, prompt=PII_PROMPT,
                    replayed=True, ttft_s=50.0, latency_s=60.0, cost_usd=1.25, cost_basis="litellm"),
        make_record(call_id="devicepii", started_at=1_699_999_003.0, prompt=PII_PROMPT, response=f"Done: {EMAIL}",
                    privacy=Privacy(entities=PII, destination="device", action="flag"), ttft_s=0.0123456789012345,
                    latency_s=1.3841234567891234, engine_metrics={"prefill_tokens_per_s": 1234.567891234567}),
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path | str, list[CallRecord]]:
    """A run log of N ordinary calls, the special calls, and one planted with secrets: a SQLite file, then a
    PostgreSQL database whose URL carries a password (which no response may show)."""
    path: Path | str = tmp_path_factory.mktemp("log") / "runs.sqlite"
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_server")
        path = pg.with_password(pg.database())
    rng = random.Random(7)
    records = [_record(i, rng) for i in range(N)] + _special() + [_planted()]
    store = Store(path)
    store.append_many(records)
    store.close()
    return path, records


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path | str, list[CallRecord]]
) -> Iterator[JupyterProcess]:
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
        ({"flagged": "true"}, lambda r: r.flagged_off_device),
        ({"flagged": "false"}, lambda r: not r.flagged_off_device),
        ({"run": "run007"}, lambda r: r.run_id == "run007"),
    ],
)
def test_filters_match_the_records(server: JupyterProcess, seeded, params, keep) -> None:
    _, records = seeded
    calls = _all_pages(server, 20, **params)
    assert {c["call_id"] for c in calls} == {r.call_id for r in records if keep(r)}
    assert calls, "each filter should match something in the seeded log"


def _left(record: CallRecord) -> bool:
    return record.flagged_off_device


def test_pages_by_cursor_follow_each_other_to_the_end(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    calls, page = [], server.get("hybrid/api/calls", limit="40").json()
    while True:
        calls += [c["call_id"] for c in page["calls"]]
        if page["next"] is None:
            break
        page = server.get("hybrid/api/calls", limit="40", before=page["next"]).json()
    assert calls == [c["call_id"] for c in _all_pages(server, 40)] and len(calls) == len(records)
    assert server.get("hybrid/api/calls", before="yesterday").status_code == 400


def test_bad_filters_are_refused_with_the_fix(server: JupyterProcess) -> None:
    response = server.get("hybrid/api/calls", locality="moon")
    assert response.status_code == 400 and "device" in response.json()["message"]
    assert server.get("hybrid/api/calls", flagged="maybe").status_code == 400
    assert server.get("hybrid/api/calls", limit="ten").status_code == 400
    assert server.get("hybrid/api/calls/nope").status_code == 404


def _check_totals(totals: dict, records: list[CallRecord], include_replayed: bool = False) -> None:
    """``totals`` equal the figures computed here from ``records`` with the records' own rules."""
    counted = [r for r in records if include_replayed or not r.replayed]
    assert totals["calls"] == len(records)
    assert totals["replayed"] == sum(r.replayed for r in records)
    assert totals["counted"] == len(counted) and totals["include_replayed"] is include_replayed
    assert totals["errors"] == sum(not r.ok for r in records)
    assert totals["flagged_off_device"] == sum(r.flagged_off_device for r in records)
    for locality in Locality:
        mine = [r for r in counted if r.locality is locality]
        cost = totals["cost"][locality.value]
        assert cost["calls"] == len(mine)
        assert cost["usd"] == pytest.approx(sum(r.cost_usd for r in mine if r.cost_usd is not None))
        assert cost["unknown"] == sum(r.cost_usd is None for r in mine)
    for side, keep in (
        ("edge", lambda r: r.locality is not Locality.CLOUD),
        ("cloud", lambda r: r.locality is Locality.CLOUD),
    ):
        spend = totals["spend"][side]
        usd = sum(r.cost_usd or 0 for r in counted if keep(r))
        unknown = sum(r.cost_usd is None for r in counted if keep(r))
        assert spend["usd"] == pytest.approx(usd) and spend["unknown"] == unknown
        assert totals["text"][side] == dollars(spend["usd"]) + (f" (+{unknown} unknown)" if unknown else "")
    by_target = {row["target"]: row for row in totals["ttft"]}
    measured = {r.target for r in counted if r.timed and r.ttft_s is not None}
    assert set(by_target) == measured
    for target in measured:
        values = [r.ttft_s for r in counted if r.target == target and r.timed and r.ttft_s is not None]
        row = by_target[target]
        assert row["measured"] == len(values)
        for q in (50, 90, 99):
            assert row[f"p{q}"] == pytest.approx(np.percentile(values, q))
            assert row["text"][f"p{q}"] == seconds(row[f"p{q}"])


def test_totals_equal_the_figures_computed_from_the_records(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    totals = server.get("hybrid/api/totals").json()
    assert totals["exists"] is True
    _check_totals(totals, records)
    assert totals["flagged_off_device"] > 0 and totals["spend"]["cloud"]["unknown"] > 0


def test_unsent_blocked_and_replayed_calls_never_count_as_flagged_off_the_device(
    server: JupyterProcess, seeded
) -> None:
    _, records = seeded
    special = {r.call_id: r for r in records if r.call_id in ("unsent", "blocked", "replayed")}
    assert {r.egress for r in special.values()} == {Egress.NOT_SENT, Egress.BLOCKED, Egress.REPLAYED}
    for call_id in ("unsent", "replayed"):  # each would count if only the privacy finding were read
        record = special[call_id]
        assert record.privacy is not None and record.privacy.left_device and not record.flagged_off_device
    rows = {c["call_id"]: c for c in _all_pages(server, 500)}
    for call_id in special:
        assert rows[call_id]["flagged_off_device"] is False, call_id
    for call_id in ("unsent", "blocked"):
        assert not rows[call_id]["text"]["egress"].startswith("sent"), rows[call_id]["text"]
    # A replayed call reads as the recorded one did, beside its "replayed" mark; it counts nowhere as sent now.
    assert rows["replayed"]["replayed"] is True
    assert rows["unsent"]["text"]["egress"] == "not sent (card number, email found)"
    assert rows["blocked"]["text"]["egress"] == "not sent (blocked) (card number, email found)"
    flagged = {c["call_id"] for c in _all_pages(server, 50, flagged="true")}
    assert not flagged & set(special) and flagged == {r.call_id for r in records if r.flagged_off_device}
    assert set(special) <= {c["call_id"] for c in _all_pages(server, 50, flagged="false")}
    totals = server.get("hybrid/api/totals").json()
    assert totals["flagged_off_device"] == len(flagged)
    assert server.get("hybrid/api/totals", flagged="true").json()["calls"] == len(flagged)


def test_unsent_calls_show_no_timing_and_stay_out_of_percentiles(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    rows = {c["call_id"]: c for c in _all_pages(server, 500)}
    for call_id in ("unsent", "blocked"):
        row = rows[call_id]
        assert row["ttft_s"] is None and row["latency_s"] is None and row["timed"] is False
        assert [row["text"][k] for k in ("ttft", "latency", "tokens_per_s", "tokens", "cost")] == ["-"] * 5
    # The unsent calls' recorded latency (0 s) must not reach the percentiles of their target.
    target = "openai/gpt-4o-mini"
    mine = [r for r in records if r.target == target and not r.replayed and r.timed and r.ttft_s is not None]
    row = next(t for t in server.get("hybrid/api/totals").json()["ttft"] if t["target"] == target)
    assert row["measured"] == len(mine)


def test_rows_carry_figures_formatted_like_the_notebook(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    by_id = {r.call_id: r for r in records}
    for row in _all_pages(server, 500):
        record = by_id[row["call_id"]]
        if record.timed:
            assert row["text"]["ttft"] == seconds(record.ttft_s) and row["text"]["latency"] == seconds(record.latency_s)
            assert row["text"]["cost"] == dollars(record.cost_usd)
        assert row["egress"] == record.egress.value and row["replayed"] is record.replayed
    device = next(c for c in _all_pages(server, 500) if c["call_id"] == "devicepii")
    assert (
        device["text"]["ttft"] == "12 ms" and device["text"]["latency"] == "1.38 s" and device["text"]["cost"] == "$0"
    )


def test_replayed_calls_are_marked_and_left_out_of_the_statistics_unless_asked(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    row = next(c for c in _all_pages(server, 500) if c["call_id"] == "replayed")
    assert row["replayed"] is True and row["egress"] == "replayed"
    detail = server.get("hybrid/api/calls/replayed").json()["call"]
    assert detail["replayed"] is True and ("source", "replayed: the recorded answer and figures, nothing sent") in map(
        tuple, detail["facts"]
    )
    default = server.get("hybrid/api/totals").json()
    included = server.get("hybrid/api/totals", replayed="include").json()
    _check_totals(default, records)
    _check_totals(included, records, include_replayed=True)
    assert included["spend"]["cloud"]["usd"] == pytest.approx(default["spend"]["cloud"]["usd"] + 1.25)
    ttft = {t["target"]: t for t in included["ttft"]}["openai/gpt-4o-mini"]
    assert ttft["p99"] > 10 > {t["target"]: t for t in default["ttft"]}["openai/gpt-4o-mini"]["p99"]
    assert server.get("hybrid/api/totals", replayed="maybe").status_code == 400


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"target": "openai/gpt-4o-mini"}, lambda r: r.target == "openai/gpt-4o-mini"),
        ({"locality": "private_network"}, lambda r: r.locality is Locality.PRIVATE_NETWORK),
        ({"locality": "cloud", "flagged": "true"}, lambda r: r.locality is Locality.CLOUD and r.flagged_off_device),
        ({"run": "run007"}, lambda r: r.run_id == "run007"),
    ],
)
def test_the_summary_follows_the_filters(server: JupyterProcess, seeded, params, keep) -> None:
    _, records = seeded
    kept = [r for r in records if keep(r)]
    _check_totals(server.get("hybrid/api/totals", **params).json(), kept)
    _check_totals(server.get("hybrid/api/totals", replayed="include", **params).json(), kept, include_replayed=True)


def test_the_palette_is_style_json(server: JupyterProcess) -> None:
    palette = server.get("hybrid/api/totals").json()["palette"]
    assert palette["locality"] == style()["locality"] and palette["state"] == style()["state"]
    assert palette["locality"]["cloud"] == "#1f5fbf" and palette["locality"]["private_network"] == "#a15c00"


def test_personal_data_is_masked_and_revealed_only_for_a_call_that_stayed_on_the_device(
    server: JupyterProcess,
) -> None:
    digits = CARD.replace(" ", "")
    page = server.get("hybrid/api/calls", limit="500").text
    detail = server.get("hybrid/api/calls/devicepii")
    for body in (page, detail.text, server.get("hybrid/api/calls/unsent").text):
        assert CARD not in body and digits not in body and EMAIL not in body
    call = detail.json()["call"]
    assert call["prompt"][0]["content"] == "Charge card •••• 4242 and mail [email] the receipt"
    assert call["response"] == "Done: [email]" and call["masked"] is True and call["revealable"] is True
    row = next(c for c in json.loads(page)["calls"] if c["call_id"] == "devicepii")
    assert row["preview"] == "Charge card •••• 4242 and mail [email] the receipt"
    shown = server.get("hybrid/api/calls/devicepii", reveal="true").json()["call"]
    assert shown["prompt"][0]["content"] == PII_PROMPT[0]["content"] and shown["masked"] is False
    assert shown["response"] == f"Done: {EMAIL}"
    for call_id in ("unsent", "replayed"):  # not on the device: never unmasked
        refused = server.get(f"hybrid/api/calls/{call_id}", reveal="true")
        assert refused.status_code == 403 and CARD not in refused.text and EMAIL not in refused.text
        assert server.get(f"hybrid/api/calls/{call_id}").json()["call"]["revealable"] is False


def test_the_detail_view_shows_formatted_figures_only(server: JupyterProcess) -> None:
    facts = dict(map(tuple, server.get("hybrid/api/calls/devicepii").json()["call"]["facts"]))
    assert facts["time to first token"] == "12 ms" and facts["latency"] == "1.38 s"
    assert facts["cost"] == "$0 (own device)" and facts["engine prefill_tokens_per_s"] == "1234.6"
    assert facts["privacy"] == "card number, email found; guard: flag"
    assert not [v for v in facts.values() if re.search(r"\d\.\d{7,}", v)], facts
    unsent = dict(map(tuple, server.get("hybrid/api/calls/unsent").json()["call"]["facts"]))
    assert unsent["latency"] == "-" and unsent["time to first token"] == "-" and unsent["cost"] == "- (not sent)"


def test_sql_rules_agree_with_the_record_on_every_egress_case(tmp_path: Path) -> None:
    """rules.py's SQL and CallRecord's properties give the same answer for every row."""
    import itertools
    import sqlite3

    from workbench.server.rules import EGRESS_SQL, FLAGGED_OFF_DEVICE_SQL, SENT_SQL, TIMED_SQL

    privacies = [None, Privacy(), *(Privacy(entities=PII, destination=d, action=a)
                                   for d in ("device", "cloud", "private_network", "")
                                   for a in ("flag", "redact", "local", "block"))]  # fmt: skip
    cases = {
        "ok": {}, "failed": {"error_type": "TargetError"},
        "no key": {"error_type": "MissingKeyError", "cost_basis": NOT_SENT},
        "blocked": {"error_type": "PrivacyBlocked", "cost_basis": NOT_SENT},
        "replay miss": {"error_type": "ReplayMissing", "cost_basis": NOT_SENT},
        "replayed": {"replayed": True}, "replayed failure": {"replayed": True, "error_type": "TargetError"},
    }  # fmt: skip
    records = []
    for locality, case, privacy, untimed in itertools.product(Locality, cases, privacies, (False, True)):
        if untimed and cases[case].get("cost_basis") != NOT_SENT:
            continue
        record = make_record(locality=locality, privacy=privacy, **cases[case])
        records.append(dataclasses.replace(record, latency_s=None) if untimed else record)
    assert {r.egress for r in records} == set(Egress)
    assert {r.flagged_off_device for r in records} == {True, False} and {r.timed for r in records} == {True, False}
    store = Store(tmp_path / "runs.sqlite")
    store.append_many(records)
    store.close()
    conn = sqlite3.connect(tmp_path / "runs.sqlite")
    got = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT call_id, {EGRESS_SQL}, {SENT_SQL}, {FLAGGED_OFF_DEVICE_SQL}, {TIMED_SQL} FROM calls"
        )
    }
    assert len(got) == len(records)
    for r in records:
        assert got[r.call_id] == (r.egress.value, r.sent, r.flagged_off_device, r.timed), (r.locality, r.privacy, r)


def test_one_call_in_full(server: JupyterProcess, seeded) -> None:
    _, records = seeded
    record = next(r for r in records if r.call_id == "call0010")
    call = server.get("hybrid/api/calls/call0010").json()["call"]
    assert call["prompt"] == [dict(m) for m in record.prompt]
    assert call["response"] == record.response
    assert call["params"] == dict(record.params)
    assert record.privacy is not None and call["privacy"] == dataclasses.asdict(record.privacy)
    assert call["privacy"]["entities"] == {"email": 1} and call["locality"] == "cloud"
    assert call["flagged_off_device"] is False and call["ok"] is True  # action "local": it did not leave


def test_no_response_carries_a_secret(server: JupyterProcess, seeded) -> None:
    location, records = seeded
    bodies = [server.get("hybrid/api/totals").text, server.get("hybrid/api/calls", limit="500").text]
    bodies += [server.get(f"hybrid/api/calls/{r.call_id}").text for r in records]
    fragments = {s[i : i + 12] for s in (FAKE_KEY, ENV_SECRET) for i in range(8, len(s) - 12, 4)}
    if isinstance(location, str):  # the log's URL is shown, its password masked
        assert server.get("hybrid/api/totals").json()["store"] == location.replace(PASSWORD, "***")
    for body in bodies:
        assert FAKE_KEY not in body and ENV_SECRET not in body and PASSWORD not in body
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
    refused = server.get("hybrid/api/totals", store="postgresql://someone@example.com/db")
    assert refused.status_code == 400 and "WORKBENCH_STORE" in refused.text
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
