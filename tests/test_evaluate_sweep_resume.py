"""Kill -9 a running `hybrid sweep` and rerun it: one successful record per cell, no finished cell sent twice.

The cloud stand-in is the scripted OpenAI-compatible server on loopback (tests/support/scripted_server.py),
answering after 0.3 s; the sweep is a real subprocess writing a real run log: a SQLite file, then PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.support.scripted_server import ScriptedServer
from workbench.errors import StoreError
from workbench.runlog.store import Store

ITEMS = 24
REPEATS = 2


def _successes(location: Path | str) -> list[tuple[str, int, int]]:
    """(item, repeat, count) of successful records per cell, read as a second process would."""
    if isinstance(location, Path) and not location.exists():
        return []
    try:
        store = Store(location, readonly=True)
    except StoreError:  # not created yet
        return []
    try:
        rows = store._rows(
            "SELECT json_extract(provenance, '$.sweep.item'), json_extract(provenance, '$.sweep.repeat'), count(*)"
            " FROM calls WHERE json_extract(provenance, '$.sweep.name') = 'k9' AND error_type IS NULL GROUP BY 1, 2",
            (),
        )
    except StoreError:  # no calls table yet
        return []
    finally:
        store.close()
    return [(str(i), int(k), int(n)) for i, k, n in rows]


def test_kill_9_midway_then_rerun_finishes_each_cell_once(tmp_path: Path, log_at: Path | str) -> None:
    data = tmp_path / "questions.csv"
    data.write_text("id,question\n" + "".join(f"q{i},What is {i} plus one?\n" for i in range(ITEMS)))
    log = log_at
    with ScriptedServer() as server:
        command = [
            sys.executable, "-m", "workbench.cli", "sweep", str(data), "--prompt", "{question}", "--id-column", "id",
            "-t", f"openai/delay-0.3@{server.url}", "--name", "k9", "--repeats", str(REPEATS), "--seed", "10",
            "--concurrency", "4", "--max-tokens", "8", "--store", str(log), "--json",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(_successes(log)) < 8 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        finished = {(i, k) for i, k, _ in _successes(log)}
        assert first.returncode == -signal.SIGKILL and 8 <= len(finished) < ITEMS * REPEATS, first.stderr.read()  # type: ignore[union-attr]
        sent_before = len(server.received)

        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        report = json.loads(second.stdout)
        assert report["recorded"] == ITEMS * REPEATS and report["errors"] == 0
        assert report["sent"] == ITEMS * REPEATS - len(finished)
        assert len(server.received) - sent_before == report["sent"]

    counts = _successes(log)
    assert len(counts) == ITEMS * REPEATS and all(n == 1 for _, _, n in counts)
    asked = Counter(
        (r["body"]["messages"][-1]["content"], r["body"]["seed"]) for r in server.received  # type: ignore[index]
    )
    for item, repeat in finished:  # a finished cell was asked exactly once, across both runs
        assert asked[(f"What is {item[1:]} plus one?", 10 + repeat)] == 1, (item, repeat)
