"""Every notebook in notebooks/ is committed without outputs and executes end to end on the real local model."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")
# What a notebook prints when it did its job (the quickstart is checked by its outputs and run log below).
PRINTED = {
    "02_routing_experiments.ipynb": ("GSM8K: best policy '", "MMLU (19 subjects): best policy '", "saving claim"),
    "03_sharing.ipynb": ("replayed: True | same answer: True | same latency: True", "ReplayMissing - "),
    "04_evaluate_and_route.ipynb": (
        "Cloud side: openai/gpt-4o-mini-standin, a loopback STAND-IN, not a model (no OPENAI_API_KEY)",
        "policies drawn: learned, learned-per-dollar, cascade",
        "learned, half of 10 held-out questions escalated",
        "cascade, half of 10 held-out questions escalated",
    ),
}


def test_there_are_notebooks() -> None:
    assert any(p.name == "01_quickstart.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in a copy of notebooks/ (so data files beside it are found) with its own run log, no keys."""
    work = tmp_path / "notebooks"
    shutil.copytree(path.parent, work)
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "runs.sqlite"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}})
    started = time.monotonic()
    client.execute()
    took = time.monotonic() - started
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")
    for line in PRINTED.get(path.name, ()):
        assert line in printed, f"{path.name} did not print {line!r}:\n{printed}"
    print(f"{path.name}: executed in {took:.1f} s")
    if path.name == "01_quickstart.ipynb":
        check_quickstart_outputs(nb)
        check_quickstart_log(tmp_path / "runs.sqlite", took)


def check_quickstart_outputs(nb: nbformat.NotebookNode) -> None:
    """Each %%hybrid cell shows its finished panel (static HTML and text, no widget view) and a one-line result."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%hybrid")]
    assert len(cells) == 4
    for cell in cells:
        kinds = [(o.output_type, sorted(o.get("data", {}))) for o in cell.outputs]
        assert kinds == [("display_data", ["text/html", "text/plain"]), ("execute_result", ["text/html", "text/plain"])]
        assert "workbench-panel" in cell.outputs[0].data["text/html"]
        assert "recorded" in cell.outputs[1].data["text/html"]


def check_quickstart_log(log: Path, took: float) -> None:
    """The quickstart's calls are all in its run log: local ones answered, the keyless cloud one not sent."""
    from workbench.runlog.store import Store

    records = Store(log).records()
    local = [r for r in records if r.target.startswith("local/smollm2")]
    cloud = [r for r in records if r.target == "openai/gpt-4o-mini"]
    assert len(local) == 8 and all(r.ok and r.response for r in local)
    (variant,) = [r for r in local if r.target != "local/smollm2"]  # the first comparison's second column
    assert variant.target == "local/smollm2[temperature=0.9]" and variant.params["temperature"] == 0.9
    assert [(r.error_type, r.cost_basis) for r in cloud] == [("MissingKeyError", "not sent")]
    assert took < 120, f"the quickstart took {took:.0f} s; keep max_tokens small"
