"""Every notebook in notebooks/ survives its own export and reproduce, as a user sharing it would do it.

Execute it in a clean folder against a fresh run log, ``hybrid export`` it, then ``hybrid
reproduce`` the bundle from another clean folder: exit 0, no differences. A notebook added to
notebooks/ is picked up here without a change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_hybrid

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reproduces_from_its_bundle(path: Path, tmp_path: Path) -> None:
    author = tmp_path / "author"
    shutil.copytree(path.parent, author)  # data files beside the notebook are found as in notebooks/
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    run_env = {**env, "WORKBENCH_STORE": str(author / ".workbench" / "runs.sqlite")}
    executed = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace", path.name],
        cwd=author,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert executed.returncode == 0, executed.stderr[-3000:]

    exported = run_hybrid("export", path.name, "-o", tmp_path / "bundle", cwd=author, env=run_env)
    assert exported.returncode == 0, exported.stderr
    assert "Wrote" in exported.stdout

    elsewhere = tmp_path / "colleague"
    elsewhere.mkdir()
    reproduced = run_hybrid("reproduce", tmp_path / "bundle", cwd=elsewhere, env=env)
    assert reproduced.returncode == 0, reproduced.stdout + reproduced.stderr
    assert "All outputs and figures match the bundle." in reproduced.stdout
    assert sorted(p.name for p in elsewhere.iterdir()) == [], "reproduce must leave the folder it runs from alone"
