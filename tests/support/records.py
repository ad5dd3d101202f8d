"""One factory of realistic CallRecords for tests that need records without running a model."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

from workbench.records import CallRecord, Locality, new_id


def make_record(**changes: Any) -> CallRecord:
    """A finished local call with every figure set; ``changes`` override fields (a fresh call id unless given)."""
    record = CallRecord(
        call_id=new_id(),
        run_id=new_id(),
        target="local/smollm2",
        provider="llama.cpp",
        model="SmolLM2-135M-Instruct",
        locality=Locality.DEVICE,
        started_at=1_760_000_000.0,
        ttft_s=0.02,
        latency_s=0.5,
        input_tokens=12,
        output_tokens=30,
        tokens_estimated=False,
        decode_tps=60.0,
        cost_usd=0.0,
        cost_basis="own device",
        params={"temperature": 0.0, "max_tokens": 64, "seed": None, "stop": []},
        response="Hello.",
        prompt=({"role": "user", "content": "Say hello."},),
        provenance={"request_hash": "h"},
    )
    return dataclasses.replace(record, **changes)


def sqlite_log_before(path: Path, migration: str) -> sqlite3.Connection:
    """A SQLite run log at ``path`` as a version before ``migration`` left it: the earlier migrations, applied."""
    from workbench.runlog.schema import MIGRATIONS

    earlier = MIGRATIONS[: [name for name, _ in MIGRATIONS].index(migration)]
    conn = sqlite3.connect(path)
    for _, sql in earlier:
        conn.executescript(sql)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    conn.executemany("INSERT INTO _migrations VALUES (?, 'then')", [(name,) for name, _ in earlier])
    return conn
