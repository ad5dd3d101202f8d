"""Replay: answer a call from the run log instead of the model, and say so on the record.

Modes (``RunOptions.replay``, ``workbench.run(..., replay=...)``; the default comes from the
``WORKBENCH_REPLAY`` environment variable, else ``off``):

- ``off``: every call runs live;
- ``on``: a call recorded before is answered from the log; one never recorded runs live;
- ``strict``: a call never recorded fails with :class:`~workbench.errors.ReplayMissing`, and
  nothing is sent anywhere (what ``hybrid reproduce`` uses).

A call matches a recording when the target spec is the same and the request fingerprint
(:func:`workbench.runlog.provenance.request_hash`: messages, sampling parameters and guard action) is
the same; the look-up uses the run log's ``(request_hash, target)`` index. Only calls made live
are candidates, never earlier replays. When a request was recorded several times, calls from the
same notebook cell source are preferred, and successive calls in a process get the recordings in
the order they were made (a notebook run top to bottom gets each of its answers back), then the
newest one again.

A replayed record is the recorded one with a new ``call_id`` and ``run_id`` and
``replayed=True``; its figures (latency, tokens, cost, ...) are the recorded figures. Its
provenance is the recording's, with ``cell`` set to the cell that replayed it and ``replay``
naming the call it came from.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Mapping
from typing import Any

from workbench.errors import ConfigError, ReplayMissing
from workbench.records import CallRecord
from workbench.records.choices import REPLAY_MODES
from workbench.runlog.provenance import canonical
from workbench.runlog.store import Store, open_store

__all__ = [
    "ReplayMissing",
    "check_mode",
    "default_mode",
    "default_source",
    "find",
    "missing",
    "replay_source",
    "replayed_copy",
]

"""Replay modes, from never to always answering from the run log."""

_ENV = "WORKBENCH_REPLAY"
_SOURCE_ENV = "WORKBENCH_REPLAY_FROM"
_cursor_lock = threading.Lock()
_served: dict[tuple[str, str, str, str | None], int] = {}


def check_mode(mode: str) -> str:
    """``mode`` if it is a replay mode; a :class:`ConfigError` naming the choices otherwise."""
    if mode not in REPLAY_MODES:
        raise ConfigError(f"replay={mode!r} is not a replay mode; use one of {', '.join(REPLAY_MODES)}.")
    return mode


def default_mode() -> str:
    """The replay mode when none is given: ``$WORKBENCH_REPLAY`` (off, on or strict), else ``off``."""
    value = os.environ.get(_ENV, "").strip().lower() or "off"
    if value not in REPLAY_MODES:
        raise ConfigError(f"{_ENV}={value!r} is not a replay mode; set it to one of {', '.join(REPLAY_MODES)}.")
    return value


def default_source() -> str | None:
    """The run log replayed calls are answered from when it is not the one written to: ``$WORKBENCH_REPLAY_FROM``.

    ``hybrid reproduce`` sets it to the bundle's log, so the notebook writes into a fresh log and
    sees, cell by cell, the run log its author saw.
    """
    return os.environ.get(_SOURCE_ENV) or None


def replay_source(mode: str, replay_from: str | None, log: Store | None) -> Store | None:
    """Where a run looks recordings up: ``replay_from`` (read only), else the log it writes (else the default)."""
    if mode == "off":
        return None
    if replay_from:
        return Store(replay_from, readonly=True)
    return log if log is not None else open_store()


def _cell_sha(provenance: Any) -> str | None:
    cell = provenance.get("cell") if isinstance(provenance, dict) else None
    return cell.get("sha256") if isinstance(cell, dict) else None


def find(store: Store, target: str, request_hash: str, cell: dict[str, Any] | None = None) -> CallRecord | None:
    """The recording to answer this call with, or ``None`` when ``target`` never got this request."""
    candidates = store.recorded(target, request_hash)
    if not candidates:
        return None
    cell_sha = cell.get("sha256") if cell else None
    same_cell = [r for r in candidates if cell_sha is not None and _cell_sha(r.provenance) == cell_sha]
    pool = same_cell or candidates
    key = (str(store.path), target, request_hash, cell_sha if same_cell else None)
    with _cursor_lock:
        index = _served.get(key, 0)
        _served[key] = index + 1
    return pool[min(index, len(pool) - 1)]


CALL_TAGS = ("sweep", "judge")
"""Provenance keys that say what a call was made for (a sweep's cell, a judge's verdict): a replay carries
the tags of the call it answers, never the recording's."""


def replayed_copy(
    recorded: CallRecord,
    *,
    call_id: str,
    run_id: str,
    mode: str,
    cell: dict[str, Any] | None,
    tags: Mapping[str, Any] | None = None,
) -> CallRecord:
    """The record a replayed call returns: the recorded figures, new ids, marked replayed, this call's tags."""
    kept = {k: v for k, v in recorded.provenance.items() if k not in CALL_TAGS}
    replay = {"cell": cell, "replay": {"of": recorded.call_id, "mode": mode}}
    provenance = canonical({**kept, **replay, **(tags or {})})
    return dataclasses.replace(recorded, call_id=call_id, run_id=run_id, replayed=True, provenance=provenance)


def missing(target: str, store: Store) -> ReplayMissing:
    """The error for a call that strict replay cannot answer."""
    return ReplayMissing(
        f"replay='strict': {target} was never recorded with this request (same messages, parameters and "
        f"guard) in the run log at {store.path}. Run it with replay='on' to call it live, or record it first."
    )
