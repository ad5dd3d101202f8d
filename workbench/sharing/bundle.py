"""Write a bundle (notebook, its calls, environment, manifest) and check one before it is used."""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.errors import BundleError, StoreError
from workbench.records import CallRecord
from workbench.runlog.location import default_location, is_url
from workbench.runlog.store import Store
from workbench.sharing.datafiles import sha256_file

__all__ = [
    "FORMAT",
    "FORMAT_V1",
    "BundleError",
    "ExportSummary",
    "export_bundle",
    "read_log",
    "select_calls",
    "verify_bundle",
]

FORMAT = "hybrid-workbench-bundle/2"
"""The bundle format written in ``manifest.json`` when the bundle carries data files (``data/``)."""
FORMAT_V1 = "hybrid-workbench-bundle/1"
"""The format of a bundle without data files: written for one, so any workbench since /1 reproduces it."""

LOG_SQLITE = "runlog.sqlite"
LOG_JSONL = "runlog.jsonl"


@dataclass(frozen=True)
class ExportSummary:
    """What ``export_bundle`` wrote."""

    path: Path
    notebook: str
    calls: int
    cells_with_calls: int
    stripped: int
    data_files: tuple[str, ...] = ()
    """The data files carried under ``data/``, by their path relative to the notebook."""

    def __str__(self) -> str:
        stripped = f"; {self.stripped} secret(s) stripped from outputs and data" if self.stripped else ""
        data = f" and {len(self.data_files)} data file(s) ({', '.join(self.data_files)})" if self.data_files else ""
        return (
            f"Wrote {self.path}: {self.notebook} with {self.calls} recorded call(s) from "
            f"{self.cells_with_calls} cell(s){data}{stripped}. Reproduce it with: hybrid reproduce {self.path}"
        )


def source_hash(source: str) -> str:
    """The sha256 of a cell's source, as :func:`workbench.runlog.provenance.cell_provenance` records it."""
    return hashlib.sha256(source.encode()).hexdigest()


def _cell_of(record: CallRecord) -> dict[str, Any] | None:
    cell = record.provenance.get("cell")
    return cell if isinstance(cell, dict) else None


def select_calls(notebook: Any, records: Iterable[CallRecord]) -> tuple[list[CallRecord], int]:
    """The recorded calls a notebook's saved outputs came from, and how many cells made calls.

    A record belongs to the code cell with its source hash and execution count; the newest kernel
    session wins where several match. Replays bring the calls they replayed.
    """
    by_id = {r.call_id: r for r in records}
    wanted = {
        (source_hash(c.source), c.execution_count)
        for c in notebook.cells
        if c.cell_type == "code" and c.execution_count is not None
    }
    matches: dict[tuple[str, int], list[CallRecord]] = {}
    for record in by_id.values():
        cell = _cell_of(record)
        if cell is not None and (cell.get("sha256"), cell.get("execution_count")) in wanted:
            matches.setdefault((cell["sha256"], cell["execution_count"]), []).append(record)
    chosen: dict[str, CallRecord] = {}
    for found in matches.values():
        newest = max(found, key=lambda r: r.started_at if not r.replayed else 0.0)
        session = _session(newest)
        for record in found:
            if _session(record) == session:
                chosen[record.call_id] = record
    pending = list(chosen.values())
    while pending:  # a replay needs the recording it replayed
        origin = pending.pop().provenance.get("replay") or {}
        source = by_id.get(str(origin.get("of")))
        if source is not None and source.call_id not in chosen:
            chosen[source.call_id] = source
            pending.append(source)
    ordered = sorted(chosen.values(), key=lambda r: (r.started_at, r.call_id))
    return ordered, len(matches)


def _other_calls(log: Iterable[CallRecord], chosen: list[CallRecord]) -> int:
    """Calls in the run log, made before the notebook's last call, that are not the notebook's own.

    Cells that read the run log showed them to the author; a reproduction cannot.
    """
    if not chosen:
        return 0
    own = {r.call_id for r in chosen}
    last = max(r.started_at for r in chosen)
    return sum(1 for r in log if r.call_id not in own and r.started_at <= last)


def _session(record: CallRecord) -> Any:
    cell = _cell_of(record)
    return cell.get("session") if cell else None


def pinned_requirements() -> list[str]:
    """Every installed distribution as ``name==version``, sorted (``pip freeze`` without the URLs)."""
    pins = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            pins[name.lower()] = f"{name}=={dist.version}"
    return [pins[key] for key in sorted(pins)]


def _environment_yml() -> str:
    version = platform.python_version()
    return (
        "# Recreate the environment this bundle was exported from:\n"
        "#   conda env create -f environment.yml   (pins: requirements.txt)\n"
        "name: hybrid-workbench-reproduce\n"
        "channels:\n  - conda-forge\n"
        f"dependencies:\n  - python={version}\n  - pip\n  - pip:\n      - -r requirements.txt\n"
    )


def write_log(records: list[CallRecord], folder: Path) -> None:
    """The calls as ``runlog.sqlite`` (one self-contained file) and ``runlog.jsonl``."""
    store = Store(folder / LOG_SQLITE)
    store.append_many(records)
    store.close()
    conn = sqlite3.connect(folder / LOG_SQLITE)
    conn.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside it: one file to hash and ship
    conn.close()
    lines = [r.to_json() + "\n" for r in records]
    (folder / LOG_JSONL).write_text("".join(lines), encoding="utf-8")


