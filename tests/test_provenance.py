"""Provenance on every record: versions, model file hash (cached), device, params, cell; old logs migrate."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

import workbench
from workbench.records import Request
from workbench.runlog import provenance
from workbench.runlog.store import MIGRATIONS


def test_request_hash_is_stable_and_covers_messages_params_and_guard() -> None:
    base = Request.build("Hi", max_tokens=8)
    assert provenance.request_hash(base) == provenance.request_hash(Request.build("Hi", max_tokens=8))
    others = [
        Request.build("Hi!", max_tokens=8),
        Request.build("Hi", max_tokens=9),
        Request.build("Hi", max_tokens=8, seed=1),
        Request.build("Hi", max_tokens=8, system="Be brief."),
    ]
    assert len({provenance.request_hash(r) for r in [base, *others]}) == 5
    assert provenance.request_hash(base, "redact") != provenance.request_hash(base, "flag")
    cool = Request.build("Hi", temperature=0)
    assert provenance.request_hash(cool) == provenance.request_hash(Request.build("Hi", temperature=0.0))


def test_file_hash_is_cached_by_path_size_and_mtime(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"first")
    first = provenance.file_sha256(model)
    assert first == hashlib.sha256(b"first").hexdigest()
    cache = json.loads((tmp_path / "file_hashes.json").read_text())  # beside the run log (WORKBENCH_STORE)
    assert list(cache.values()) == [first]
    # Same path, size and mtime: the remembered hash is returned, the file is not read again, here or in a
    # new process (the cache file); other bytes under the same key show which one answered.
    stat = model.stat()
    model.write_bytes(b"FIRST")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert provenance.file_sha256(model) == first
    code = f"from workbench.runlog.provenance import file_sha256; print(file_sha256({str(model)!r}))"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert fresh == first
    model.write_bytes(b"second!")
    assert provenance.file_sha256(model) == hashlib.sha256(b"second!").hexdigest()


def test_versions_are_read_without_importing_litellm() -> None:
    code = "import sys; from workbench.runlog.provenance import package_versions as v; print(v())\n"
    code += "print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[1] == "False"
    assert f"'workbench': '{metadata.version('hybrid-workbench')}'" in out[0]
    assert f"'litellm': '{metadata.version('litellm')}'" in out[0]


def test_cell_provenance_names_the_ipython_cell() -> None:
    code = textwrap.dedent(
        """
        import hashlib, json
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        source = "from workbench.runlog.provenance import cell_provenance\\ncell = cell_provenance()"
        shell.run_cell("x = 1", store_history=True)
        shell.run_cell(source, store_history=True)
        cell = shell.user_ns["cell"]
        print(json.dumps([cell["execution_count"], cell["sha256"] == hashlib.sha256(source.encode()).hexdigest()]))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == [2, True]
    assert provenance.cell_provenance() is None  # not in IPython here


@pytest.mark.slow
def test_a_local_call_records_its_provenance(tmp_path: Path) -> None:
    from workbench.targets.llamacpp import smollm2_path

    store = workbench.Store(tmp_path / "log.sqlite")
    [record] = workbench.run("Hi", ["local/smollm2"], store=store, max_tokens=4, seed=7)
    p = record.provenance
    assert p["packages"]["llama-cpp-python"] == metadata.version("llama-cpp-python")
    assert p["engine"] == "llama.cpp" and "cores)" in p["device"]
    path = smollm2_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert p["model_file"] == {"name": path.name, "bytes": path.stat().st_size, "sha256": digest}
    assert p["params"]["max_tokens"] == 4 and p["seed"] == 7
    assert (p["policy"], p["threshold"], p["cell"], p["price_map"]) == (None, None, None, None)
    assert store.records()[0].provenance == p  # stored and read back whole


def test_a_log_from_before_provenance_migrates_and_reads(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for _, sql in MIGRATIONS[:2]:
        conn.executescript(sql)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    conn.executemany("INSERT INTO _migrations VALUES (?, 'then')", [(n,) for n, _ in MIGRATIONS[:2]])
    conn.execute(
        "INSERT INTO calls VALUES ('c', 'r', 't/m', 'p', 'm', 'device', 1.0, NULL, 0.5, NULL, NULL, 0, NULL, 0.0, "
        "'b', '{}', 'old answer', NULL, '{}', NULL, NULL, 1, NULL, 0)"
    )
    conn.commit()
    conn.close()
    store = workbench.Store(path)
    assert "003_provenance" in store.migrations()
    [old] = store.records()
    assert old.response == "old answer" and old.provenance == {}
