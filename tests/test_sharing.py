"""Bundles end to end: a notebook that called the real local model is exported, then reproduced in a clean
directory in strict replay (no keys, nothing sent); an edited answer is reported once, in words; broken bundles
exit 2."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import html
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from workbench.cli import cli
from workbench.sharing import BundleError, export_bundle, reproduce_bundle, verify_bundle
from workbench.sharing.bundle import read_log
from workbench.sharing.compare import compare_outputs
from workbench.sharing.readable import excerpt

CELLS = [
    "import workbench\n%load_ext workbench",
    'result = workbench.run("Name a colour.", ["local/smollm2"], max_tokens=8, temperature=0)\nresult',
    "print(result[0].response, result[0].output_tokens)",
    "%%hybrid --max-tokens 6 --temperature 0\nSay hello in one word.",
    "# no call here\n1 + 1",
]
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")


def execute(notebook: nbformat.NotebookNode, folder: Path, store: Path, **env: str) -> None:
    """Run a notebook with nbclient in ``folder``, its kernel recording into ``store``."""
    saved = dict(os.environ)
    os.environ.update({"WORKBENCH_STORE": str(store), **env})
    for name in KEYS:
        os.environ.pop(name, None)
    try:
        client = NotebookClient(notebook, timeout=180, allow_errors=True, resources={"metadata": {"path": str(folder)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def digest(path: Path) -> str:
    """The log's content (every table, every row), not its bytes: WAL and checkpoints move bytes around."""
    connection = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(bundle, the user's own run log) for a notebook run on local/smollm2, saved, then exported."""
    root = tmp_path_factory.mktemp("sharing")
    user_log = root / "user" / "runs.sqlite"
    user_log.parent.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    execute(notebook, root, user_log)
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    nbformat.write(notebook, root / "colours.ipynb")
    summary = export_bundle(root / "colours.ipynb", root / "bundle", store=user_log)
    assert (summary.calls, summary.cells_with_calls) == (2, 2), summary
    yield root / "bundle", user_log


def copy_of(bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundle, tmp_path / "copy"))


def rehash(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        entry["sha256"] = hashlib.sha256((bundle / name).read_bytes()).hexdigest()
    (bundle / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.slow
def test_bundle_holds_the_notebook_its_calls_and_environment(exported: tuple[Path, Path]) -> None:
    bundle, _ = exported
    assert sorted(p.name for p in bundle.iterdir()) == [
        "colours.ipynb",
        "environment.yml",
        "manifest.json",
        "requirements.txt",
        "runlog.jsonl",
        "runlog.sqlite",
    ]
    manifest = verify_bundle(bundle)
    assert manifest["calls"] == 2 and set(manifest["files"]) == {p.name for p in bundle.iterdir()} - {"manifest.json"}
    records = [json.loads(line) for line in (bundle / "runlog.jsonl").read_text().splitlines()]
    assert [r["target"] for r in records] == ["local/smollm2", "local/smollm2"]
    assert all(r["provenance"]["model_file"]["sha256"] and r["provenance"]["cell"] for r in records)
    assert "llama_cpp_python==" in (bundle / "requirements.txt").read_text().replace("-", "_")
    assert "-r requirements.txt" in (bundle / "environment.yml").read_text()
    assert nbformat.read(bundle / "colours.ipynb", as_version=4).cells[1].outputs  # outputs kept


@pytest.mark.slow
def test_reproduce_matches_and_leaves_the_users_log_alone(exported: tuple[Path, Path]) -> None:
    bundle, user_log = exported
    before, count = digest(user_log), sqlite3.connect(user_log).execute("SELECT count(*) FROM calls").fetchone()
    for name in KEYS:
        assert name not in os.environ
    report = reproduce_bundle(bundle, timeout=120)
    assert report.matches, str(report)
    assert (report.calls_recorded, report.calls_replayed) == (2, 2)
    assert digest(user_log) == before
    assert sqlite3.connect(user_log).execute("SELECT count(*) FROM calls").fetchone() == count
    verify_bundle(bundle)  # reproducing changed nothing in the bundle either


@pytest.mark.slow
def test_an_edited_answer_is_reported_once_in_words(exported: tuple[Path, Path], tmp_path: Path) -> None:
    """Cell 2 shows the answer as text and HTML, cell 3 prints it: one difference, no markup, no kernel warning."""
    bundle = copy_of(exported[0], tmp_path)
    lines = (bundle / "runlog.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    original = first["response"]
    first["response"] = "Chartreuse, obviously."
    lines[0] = json.dumps(first, sort_keys=True)
    (bundle / "runlog.jsonl").write_text("\n".join(lines) + "\n")
    conn = sqlite3.connect(bundle / "runlog.sqlite")
    conn.execute("UPDATE calls SET response = ? WHERE call_id = ?", (first["response"], first["call_id"]))
    conn.commit()
    conn.close()
    rehash(bundle)
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "reproduce", str(bundle), "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    expected = (
        f"  - cell 2, local/smollm2: the answer differs: recorded {excerpt(original.split())}, "
        "now 'Chartreuse, obviously.' (also shown in cell 3)"
    )
    assert done.stdout.splitlines()[1:] == ["1 difference:", expected], done.stdout
    assert "without encryption" not in done.stderr, done.stderr  # the reproducing kernel's traffic is encrypted


def reproduction_showing(notebook: nbformat.NotebookNode, old: str, new: str) -> nbformat.NotebookNode:
    """The notebook as a reproduction that got ``new`` for the answer ``old`` would show it (text, HTML, print)."""
    shown = copy.deepcopy(notebook)
    for cell in shown.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = output.text.replace(old, new)
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str):
                    output.data[mime] = value.replace(old, new).replace(html.escape(old), html.escape(new))
    return shown


def test_one_changed_answer_is_one_difference_however_many_outputs_show_it(exported: tuple[Path, Path]) -> None:
    bundle = exported[0]
    original = nbformat.read(bundle / "colours.ipynb", as_version=4)
    first, second = read_log(bundle)
    reproduced = reproduction_showing(original, first.response.strip(), "Chartreuse, obviously.")
    changed = [
        (index, mime)
        for index, (a, b) in enumerate(zip(original.cells, reproduced.cells, strict=True))
        for oa, ob in zip(a.get("outputs", []), b.get("outputs", []), strict=True)
        for mime in set(oa.get("data", {})) | ({"stdout"} if "text" in oa else set())
        if oa.get("data", {}).get(mime, oa.get("text")) != ob.get("data", {}).get(mime, ob.get("text"))
    ]
    assert {(1, "text/html"), (1, "text/plain"), (2, "stdout")} <= set(changed), changed  # three forms, two cells
    calls = [dataclasses.replace(first, response="Chartreuse, obviously."), second]
    assert compare_outputs(original, reproduced, calls) == [
        f"cell 2, local/smollm2: the answer differs: recorded {excerpt(first.response.split())}, "
        "now 'Chartreuse, obviously.' (also shown in cell 3)"
    ]
    assert compare_outputs(original, copy.deepcopy(original), [first, second]) == []


def shown(latency: str, style: str = "") -> nbformat.NotebookNode:
    """A notebook whose one cell shows a latency as plain text and as an HTML table."""
    cell = nbformat.v4.new_code_cell("show()", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/plain": f"latency {latency}",
                "text/html": f"<table><tr><th>latency</th><td{style}>{latency}</td></tr></table>",
            },
        )
    ]
    return nbformat.v4.new_notebook(cells=[cell])


