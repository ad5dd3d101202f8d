"""Read-only queries over the run log's ``calls`` table, for the JupyterLab sidebar and status bar.

Every figure the front end shows is computed here, once, in SQL over the table that
:class:`workbench.store.Store` writes; the front end only renders. Connections are opened
read-only (``mode=ro``): the server never creates, migrates or writes a run log.

Every text that leaves this module goes through :func:`workbench.privacy.redact_secrets`
(see :func:`scrub`), so no key reaches the browser even if one reached the log.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from workbench.pricing import NOT_SENT
from workbench.privacy import redact_secrets

__all__ = [
    "LEFT_DEVICE_SQL",
    "MAX_PAGE",
    "PREVIEW_CHARS",
    "CallFilter",
    "call_detail",
    "list_calls",
    "open_readonly",
    "percentile",
    "scrub",
    "totals",
]

MAX_PAGE = 500
"""The most calls one page may hold."""

PREVIEW_CHARS = 80
"""Length of the prompt preview in a page of calls."""

# A preview is redacted over a window longer than any key it could start, then cut: a key that
# begins inside the preview lies whole inside the window, so it is matched before the cut.
_PREVIEW_WINDOW = 400

EDGE = ("device", "private_network")
"""Localities counted as edge spend (the bytes stay on hardware the team controls)."""

LOCALITIES = ("device", "private_network", "cloud")

# The same rule as Privacy.left_device: entities found, destination not the device, action "flag".
LEFT_DEVICE_SQL = (
    "(privacy IS NOT NULL"
    " AND json_type(privacy, '$.entities') = 'object'"
    " AND json_extract(privacy, '$.entities') <> '{}'"
    " AND IFNULL(json_extract(privacy, '$.destination'), '') <> 'device'"
    " AND IFNULL(json_extract(privacy, '$.action'), 'flag') = 'flag')"
)

_JSON_COLUMNS = ("params", "prompt", "engine_metrics", "privacy", "provenance")

_ROW_COLUMNS = (
    "call_id, run_id, target, provider, model, locality, started_at, ttft_s, latency_s, input_tokens,"
    " output_tokens, tokens_estimated, decode_tps, cost_usd, cost_basis, error_type, attempts, replayed,"
    f" privacy, prompt, {LEFT_DEVICE_SQL} AS left_device"
)


@dataclass(frozen=True)
class CallFilter:
    """Which calls a page holds; ``None`` means any."""

    target: str | None = None
    locality: str | None = None
    flagged: bool | None = None
    run_id: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL ``WHERE`` clause (possibly empty) and its arguments."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.target is not None:
            clauses.append("target = ?")
            args.append(self.target)
        if self.locality is not None:
            clauses.append("locality = ?")
            args.append(self.locality)
        if self.run_id is not None:
            clauses.append("run_id = ?")
            args.append(self.run_id)
        if self.flagged is not None:
            clauses.append(LEFT_DEVICE_SQL if self.flagged else f"NOT {LEFT_DEVICE_SQL}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def open_readonly(path: str | Path) -> sqlite3.Connection | None:
    """A read-only connection to the run log at ``path``; ``None`` if there is no log there yet."""
    path = Path(path)
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA mmap_size=268435456")  # a full read maps the file instead of ~4,000 read() calls
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='calls'").fetchone() is None:
        conn.close()
        return None
    return conn


@functools.lru_cache(maxsize=16_384)
def _redacted(text: str) -> str:
    # Remembered: a recorded text never changes, and neither do the server process's environment
    # secrets, so a polling sidebar does not pay for redacting the same page again.
    return redact_secrets(text)


def scrub(value: Any) -> Any:
    """``value`` with secrets removed from every string in it, at any depth."""
    if isinstance(value, str):
        return _redacted(value)
    if isinstance(value, Mapping):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _preview(prompt_json: str | None) -> str:
    """The last message of a stored prompt, redacted, cut to :data:`PREVIEW_CHARS`."""
    if not prompt_json:
        return ""
    try:
        messages = json.loads(prompt_json)
        text = str(messages[-1].get("content", "")) if messages else ""
    except (ValueError, AttributeError, TypeError):
        return ""
    redacted = _redacted(" ".join(text[:_PREVIEW_WINDOW].split()))
    cut = len(redacted) > PREVIEW_CHARS or len(text) > _PREVIEW_WINDOW
    return redacted[: PREVIEW_CHARS - 1] + "…" if cut else redacted


def _entities(privacy_json: str | None) -> dict[str, int]:
    if not privacy_json:
        return {}
    entities = json.loads(privacy_json).get("entities") or {}
    return {str(k): int(v) for k, v in entities.items()}


def _row(row: sqlite3.Row) -> dict[str, Any]:
    privacy = json.loads(row["privacy"]) if row["privacy"] else None
    return {
        "call_id": row["call_id"],
        "run_id": row["run_id"],
        "target": _redacted(row["target"]),
        "provider": row["provider"],
        "model": _redacted(row["model"]),
        "locality": row["locality"],
        "started_at": row["started_at"],
        "ttft_s": row["ttft_s"],
        "latency_s": None if row["cost_basis"] == NOT_SENT else row["latency_s"],  # never sent: no figure
        "input_tokens": row["input_tokens"],
        "output_tokens": row["output_tokens"],
        "tokens_estimated": bool(row["tokens_estimated"]),
        "decode_tps": row["decode_tps"],
        "cost_usd": row["cost_usd"],
        "cost_basis": row["cost_basis"],
        "ok": row["error_type"] is None,
        "error_type": row["error_type"],
        "attempts": row["attempts"],
        "replayed": bool(row["replayed"]),
        "entities": _entities(row["privacy"]),
        "privacy_action": privacy.get("action") if privacy else None,
        "left_device": bool(row["left_device"]),
        "preview": _preview(row["prompt"]),
    }


def list_calls(conn: sqlite3.Connection, where: CallFilter, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of calls, newest first, and how many calls match ``where`` in all."""
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    clause, args = where.where()
    total = int(conn.execute(f"SELECT count(*) FROM calls{clause}", args).fetchone()[0])
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM calls{clause} ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    return {"total": total, "limit": limit, "offset": offset, "calls": [_row(r) for r in rows]}


