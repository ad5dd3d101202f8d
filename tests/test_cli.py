"""The ``hybrid`` command as a user runs it: a real subprocess, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def hybrid(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env_args = {"WORKBENCH_STORE": str(store)}
    import os

    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **env_args},
    )


def test_misspelled_local_target_is_one_line_with_a_close_match(tmp_path: Path) -> None:
    done = hybrid("run", "-t", "local/smolm2", "hi", store=tmp_path / "s.sqlite")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "local/smollm2" in done.stderr


def test_misspelled_provider_suggests_the_right_one(tmp_path: Path) -> None:
    done = hybrid("run", "-t", "opneai/gpt-4o-mini", "hi", store=tmp_path / "s.sqlite")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "openai/gpt-4o-mini" in done.stderr
    assert hybrid("runs", "--json", store=tmp_path / "s.sqlite").stdout == ""  # nothing was run, nothing recorded


def test_bad_argument_exits_2(tmp_path: Path) -> None:
    done = hybrid("run", "--max-tokens", "0", "hi", store=tmp_path / "s.sqlite")
    assert done.returncode == 2 and "max_tokens=0 must be at least 1" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_run_prints_side_by_side_and_runs_lists_it(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    done = hybrid(
        "run",
        "-t",
        "local/smollm2",
        "-t",
        "openai/gpt-4o-mini",
        "--max-tokens",
        "16",
        "--temperature",
        "0",
        "--seed",
        "1",
        "Say hello.",
        store=store,
    )
    assert done.returncode == 0, done.stderr
    assert "local/smollm2" in done.stdout and "openai/gpt-4o-mini" in done.stdout
    assert "time to first token" in done.stdout and "OPENAI_API_KEY" in done.stdout
    listed = hybrid("runs", "--json", store=store)
    assert listed.returncode == 0, listed.stderr
    rows = {row["target"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert sorted(rows) == ["local/smollm2", "openai/gpt-4o-mini"]
    assert rows["openai/gpt-4o-mini"]["error_type"] == "MissingKeyError"
    local = rows["local/smollm2"]
    assert local["error_type"] is None and local["response"].strip() and local["params"]["max_tokens"] == 16
    assert local["response"].split()[0] in done.stdout and f"{local['output_tokens']} out" in done.stdout


def test_targets_lists_key_presence_not_keys(tmp_path: Path) -> None:
    done = hybrid("targets", store=tmp_path / "s.sqlite")
    assert done.returncode == 0
    assert "local/smollm2" in done.stdout and "OPENAI_API_KEY NOT set" in done.stdout
