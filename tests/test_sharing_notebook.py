"""Notebook 03 (sharing), run as a user runs it: its outputs show no kernel warning, no temporary path, and the
edited answer as one difference in words."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_sharing.ipynb"


@pytest.mark.slow
def test_sharing_notebook_outputs_are_clean(tmp_path: Path) -> None:
    work = Path(shutil.copytree(NOTEBOOK.parent, tmp_path / "notebooks"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # ipykernel shows what its child processes write to stderr (as a user sees it) only outside pytest.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}})
    client.execute(env=env)
    outputs = [(i + 1, o) for i, c in enumerate(nb.cells) for o in c.get("outputs", [])]
    errors = [(i, o.ename, o.evalue) for i, o in outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [(i, o.text) for i, o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr  # the nested kernels' "running over TCP without encryption" warning came here
    shown = nbformat.writes(nb)
    for path in (tempfile.gettempdir(), "sharing-demo-", "hybrid-reproduce-"):
        assert shown.count(path) == (1 if path == "sharing-demo-" else 0), path  # once: the cell's own source
    printed = "".join(o.text for _, o in outputs if o.output_type == "stream")
    edited = printed[printed.index("$ hybrid reproduce edited") :].splitlines()
    assert edited[2] == "1 difference:", edited
    assert edited[3].startswith("  - cell 2, local/smollm2: the answer differs: recorded '"), edited
    assert edited[3].endswith(", now 'Chartreuse.' (also shown in cell 3)"), edited
    assert not {"<", ">", "{", "}"} & set(edited[3]), edited[3]  # words, not HTML or JSON