def call_detail(conn: sqlite3.Connection, call_id: str) -> dict[str, Any] | None:
    """One call in full (prompt, answer, parameters, engine metrics), secrets removed; ``None`` if absent."""
    row = conn.execute(f"SELECT *, {LEFT_DEVICE_SQL} AS left_device FROM calls WHERE call_id = ?", [call_id]).fetchone()
    if row is None:
        return None
    data = dict(row)
    for name in _JSON_COLUMNS:
        if isinstance(data.get(name), str):
            data[name] = json.loads(data[name])
    data.pop("request_hash", None)
    for name in ("tokens_estimated", "replayed", "left_device"):
        data[name] = bool(data[name])
    data["ok"] = data["error_type"] is None
    return dict(scrub(data))


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, interpolated linearly between ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# One pass, grouped in SQL: per target and locality, the counts, sums, and every TTFT (as text with
# 15 significant digits, SQLite's rendering: far below a clock's resolution, and 7 ms cheaper than printf).
_TALLY_SQL = (
    "SELECT target, locality, count(*), IFNULL(sum(cost_usd), 0.0), sum(cost_usd IS NULL),"
    f" sum(error_type IS NOT NULL), sum({LEFT_DEVICE_SQL}), max(started_at), max(rowid),"
    " group_concat(ttft_s) FROM calls WHERE rowid > ? GROUP BY target, locality"
)


