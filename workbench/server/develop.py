"""Build (when its sources changed) and install the JupyterLab extension for an editable install.

A wheel (``pip install .``) carries the extension as data files: the prebuilt front end under
``share/jupyter/labextensions/jupyterlab-hybrid`` and the file that enables the server extension
under ``etc/jupyter/jupyter_server_config.d``. An editable install (``pip install -e .``) does not
install data files, so ``python -m workbench.server.develop`` (run by ``make install``) puts the
same two things in place under ``sys.prefix``: a link to ``workbench/labextension`` and a copy of
the config file. Idempotent.

The prebuilt front end is committed, so neither needs Node. ``--build`` rebuilds it from
``extensions/jupyterlab-hybrid`` (``npm ci`` from the npm registry, ``tsc``, ``jupyter labextension
build``) only when the sources' hash differs from the one recorded in ``build.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["LABEXTENSION", "SERVER_CONFIG", "SOURCES", "build", "install", "source_hash"]

_ROOT = Path(__file__).resolve().parents[2]
LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"
"""The prebuilt front end, built from :data:`SOURCES`."""
SOURCES = _ROOT / "extensions" / "jupyterlab-hybrid"
"""The TypeScript sources of the front end."""
SERVER_CONFIG = _ROOT / "jupyter-config" / "jupyter_server_config.d" / "hybrid_workbench.json"
"""The file that enables the ``workbench.server`` server extension."""

_HASHED = ("package.json", "package-lock.json", "tsconfig.json", "src", "schema", "style")


def source_hash(sources: Path = SOURCES) -> str:
    """SHA-256 over the front end's source files (names and contents)."""
    digest = hashlib.sha256()
    for name in _HASHED:
        path = sources / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(sources).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _recorded_hash() -> str | None:
    try:
        return str(json.loads((LABEXTENSION / "build.json").read_text())["source_sha256"])
    except (OSError, ValueError, KeyError):
        return None


def build(force: bool = False) -> bool:
    """Rebuild the prebuilt extension if its sources changed (or ``force``); return whether it built."""
    wanted = source_hash()
    if not force and _recorded_hash() == wanted and (LABEXTENSION / "package.json").is_file():
        return False
    if shutil.which("npm") is None:
        raise RuntimeError("The extension's sources changed and npm is missing: install Node.js 20+ and npm.")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    if not (SOURCES / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SOURCES, env=env, check=True)
    shutil.rmtree(LABEXTENSION, ignore_errors=True)
    subprocess.run(["npm", "run", "build"], cwd=SOURCES, env=env, check=True)
    (LABEXTENSION / "build.json").write_text(json.dumps({"source_sha256": wanted}, indent=1) + "\n")
    return True


def install(prefix: str | Path = sys.prefix) -> list[Path]:
    """Link the labextension and copy the server config under ``prefix``; return what was written."""
    prefix = Path(prefix)
    if not (LABEXTENSION / "package.json").is_file():
        raise FileNotFoundError(f"No prebuilt extension at {LABEXTENSION}; run `python -m {__name__} --build`.")
    link = prefix / "share" / "jupyter" / "labextensions" / "jupyterlab-hybrid"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(LABEXTENSION, target_is_directory=True)
    config = prefix / "etc" / "jupyter" / "jupyter_server_config.d" / SERVER_CONFIG.name
    config.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SERVER_CONFIG, config)
    return [link, config]


def main(argv: list[str] | None = None) -> None:
    """``python -m workbench.server.develop [--build] [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--build", action="store_true", help="rebuild the front end first if its sources changed")
    parser.add_argument("--force", action="store_true", help="with --build: rebuild even if unchanged")
    args = parser.parse_args(argv)
    if args.build:
        print("built workbench/labextension" if build(args.force) else "workbench/labextension is up to date")
    for written in install():
        print(f"installed {written}")


if __name__ == "__main__":
    main()