def read_log(folder: Path) -> list[CallRecord]:
    """The calls in a bundle's ``runlog.jsonl``, in order."""
    text = (folder / LOG_JSONL).read_text(encoding="utf-8")
    try:
        return [CallRecord.from_dict(json.loads(line)) for line in text.splitlines() if line.strip()]
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(
            f"{folder / LOG_JSONL} is not a run log in JSON Lines ({exc}); export the bundle again."
        ) from exc


def export_bundle(
    notebook_path: str | Path,
    output: str | Path,
    *,
    store: Store | str | Path | None = None,
    strip_secrets: bool = False,
    include: Sequence[str | Path] = (),
) -> ExportSummary:
    """Write the bundle for ``notebook_path`` (saved with outputs) to the new directory ``output``.

    Data files its sweeps read, and ``include`` (files or folders inside the notebook's folder), go under ``data/``.
    """
    import nbformat

    from workbench.sharing.datafiles import DATA, carry_data, find_data, write_data
    from workbench.sharing.secrets import check_secrets

    source = Path(notebook_path)
    folder = Path(output)
    if folder.exists() and any(folder.iterdir()):
        raise BundleError(f"{folder} already exists and is not empty; give a new bundle path with -o.")
    try:
        notebook = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as exc:
        raise BundleError(f"Cannot read the notebook {source}: {exc}") from exc
    if isinstance(store, Store):
        everything = store.records()
    else:
        location = store if store is not None else default_location()
        there = is_url(location) or Path(location).exists()  # no log file: no calls
        everything = Store(location, readonly=True).records() if there else []
    records, cells = select_calls(notebook, everything)
    other_calls = _other_calls(everything, records)
    found = find_data(source, records, include)
    notebook, records, stripped = check_secrets(notebook, records, strip=strip_secrets)
    carried = carry_data(found, strip=strip_secrets)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / source.name)
    write_log(records, folder)
    (folder / "requirements.txt").write_text("\n".join(pinned_requirements()) + "\n")
    (folder / "environment.yml").write_text(_environment_yml())
    data = write_data(carried, folder)
    names = [source.name, LOG_SQLITE, LOG_JSONL, "environment.yml", "requirements.txt"]
    names += [f"{DATA}/{entry['path']}" for entry in data]
    manifest = {
        "format": FORMAT if data else FORMAT_V1,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "notebook": source.name,
        "calls": len(records),
        "cells_with_calls": cells,
        "other_calls_in_log": other_calls,
        "mapping": "provenance.cell: sha256 of the cell source + execution count (see workbench.sharing)",
        "workbench": metadata.version("hybrid-workbench"),
        "files": {n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size} for n in names},
    }
    if data:
        manifest["data"] = data
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    stripped += sum(was_stripped for *_, was_stripped in carried)
    return ExportSummary(folder, source.name, len(records), cells, stripped, tuple(e["path"] for e in data))


def verify_bundle(path: str | Path) -> dict[str, Any]:
    """The bundle's manifest, once every listed file is present and unchanged and both logs agree."""
    folder = Path(path)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise BundleError(f"{folder} is not a bundle: manifest.json is missing. Make one with `hybrid export`.")
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
        notebook = manifest["notebook"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{manifest_path} is unreadable ({exc}); export the bundle again.") from exc
    if manifest.get("format") not in (FORMAT_V1, FORMAT):
        raise BundleError(f"{manifest_path}: format {manifest.get('format')!r} is not {FORMAT_V1!r} or {FORMAT!r}.")
    from workbench.sharing.datafiles import check_data_entries

    check_data_entries(manifest)
    for name in {notebook, LOG_SQLITE, LOG_JSONL} - set(files):
        raise BundleError(f"manifest.json does not list {name}; the bundle is incomplete: export it again.")
    for name, expected in sorted(files.items()):
        file = folder / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise BundleError(f"manifest.json names {name!r} outside the bundle; refusing to use it.")
        if not file.is_file():
            raise BundleError(f"{file} is missing: the bundle is incomplete. Export it again or restore the file.")
        actual = sha256_file(file)
        if actual != expected.get("sha256"):
            raise BundleError(
                f"{file} has changed since export: sha256 {actual[:16]}... but the manifest says "
                f"{str(expected.get('sha256'))[:16]}.... Restore the file, or export the bundle again."
            )
    from_jsonl = {r.call_id: r for r in read_log(folder)}
    try:
        opened = Store(folder / LOG_SQLITE, readonly=True)
        from_sqlite = {r.call_id: r for r in opened.records()}
        opened.close()
    except StoreError as exc:
        raise BundleError(f"{folder / LOG_SQLITE} is not a readable run log ({exc}); export it again.") from exc
    for call_id in sorted(set(from_jsonl) | set(from_sqlite)):
        if from_jsonl.get(call_id) != from_sqlite.get(call_id):
            raise BundleError(
                f"{LOG_SQLITE} and {LOG_JSONL} disagree on call {call_id}; they must hold the same calls."
            )
    return dict(manifest)
