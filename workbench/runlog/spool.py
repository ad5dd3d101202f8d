"""Calls the run log could not take, kept in a JSON Lines file until it can.

When an append fails (a read-only or damaged file, a newer schema), the records go to the spool:
``RUNLOG.unrecorded.jsonl`` beside the run log, or, where that folder is not writable, a file
under ``$XDG_CACHE_HOME/hybrid-workbench/unrecorded/`` named after the run log's path. A
PostgreSQL log (a URL, its password masked) has only the second, named after the URL. The next
writer that opens the run log, or ``hybrid store recover``, writes them in (once: the call id is
the key) and removes the spool.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from workbench.records import CallRecord
from workbench.runlog.location import is_url, masked

__all__ = ["read_spool", "remove_spool", "spool_paths", "write_spool"]


def spool_paths(log_path: Path | str) -> tuple[Path, ...]:
    """Where the unrecorded calls of a log are kept: beside its file, else in the user's cache (a URL: the cache)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hybrid-workbench" / "unrecorded"
    if is_url(log_path):
        where = masked(str(log_path))  # the same log whichever way the password was given
        return (cache / f"postgresql-{hashlib.sha256(where.encode()).hexdigest()[:16]}.jsonl",)
    resolved = Path(log_path).expanduser().resolve()
    beside = resolved.with_name(resolved.name + ".unrecorded.jsonl")
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    return beside, cache / f"{resolved.name}-{digest}.jsonl"


def write_spool(records: Iterable[CallRecord], log_path: Path | str) -> Path:
    """Append ``records`` durably to the first writable spool file of ``log_path``; return it.

    Raises :class:`OSError` when neither place can be written.
    """
    lines = "".join(r.to_json() + "\n" for r in records)
    last: OSError | None = None
    for path in spool_paths(log_path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
            return path
        except OSError as exc:
            last = exc
    assert last is not None
    raise last


def read_spool(log_path: Path | str) -> list[CallRecord]:
    """Every spooled record of ``log_path``, once each (the last copy of a call id wins), oldest first."""
    found: dict[str, CallRecord] = {}
    for path in spool_paths(log_path):
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = CallRecord.from_dict(json.loads(line))
                found[record.call_id] = record
    return sorted(found.values(), key=lambda r: r.started_at)


def remove_spool(log_path: Path | str) -> None:
    """Remove the spool files of ``log_path`` (after their records were written)."""
    for path in spool_paths(log_path):
        path.unlink(missing_ok=True)
