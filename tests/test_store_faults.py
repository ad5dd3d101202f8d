"""The run log never loses a call silently: real SQLite files, broken on purpose, read and written by real processes."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.postgres import refuse_inserts
from tests.support.records import make_record
from workbench.errors import NotRecorded, StoreError
from workbench.runlog.spool import spool_paths
from workbench.runlog.store import Store

# Root ignores file permissions; a process without these capabilities sees them as a user does.
AS_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]


def hybrid(*args: str, store: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """The real ``hybrid`` command in a subprocess."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "WORKBENCH_STORE": str(store)},
    )


def seeded(path: Path | str, n: int = 3) -> Store:
    store = Store(path)
    store.append_many([make_record(target=f"t{i}", started_at=1_000.0 + i) for i in range(n)])
    return store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage_calls_table(path: Path) -> None:
    """Overwrite the root page of the ``calls`` table with garbage, as a bad disk sector would."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'calls'").fetchone()[0]
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xa5" * page_size)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_call_the_damaged_log_cannot_take_is_spooled_reported_and_recovered_once(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    good = tmp_path / "good.sqlite"
    shutil.copy(log, good)
    damage_calls_table(log)

    done = hybrid("run", "-t", "local/smollm2", "--max-tokens", "8", "--temperature", "0", "Say hi.", store=log)

    assert done.returncode == 4, done.stderr
    assert "not recorded" in done.stderr and "damaged" in done.stderr and str(log) in done.stderr
    assert "local/smollm2" in done.stderr and "hybrid store recover" in done.stderr
    assert "Traceback" not in done.stderr
    beside = spool_paths(log)[0]
    assert beside.is_file() and len(beside.read_text().splitlines()) == 1

    shutil.copy(good, log)  # the user restores a good copy
    recovered = hybrid("store", "recover", store=log)
    assert recovered.returncode == 0, recovered.stderr
    assert Store(log, readonly=True).count() == 4
    assert [r.target for r in Store(log, readonly=True).records(limit=1)] == ["local/smollm2"]
    assert not beside.exists()
    again = hybrid("store", "recover", store=log)
    assert again.returncode == 0 and "Nothing to recover" in again.stdout
    assert Store(log, readonly=True).count() == 4


def test_a_failed_append_is_kept_in_memory_and_written_by_the_next_one(log_at: Path | str) -> None:
    store = seeded(log_at)
    refuse_inserts(log_at)
    first = make_record(target="first")
    with pytest.raises(NotRecorded) as caught:
        store.append(first)
    assert caught.value.call_ids == (first.call_id,)
    assert "disk full" in str(caught.value)
    assert caught.value.spool is not None and Path(caught.value.spool).is_file()
    refuse_inserts(log_at, False)
    store.append(make_record(target="second"))
    assert sorted(r.target for r in store.records()) == ["first", "second", "t0", "t1", "t2"]
    assert not Path(caught.value.spool).exists()


def test_a_log_from_a_newer_version_is_read_but_never_written(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    conn = sqlite3.connect(log)
    conn.execute("ALTER TABLE calls RENAME COLUMN latency_s TO latency_ms")
    conn.execute("INSERT INTO _migrations VALUES ('999_latency_in_ms', 'later')")
    conn.commit()
    conn.close()
    before = digest(log)

    done = hybrid("run", "-t", "local/smollm2", "--max-tokens", "4", "hi", store=log)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "newer" in line and "999_latency_in_ms" in line and str(log) in line
    assert digest(log) == before

    listed = hybrid("runs", "--json", store=log)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 3
    with pytest.raises(StoreError, match="newer"):
        Store(log)


@pytest.mark.parametrize("fault", ["text file", "truncated", "damaged page"])
def test_a_broken_log_is_one_line_naming_the_file_and_is_left_untouched(tmp_path: Path, fault: str) -> None:
    log = tmp_path / "runs.sqlite"
    if fault == "text file":
        log.write_text("these are my notes, not a run log\n" * 20)
    else:
        seeded(log, n=200).close()
        conn = sqlite3.connect(log)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        if fault == "truncated":
            with log.open("r+b") as handle:
                handle.truncate(log.stat().st_size // 3)
        else:
            damage_calls_table(log)
    before = digest(log)

    done = hybrid("runs", store=log)

    assert done.returncode == 2
    line = one_line(done.stderr)
    assert str(log) in line and "left untouched" in line
    if fault != "text file":
        assert ".recover" in line
    assert digest(log) == before


def test_an_unreadable_log_says_permission_denied(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    log.chmod(0o000)
    done = hybrid("runs", store=log, prefix=tuple(AS_USER))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert str(log) in line and ("permission" in line.lower() or "read" in line.lower())


def test_reading_a_read_only_log_in_a_read_only_folder_works(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    log = folder / "runs.sqlite"
    seeded(log).close()
    log.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = hybrid("runs", "--json", store=log, prefix=tuple(AS_USER))
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) == 3
        writing = hybrid("run", "-t", "local/smollm2", "--max-tokens", "4", "hi", store=log, prefix=tuple(AS_USER))
        assert writing.returncode == 2
        assert "read-only" in one_line(writing.stderr)
    finally:
        folder.chmod(0o755)


def test_reading_does_not_wait_for_a_writer_holding_the_lock(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(log), "6"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        done = hybrid("runs", "--json", store=log)
        took = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) == 3
        assert holder.poll() is None, "the reader must have finished while the writer still held the lock"
        assert took < 6
    finally:
        holder.wait(timeout=30)


def test_a_writer_says_it_waits_for_the_lock_then_writes(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(log), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code = (
            "import sys; from workbench.runlog.store import Store; from tests.support.records import make_record;"
            "Store(sys.argv[1]).append(make_record(target='late'))"
        )
        done = subprocess.run([sys.executable, "-c", code, str(log)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "Waiting for the run log" in done.stderr and "write lock" in done.stderr
    finally:
        holder.wait(timeout=30)
    assert Store(log, readonly=True).count() == 4


def test_processes_creating_a_new_log_at_once_all_write(tmp_path: Path) -> None:
    code = (
        "import sys; from workbench.runlog.store import Store; from tests.support.records import make_record;"
        "Store(sys.argv[1]).append(make_record(target=sys.argv[2]))"
    )
    for attempt in range(4):
        log = tmp_path / f"new-{attempt}.sqlite"
        workers = [
            subprocess.Popen([sys.executable, "-c", code, str(log), f"p{i}"], stderr=subprocess.PIPE, text=True)
            for i in range(4)
        ]
        errors = [w.communicate(timeout=60)[1] for w in workers]
        assert [w.returncode for w in workers] == [0, 0, 0, 0], errors
        assert Store(log, readonly=True).count() == 4


def test_reading_commands_never_create_a_log(tmp_path: Path) -> None:
    typo = tmp_path / "typo" / "runs.sqlite"
    done = hybrid("runs", "--store", str(typo), store=tmp_path / "default.sqlite")
    assert done.returncode == 2
    assert "no run log" in one_line(done.stderr) and str(typo) in done.stderr
    assert not typo.exists() and not typo.parent.exists()


def test_ctrl_c_records_the_interrupted_call_with_its_partial_answer(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "run", "-t", "local/smollm2", "--max-tokens", "1500",
         "--temperature", "0", "Write a very long story about a lighthouse keeper, at least 1000 words."],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WORKBENCH_STORE": str(log)},
    )
    deadline = time.monotonic() + 60
    while not log.exists():  # the run opens its log before it loads the model and streams
        assert time.monotonic() < deadline and process.poll() is None, "the run never started"
        time.sleep(0.05)
    time.sleep(5)  # the model loads in ~0.1 s (seconds on a loaded machine), then streams 1500 tokens for ~15-30 s
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted: local/smollm2 stopped after" in stderr
    (record,) = Store(log, readonly=True).records()
    assert record.error_type == "CallCancelled"
    assert record.response and record.output_tokens and record.output_tokens < 1500
    assert record.tokens_estimated and record.ttft_s is not None and record.latency_s > record.ttft_s
    assert f"after {record.output_tokens} token(s)" in stderr


def test_kill_9_mid_run_leaves_the_log_readable(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    seeded(log).close()
    process = subprocess.Popen(
        [sys.executable, "-c", APPEND_FOREVER, str(log)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "writing"
    time.sleep(0.3)
    process.kill()
    process.wait(timeout=10)
    store = Store(log)
    count = store.count()
    assert count > 3
    assert store._backend._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.append(make_record(target="after"))
    assert store.count() == count + 1


HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""

APPEND_FOREVER = """
import sys
from workbench.runlog.store import Store
from tests.support.postgres import refuse_inserts
from tests.support.records import make_record
store = Store(sys.argv[1])
print("writing", flush=True)
while True:
    store.append_many([make_record() for _ in range(20)])
"""