class _Tally:
    """Running totals of one run log, extended by the calls appended since (the log only grows)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.key: tuple[Any, ...] = ()
        self.count = 0
        self.max_rowid = 0
        self.errors = 0
        self.flagged = 0
        self.latest: float | None = None
        self.cost = {name: {"calls": 0, "usd": 0.0, "unknown": 0} for name in LOCALITIES}
        self.per_target: dict[tuple[str, str], int] = {}
        self.ttft: dict[str, list[float]] = {}
        self.summary: dict[str, Any] = {}

    def add(self, groups: list[tuple[Any, ...]]) -> int:
        """Count in the groups from :data:`_TALLY_SQL`; return how many calls they hold."""
        added = 0
        fresh: dict[str, list[float]] = {}
        for target, locality, calls, usd, unknown, errors, left, latest, max_rowid, ttfts in groups:
            spend = self.cost.setdefault(locality, {"calls": 0, "usd": 0.0, "unknown": 0})
            spend["calls"] += calls
            spend["usd"] += usd
            spend["unknown"] += unknown
            self.per_target[(target, locality)] = self.per_target.get((target, locality), 0) + calls
            if ttfts:
                fresh.setdefault(target, []).extend(map(float, ttfts.split(",")))
            self.errors += errors
            self.flagged += left
            self.latest = latest if self.latest is None or latest > self.latest else self.latest
            self.max_rowid = max(self.max_rowid, max_rowid)
            added += calls
        for target, values in fresh.items():
            self.ttft[target] = sorted(self.ttft.get(target, []) + values)
        self.count += added
        self.summary = self._summarize()
        return added

    def _summarize(self) -> dict[str, Any]:
        cost = {name: dict(spend) for name, spend in self.cost.items()}
        split = {
            side: {key: sum(cost[n][key] for n in names if n in cost) for key in ("usd", "unknown", "calls")}
            for side, names in (("edge", EDGE), ("cloud", ("cloud",)))
        }
        return {
            "calls": self.count,
            "errors": self.errors,
            "flagged_off_device": self.flagged,
            "latest": self.latest,
            "cost": cost,
            "spend": split,
            "targets": [
                {"target": _redacted(t), "locality": loc, "calls": n} for (t, loc), n in sorted(self.per_target.items())
            ],
            "ttft": [
                {
                    "target": _redacted(target),
                    "measured": len(values),
                    "p50": percentile(values, 0.50),
                    "p90": percentile(values, 0.90),
                    "p99": percentile(values, 0.99),
                }
                for target, values in sorted(self.ttft.items())
            ],
        }


def _fingerprint(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """Changes whenever a call is added or removed: the database and WAL files' sizes and times, count, last rowid."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    stats: list[Any] = [path]
    for name in (path, path + "-wal"):
        try:
            st = os.stat(name)
            stats += [st.st_size, st.st_mtime_ns]
        except OSError:
            stats += [None, None]
    return (*stats, *conn.execute("SELECT count(*), IFNULL(max(rowid), 0) FROM calls").fetchone())


_tallies: dict[str, _Tally] = {}
_tallies_lock = threading.Lock()


def totals(conn: sqlite3.Connection | None) -> dict[str, Any]:
    """The whole log at a glance: calls, errors, cost by locality and edge/cloud, TTFT percentiles, flagged.

    ``usd`` sums the calls whose cost is known; ``unknown`` counts the calls whose cost is not
    (no price known), which are never counted as free. The first request reads the whole table
    once; later ones read only the calls appended since (the sidebar polls), and read it all
    again if any call was removed.
    """
    if conn is None:
        empty = _Tally("")
        empty.add([])
        return empty.summary
    key = _fingerprint(conn)
    path, count, max_rowid = key[0], key[-2], key[-1]
    with _tallies_lock:
        tally = _tallies.get(path)
        if tally is not None and tally.key == key:
            return tally.summary
        if tally is None or max_rowid < tally.max_rowid or count < tally.count:
            tally = _Tally(path)
        before = tally.count
        if before + tally.add(conn.execute(_TALLY_SQL, [tally.max_rowid]).fetchall()) != count:
            tally = _Tally(path)  # something was removed as well: count it all again
            tally.add(conn.execute(_TALLY_SQL, [0]).fetchall())
        tally.key = key
        _tallies[path] = tally
        return tally.summary