def test_any_other_change_is_one_difference_per_cell_without_markup() -> None:
    differences = compare_outputs(shown("401 ms"), shown("999 ms"))
    assert differences == ["cell 1: the output differs: recorded '401', now '999'"]
    assert compare_outputs(shown("401 ms"), shown("401 ms", " style='color:red'")) == [
        "cell 1: the output's markup differs (its words are the same)"
    ]
    assert compare_outputs(shown("401 ms"), shown("401 ms")) == []


def test_a_tampered_file_fails_clearly(exported: tuple[Path, Path], tmp_path: Path) -> None:
    bundle = copy_of(exported[0], tmp_path)
    with (bundle / "runlog.jsonl").open("a") as handle:
        handle.write("\n")
    result = CliRunner().invoke(cli, ["reproduce", str(bundle)])
    assert result.exit_code == 2
    assert "runlog.jsonl has changed since export" in result.output


def test_a_missing_file_fails_clearly(exported: tuple[Path, Path], tmp_path: Path) -> None:
    bundle = copy_of(exported[0], tmp_path)
    (bundle / "runlog.sqlite").unlink()
    result = CliRunner().invoke(cli, ["reproduce", str(bundle)])
    assert result.exit_code == 2 and "runlog.sqlite is missing" in result.output
    (bundle / "manifest.json").unlink()
    with pytest.raises(BundleError, match=r"manifest\.json is missing"):
        verify_bundle(bundle)


def test_two_logs_that_disagree_fail_clearly(exported: tuple[Path, Path], tmp_path: Path) -> None:
    bundle = copy_of(exported[0], tmp_path)
    (bundle / "runlog.jsonl").write_text("\n".join((bundle / "runlog.jsonl").read_text().splitlines()[1:]) + "\n")
    rehash(bundle)
    with pytest.raises(BundleError, match="disagree on call"):
        verify_bundle(bundle)


def test_export_refuses_an_existing_bundle_path(exported: tuple[Path, Path]) -> None:
    bundle = exported[0]
    with pytest.raises(BundleError, match="already exists"):
        export_bundle(bundle / "colours.ipynb", bundle)
