"""The data files a bundle carries: found from the sweeps' tags and ``--include``, checked, packed, laid out.

A sweep's calls name each file they read and its sha256 (``provenance["sweep"]["data"]``, see
:mod:`workbench.evaluate.sources`), relative to the notebook's folder. Export carries each one that
is inside that folder and unchanged, plus every ``--include`` path, under ``data/`` at the same
relative path, and lists them in the manifest's ``data``; any other case refuses the export with one
line per file saying what to do. A data file is scanned for secrets like the notebook. Reproduce
copies them beside the notebook at the same relative paths, never outside its working directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from workbench.errors import BundleError
from workbench.records import CallRecord

__all__ = ["DATA", "DataFile", "carry_data", "check_data_entries", "find_data", "lay_out_data", "write_data"]

DATA = "data"
"""The bundle folder that holds the data files, at their paths relative to the notebook."""


@dataclass(frozen=True)
class DataFile:
    """One file to carry: its path relative to the notebook's folder, where it is now, and why it goes."""

    path: str
    source: Path
    reason: str


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, hex (the bundle's manifest and a sweep's data tag both hold it)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _inside(path: Path, folder: Path) -> str | None:
    """``path``'s posix path relative to ``folder``, or ``None`` when it is not inside it."""
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return None
    return relative.as_posix() if relative.parts else None


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _recorded(records: Iterable[CallRecord]) -> dict[tuple[str, str], str]:
    """(path, sha256) -> the sweep that read it, from the calls' sweep tags."""
    found: dict[tuple[str, str], str] = {}
    for record in records:
        tag = record.provenance.get("sweep")
        if not isinstance(tag, Mapping):
            continue
        entries = tag.get("data")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and {"path", "sha256"} <= set(entry):
                found.setdefault((str(entry["path"]), str(entry["sha256"])), str(tag.get("name")))
    return found


def _included(paths: Sequence[str | os.PathLike[str]], folder: Path, problems: list[str]) -> list[DataFile]:
    files: list[DataFile] = []
    for given in map(Path, paths):
        if not given.exists():
            problems.append(f"--include {given}: no such file; check the path.")
            continue
        found = [given]
        if given.is_dir():  # hidden files and folders (.ipynb_checkpoints, .workbench) stay behind
            found = sorted(p for p in given.rglob("*") if p.is_file() and not _hidden(p.relative_to(given)))
        for path in found:
            relative = _inside(path, folder)
            if relative is None:
                problems.append(
                    f"--include {path} is outside the notebook's folder {folder}: reproduce lays data out "
                    "beside the notebook, so move it into that folder and point the notebook at it."
                )
            else:
                files.append(DataFile(relative, path, "--include"))
    return files


def find_data(
    notebook: Path, records: Iterable[CallRecord], include: Sequence[str | os.PathLike[str]] = ()
) -> list[DataFile]:
    """The data files to carry for ``notebook``: those its sweeps read (unchanged), and ``include``.

    Raises one :class:`BundleError` with a line per file that cannot go (outside the notebook's
    folder, missing, or changed since the sweep read it), saying what to do.
    """
    folder = notebook.parent
    problems: list[str] = []
    files: dict[str, DataFile] = {}
    for (path, sha256), sweep in sorted(_recorded(records).items()):
        file = folder / path
        relative = _inside(file, folder)
        if relative is None:
            problems.append(
                f"{path} (read by sweep {sweep}) is outside the notebook's folder {folder}: copy it into that "
                "folder, read it from there, re-run the notebook and export again."
            )
        elif not file.is_file():
            problems.append(f"{file} (read by sweep {sweep}) is missing: restore it and export again.")
        elif (actual := sha256_file(file)) != sha256:
            problems.append(
                f"{file} has changed since sweep {sweep} read it (sha256 {sha256[:12]}..., now {actual[:12]}...): "
                "restore that version, or re-run the notebook on this one, save it and export again."
            )
        else:
            files.setdefault(relative, DataFile(relative, file, f"sweep {sweep}"))
    for extra in _included(include, folder, problems):
        if extra.path != notebook.name:  # always in the bundle already
            files.setdefault(extra.path, extra)
    if problems:
        raise BundleError("Cannot carry the notebook's data files. Nothing was written.\n" + "\n".join(problems))
    return [files[name] for name in sorted(files)]


def _content(file: DataFile, strip: bool) -> tuple[bytes, bool]:
    from workbench.sharing.secrets import has_secret, strip_strings

    raw = file.source.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if not has_secret(text):
        return raw, False
    what = (
        f"A secret (an API key, a token, or the value of a secret-looking environment variable) is in the data "
        f"file {file.path}"
    )
    if not strip:
        raise BundleError(
            f"{what}. Remove it from the file (keys belong in the environment or a .env file), re-run the "
            "notebook, and export again, or pass --strip-secrets to replace it with [REDACTED] in the bundle. "
            "Nothing was written."
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(
            f"{what}, which is not text, so it cannot be stripped: remove it. Nothing was written."
        ) from None
    return str(strip_strings(text)).encode("utf-8"), True


def carry_data(files: Sequence[DataFile], *, strip: bool) -> list[tuple[DataFile, bytes, bool]]:
    """Each file's bytes to pack (secrets stripped if ``strip``) and whether it was stripped; refuses a secret."""
    return [(file, *_content(file, strip)) for file in files]


def write_data(carried: Sequence[tuple[DataFile, bytes, bool]], folder: Path) -> list[dict[str, Any]]:
    """Write the files under ``folder/data/`` and return the manifest's ``data`` entries."""
    entries = []
    for file, content, stripped in carried:
        target = folder / DATA / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        entry = {"path": file.path, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        entries.append({**entry, "from": file.reason, **({"stripped": True} if stripped else {})})
    return entries


def _safe(path: Any) -> PurePosixPath:
    text = str(path)
    parts = text.split("/")
    if "\\" in text or ":" in parts[0] or any(p in ("..", ".", "") for p in parts):  # also absolute: "/x"
        raise BundleError(f"manifest.json names the data file {text!r} outside the bundle; refusing to use it.")
    return PurePosixPath(text)


def check_data_entries(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The manifest's data entries, each a safe relative path whose file the manifest lists with its hash."""
    entries = manifest.get("data", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "path" in e for e in entries):
        raise BundleError("manifest.json: its data list is unreadable; export the bundle again.")
    files = manifest["files"]
    for entry in entries:
        name = f"{DATA}/{_safe(entry['path'])}"
        if name not in files or files[name].get("sha256") != entry.get("sha256"):
            raise BundleError(f"manifest.json does not list {name} with the data file's hash; export it again.")
    return list(entries)


def lay_out_data(bundle: Path, entries: Sequence[Mapping[str, Any]], workdir: Path, taken: set[str]) -> list[str]:
    """Copy each data file beside the notebook in ``workdir`` at its relative path; the paths laid out."""
    base = workdir.resolve()
    laid = []
    for entry in entries:
        relative = _safe(entry["path"])
        target = workdir / relative
        if relative.as_posix() in taken or not target.resolve().is_relative_to(base):
            raise BundleError(f"manifest.json lays out the data file {relative} over {target}; refusing to use it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundle / DATA / relative, target)
        laid.append(relative.as_posix())
    return laid
