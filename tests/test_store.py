"""The run log, on SQLite and on PostgreSQL: migrations, exact round trip, several writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pandas as pd

from tests.support.postgres import columns
from tests.support.records import make_record, sqlite_log_before
from workbench.records import CallRecord, Locality, Privacy
from workbench.records.frame import records_frame
from workbench.runlog.store import MIGRATIONS, Store

FULL: dict[str, object] = dict(
    call_id="c1",
    run_id="r1",
    target="openai/gpt-4o-mini",
    provider="openai",
    model="openai/gpt-4o-mini",
    locality=Locality.CLOUD,
    started_at=1_760_000_000.25,
    ttft_s=0.31,
    latency_s=1.5,
    input_tokens=12,
    output_tokens=40,
    tokens_estimated=True,
    decode_tps=33.5,
    cost_usd=0.000123,
    cost_basis="$0.15/M in",
    params={"temperature": 0.0, "max_tokens": 64, "seed": 3, "stop": ["\n"]},
    response="Paris. ✓",
    prompt=({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}),
    engine_metrics={"ttft_s": 0.2},
    error_type="StreamDropped",
    error_message="cut",
    attempts=2,
    privacy=Privacy(entities={"email": 1}, destination="cloud:openai", action="redact"),
    replayed=True,
    provenance={"request_hash": "ab12", "packages": {"workbench": "0.1.0"}, "cell": None},
    queue_s=0.75,
    e2e_s=2.25,
)
"""A record with every field set away from its default, to prove the round trip."""


def full_record(**changes: object) -> CallRecord:
    """:data:`FULL`, with ``changes``."""
    return make_record(**{**FULL, **changes})


def test_migrations_from_empty_create_the_schema(log_at: Path | str) -> None:
    store = Store(log_at)
    assert store.migrations() == [name for name, _ in MIGRATIONS]
    # every field, and the replay look-up key (003); later migrations add columns at the end. PostgreSQL
    # has SQLite's rowid as a column of its own.
    extra = ["request_hash"] + (["rowid"] if isinstance(log_at, str) else [])
    assert sorted(columns(log_at)) == sorted([f.name for f in fields(CallRecord)] + extra)
    if isinstance(log_at, Path):
        assert sqlite3.connect(log_at).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert Store(log_at).migrate() == []  # reopening applies nothing twice


def test_every_field_round_trips(log_at: Path | str) -> None:
    store = Store(log_at)
    full = full_record()
    sparse = full_record(
        call_id="c2",
        ttft_s=None,
        input_tokens=None,
        output_tokens=None,
        decode_tps=None,
        cost_usd=None,
        prompt=None,
        privacy=None,
        error_type=None,
        error_message=None,
        tokens_estimated=False,
        replayed=False,
        locality=Locality.DEVICE,
        started_at=1.0,
    )
    store.append(full)
    store.append(sparse)
    assert store.records() == [full, sparse]
    assert store.records(target="nothing") == []
    frame = store.to_pandas(columns="all")
    assert list(frame["call_id"]) == ["c1", "c2"] and frame.loc[0, "cost_usd"] == 0.000123
    # The log read straight from SQL and a run's records give the same frame.
    pd.testing.assert_frame_equal(frame, records_frame(store.records()))
    # By default the prompt and the answer stay in the database; the rest is the same.
    pd.testing.assert_frame_equal(store.to_pandas(), frame.drop(columns=["prompt", "response"]))


def test_a_log_from_before_queue_time_migrates_with_null_for_old_calls(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite_log_before(path, "004_queue_and_e2e")
    conn.execute(
        "INSERT INTO calls VALUES ('c', 'r', 't/m', 'p', 'm', 'device', 1.0, 0.2, 0.5, NULL, NULL, 0, NULL, 0.0, "
        "'b', '{}', 'old answer', NULL, '{}', NULL, NULL, 1, NULL, 0, '{}', 'h')"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    assert "004_queue_and_e2e" in store.migrations()
    [old] = store.records()
    assert (old.response, old.ttft_s, old.latency_s) == ("old answer", 0.2, 0.5)
    assert old.queue_s is None and old.e2e_s is None  # not measured then: NULL, not a made-up 0
    store.append(full_record(call_id="new"))
    assert {r.call_id: r.queue_s for r in store.records()} == {"c": None, "new": 0.75}
    frame = store.to_pandas()
    assert frame["queue_s"].isna().tolist() == [False, True]  # newest first
    assert list(frame.columns[list(frame.columns).index("started_at") :][:5]) == [
        "started_at", "queue_s", "ttft_s", "latency_s", "e2e_s"
    ]


def test_two_processes_appending_at_once_lose_nothing(log_at: Path | str) -> None:
    path = log_at
    Store(path)
    script = textwrap.dedent(
        f"""
        import sys
        from tests.support.records import make_record
        from workbench.runlog.store import Store
        store = Store({str(path)!r})  # a file or a URL
        for i in range(150):
            store.append(make_record(call_id=f"{{sys.argv[1]}}-{{i}}", started_at=float(i)))
        """
    )
    root = Path(__file__).resolve().parent.parent
    writers = [subprocess.Popen([sys.executable, "-c", script, name], cwd=root) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    ids = {r.call_id for r in Store(path).records()}
    assert len(ids) == 300 and {f"a-{i}" for i in range(150)} <= ids and {f"b-{i}" for i in range(150)} <= ids
