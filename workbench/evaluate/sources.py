"""Which data files a sweep read, recorded in its calls' provenance so ``hybrid export`` can carry them.

A sweep's tag gains ``"data": [{"path": "questions.csv", "sha256": "..."}]``: each file's path
relative to the working directory (a notebook kernel's is the notebook's folder; ``../`` when
outside it) and the sha256 of its bytes when the sweep started. A sweep over a file path (or a
:class:`Dataset` read from one) names that file; a sweep over a DataFrame names the files that the
notebook cell which last assigned the variable names in string literals
(``questions = pandas.read_csv("questions.csv")``), found by :func:`files_behind`.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench.evaluate.datasets import Dataset
from workbench.evaluate.readers import SUFFIXES

__all__ = ["data_entries", "files_behind", "files_named_in"]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _relative(path: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return Path(absolute).as_posix()


def data_entries(data: Any, named: Iterable[str | os.PathLike[str]] = ()) -> list[dict[str, str]]:
    """The ``data`` tag of a sweep over ``data``: each file it came from (and ``named``), path and sha256."""
    candidates: list[Path] = [Path(p) for p in named]
    if isinstance(data, str | os.PathLike):
        candidates.insert(0, Path(data))
    elif isinstance(data, Dataset):
        candidates.insert(0, Path(data.source))  # the path it was read from, or "DataFrame", "list"
    entries: dict[str, dict[str, str]] = {}
    for path in candidates:
        if path.is_file():
            relative = _relative(path)
            entries.setdefault(relative, {"path": relative, "sha256": _sha256(path)})
    return list(entries.values())


def files_named_in(source: str, base: Path | None = None) -> list[Path]:
    """Existing data files (by suffix) that ``source`` names in string literals, relative to ``base``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[Path] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 1000:
            text = node.value.strip()
            if text.lower().endswith(SUFFIXES) and "\n" not in text:
                path = (base or Path()) / Path(text).expanduser()
                if path.is_file() and path not in found:
                    found.append(path)
    return found


def _assigns(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            targets = [node.target]
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            return True
    return False


def files_behind(name: str, cells: Sequence[str]) -> list[Path]:
    """The data files named in the last of ``cells`` (executed sources, oldest first) that assigns ``name``."""
    for source in reversed(cells):
        if _assigns(source, name):
            return files_named_in(source)
    return []
