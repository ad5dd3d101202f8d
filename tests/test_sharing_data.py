"""Bundles carry the data files a notebook's sweeps read: a notebook that sweeps a CSV beside it (read into a
DataFrame) and a JSON Lines file in a subfolder (by path) on the real local model is exported with
``hybrid export``, reproduced from another empty folder with ``hybrid reproduce``, and matches. A changed
data file is named at export, a secret in one refuses the export, a tampered data path is refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from tests.support.cli import run_hybrid
from tests.test_privacy_e2e import PLANTED_KEY, fragments
from tests.test_sharing import execute, rehash
from workbench.cli import cli
from workbench.runlog.store import Store
from workbench.sharing import BundleError, export_bundle, reproduce_bundle, verify_bundle
from workbench.sharing.bundle import FORMAT, FORMAT_V1

QUESTIONS = "id,question,answer\nq1,What is 2 + 2?,4\nq2,What is 3 + 5?,8\n"
MORE = '{"id": "m1", "q": "Name a colour."}\n{"id": "m2", "q": "Name a fruit."}\n'
CELLS = [
    'import pandas as pd\nimport workbench\n%load_ext workbench\nquestions = pd.read_csv("questions.csv")',
    "%%hybrid --dataset questions --id-column id --grade exact:answer --name frame -t local/smollm2 "
    "--temperature 0 --seed 0 --max-tokens 4 -o frame\nQ: {question}\nA:",
    'by_path = workbench.sweep("inputs/more.jsonl", "{q}", targets=["local/smollm2"], name="path", id_column="id",'
    " temperature=0, seed=0, max_tokens=4)\n"
    'print(by_path.to_pandas()[["item_id", "answer"]].to_string())',
    'print(open("notes.txt").read())',  # only --include brings this file along
]


def hybrid(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``hybrid ARGS`` with no ``WORKBENCH_*`` setting of this process's leaking in."""
    return run_hybrid(*args, cwd=cwd, env={k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")})


def run_notebook(folder: Path, cells: list[str], log: Path, name: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, folder, log)
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    nbformat.write(notebook, folder / name)
    return folder / name


@pytest.fixture(scope="module")
def authored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the author's folder holding sweeps.ipynb and its data, the run log it recorded into)."""
    author = tmp_path_factory.mktemp("data") / "author"
    (author / "inputs").mkdir(parents=True)
    (author / "questions.csv").write_text(QUESTIONS)
    (author / "inputs" / "more.jsonl").write_text(MORE)
    (author / "notes.txt").write_text("Questions written by hand.\n")
    log = author.parent / "runs.sqlite"
    run_notebook(author, CELLS, log, "sweeps.ipynb")
    yield author, log


@pytest.fixture(scope="module")
def bundle(authored: tuple[Path, Path]) -> Path:
    author, log = authored
    out = author.parent / "bundle"
    done = hybrid("export", "sweeps.ipynb", "-o", out, "--store", log, "--include", "notes.txt", cwd=author)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 data file(s) (inputs/more.jsonl, notes.txt, questions.csv)" in done.stdout, done.stdout
    return out


@pytest.mark.slow
def test_the_sweeps_record_the_files_they_read(authored: tuple[Path, Path]) -> None:
    author, log = authored
    tags = {json.dumps(r.provenance["sweep"].get("data")) for r in Store(log, readonly=True).records()}
    digest = hashlib.sha256((author / "questions.csv").read_bytes()).hexdigest()
    assert json.dumps([{"path": "questions.csv", "sha256": digest}]) in tags, tags  # read into a DataFrame
    assert any('"inputs/more.jsonl"' in t for t in tags), tags  # the path


@pytest.mark.slow
def test_a_notebook_sweeping_data_beside_it_reproduces_elsewhere(bundle: Path, tmp_path: Path) -> None:
    manifest = verify_bundle(bundle)
    assert manifest["format"] == FORMAT
    carried = {e["path"]: e for e in manifest["data"]}
    assert {p: e["from"] for p, e in carried.items()} == {
        "inputs/more.jsonl": "sweep path",
        "notes.txt": "--include",
        "questions.csv": "sweep frame",
    }
    assert (bundle / "data" / "questions.csv").read_text() == QUESTIONS
    assert manifest["files"]["data/inputs/more.jsonl"]["sha256"] == carried["inputs/more.jsonl"]["sha256"]

    elsewhere = tmp_path / "colleague"
    elsewhere.mkdir()
    done = hybrid("reproduce", bundle, cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Data laid out beside the notebook: inputs/more.jsonl, notes.txt, questions.csv." in done.stdout
    assert "All outputs and figures match the bundle." in done.stdout
    assert "4 call(s) replayed from 4 recorded" in done.stdout
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_a_changed_data_file_is_named_at_export(authored: tuple[Path, Path], tmp_path: Path) -> None:
    author = Path(shutil.copytree(authored[0], tmp_path / "author"))
    with (author / "questions.csv").open("a") as handle:
        handle.write("q3,What is 1 + 1?,2\n")
    with pytest.raises(BundleError) as refused:
        export_bundle(author / "sweeps.ipynb", tmp_path / "bundle", store=authored[1])
    lines = str(refused.value).splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{author / 'questions.csv'} has changed since sweep frame read it")
    assert "re-run the notebook" in lines[1]
    assert not (tmp_path / "bundle").exists()

    (author / "questions.csv").write_text(QUESTIONS)
    outside = tmp_path / "outside.txt"
    outside.write_text("not beside the notebook\n")
    with pytest.raises(BundleError, match=r"--include .*outside\.txt is outside the notebook's folder"):
        export_bundle(author / "sweeps.ipynb", tmp_path / "bundle", store=authored[1], include=[outside])
    (author / "inputs" / "more.jsonl").unlink()
    with pytest.raises(BundleError, match=r"more\.jsonl \(read by sweep path\) is missing"):
        export_bundle(author / "sweeps.ipynb", tmp_path / "bundle", store=authored[1])


@pytest.mark.slow
def test_a_secret_in_a_data_file_refuses_the_export(tmp_path: Path) -> None:
    (tmp_path / "keyed.csv").write_text(f"id,word,note\nw1,hello,{PLANTED_KEY}\n")
    cells = [
        'import workbench\nres = workbench.sweep("keyed.csv", "Say {word}.", targets=["local/smollm2"], '
        'name="keyed", id_column="id", temperature=0, seed=0, max_tokens=2)'
    ]
    log = tmp_path / "runs.sqlite"
    run_notebook(tmp_path, cells, log, "keyed.ipynb")
    with pytest.raises(BundleError, match=r"in the data file keyed\.csv\. Remove it") as refused:
        export_bundle(tmp_path / "keyed.ipynb", tmp_path / "refused", store=log)
    assert not any(piece in str(refused.value) for piece in fragments(PLANTED_KEY))
    assert not (tmp_path / "refused").exists()

    summary = export_bundle(tmp_path / "keyed.ipynb", tmp_path / "stripped", store=log, strip_secrets=True)
    assert summary.stripped == 1 and summary.data_files == ("keyed.csv",)
    assert "[REDACTED]" in (tmp_path / "stripped" / "data" / "keyed.csv").read_text()
    for file in (tmp_path / "stripped").rglob("*"):
        if file.is_file():
            text = file.read_bytes().decode("latin-1")
            assert not any(piece in text for piece in fragments(PLANTED_KEY)), file
    verify_bundle(tmp_path / "stripped")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["../x", "a/../../x", "/tmp/x", "./x"])
def test_a_data_path_out_of_the_bundle_is_refused(bundle: Path, tmp_path: Path, path: str) -> None:
    copy = Path(shutil.copytree(bundle, tmp_path / "copy"))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["data"][1]["path"] = path
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="outside the bundle; refusing"):
        verify_bundle(copy)


@pytest.mark.slow
def test_reproduce_refuses_a_tampered_path_and_writes_nothing_outside(bundle: Path, tmp_path: Path) -> None:
    """The tamperer moves the file and rehashes: the manifest is consistent, and still refused."""
    copy = Path(shutil.copytree(bundle, tmp_path / "copy"))
    escaped = f"escaped-{uuid.uuid4().hex}.txt"
    manifest = json.loads((copy / "manifest.json").read_text())
    entry = next(e for e in manifest["data"] if e["path"] == "notes.txt")
    entry["path"] = f"../{escaped}"
    manifest["files"][f"data/../{escaped}"] = manifest["files"].pop("data/notes.txt")
    (copy / "data" / "notes.txt").rename(copy / escaped)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    rehash(copy)
    result = CliRunner().invoke(cli, ["reproduce", str(copy)])
    assert result.exit_code == 2, result.output
    assert f"manifest.json names the data file '../{escaped}' outside the bundle" in result.output
    assert not (Path(os.environ.get("TMPDIR", "/tmp")) / escaped).exists()


@pytest.mark.slow
def test_a_bundle_without_data_keeps_the_old_format_and_reproduces(tmp_path: Path) -> None:
    cells = [
        'import workbench\nr = workbench.run("Name a colour.", ["local/smollm2"], max_tokens=4, temperature=0)',
        "print(r[0].response)",
    ]
    run_notebook(tmp_path, cells, tmp_path / "runs.sqlite", "plain.ipynb")
    summary = export_bundle(tmp_path / "plain.ipynb", tmp_path / "bundle", store=tmp_path / "runs.sqlite")
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["format"] == FORMAT_V1 and "data" not in manifest and summary.data_files == ()
    assert not (tmp_path / "bundle" / "data").exists()
    report = reproduce_bundle(tmp_path / "bundle", timeout=120)
    assert report.matches and report.calls_replayed == 1 and report.data_files == [], str(report)


@pytest.mark.slow
def test_include_a_folder_carries_its_files_but_not_hidden_ones(authored: tuple[Path, Path], tmp_path: Path) -> None:
    author = Path(shutil.copytree(authored[0], tmp_path / "author"))
    (author / ".ipynb_checkpoints").mkdir()
    (author / ".ipynb_checkpoints" / "sweeps-checkpoint.ipynb").write_text("{}")
    (author / ".env").write_text("NOT_SHARED=1\n")
    summary = export_bundle(author / "sweeps.ipynb", tmp_path / "bundle", store=authored[1], include=[author])
    assert summary.data_files == ("inputs/more.jsonl", "notes.txt", "questions.csv")
    assert sorted(p.name for p in (tmp_path / "bundle" / "data").iterdir()) == ["inputs", "notes.txt", "questions.csv"]
