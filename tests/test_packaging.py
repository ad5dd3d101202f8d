"""Set-up promises: conda and pip agree, the README opens with the three commands, import stays light."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {line for line in pip_section if not line.startswith("-e")}
    assert listed == set(project["dependencies"])
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]


def test_no_compromised_litellm_is_allowed() -> None:
    from packaging.specifiers import SpecifierSet

    spec = next(
        d
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("litellm")
    )
    allowed = SpecifierSet(spec.removeprefix("litellm"))
    assert "1.82.7" not in allowed and "1.82.8" not in allowed


def test_readme_opens_with_the_three_commands() -> None:
    lines = [
        line.split("#")[0].strip() for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("make ")
    ]
    assert lines[:3] == ["make demo", "make lab", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_import_workbench_does_not_import_litellm() -> None:
    code = "import sys, workbench; workbench.Request; print('litellm' in sys.modules, 'llama_cpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_make_test_without_chromium_stops_with_one_line_naming_the_command(tmp_path: Path) -> None:
    """Not root and no Chromium: `make test` installs nothing and says what to run (or how to opt out)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")  # a user, not root
    (bin_dir / "id").chmod(0o755)
    (bin_dir / "uname").symlink_to(shutil.which("uname") or "/bin/uname")
    make = shutil.which("make")
    assert make, "make is not installed: apt-get install -y make"
    done = subprocess.run([make, "-s", "chromium"], cwd=ROOT, env={"PATH": str(bin_dir)}, capture_output=True,
                          text=True)
    assert done.returncode != 0 and done.stdout == ""
    line, *rest = done.stderr.splitlines()  # then only make's own "*** Error" line
    assert len(rest) <= 1 and all("Error" in r for r in rest), done.stderr
    assert "sudo apt-get update && sudo apt-get install -y chromium chromium-driver" in line
    assert "make test-fast" in line
    assert "test: chromium " in (ROOT / "Makefile").read_text()  # the check runs before the suite
