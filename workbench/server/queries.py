"""Read-only queries over the run log's ``calls`` table, for the JupyterLab sidebar and status bar.

Every figure the front end shows is computed here, once, in SQL over the table that
:class:`workbench.store.Store` writes; the front end only renders. Connections are opened
read-only (``mode=ro``): the server never creates, migrates or writes a run log.

Every text that leaves this module goes through :func:`workbench.privacy.redact_secrets`
(see :func:`scrub`), so no key reaches the browser even if one reached the log.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='calls'").fetchone() is None:
        conn.close()
        return None
    return conn


def scrub(value: Any) -> Any:
    """``value`` with secrets removed from every string in it, at any depth."""
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, Mapping):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _preview(prompt_json: str | None, cache: dict[str, str]) -> str:
    """The last message of a stored prompt, redacted, cut to :data:`PREVIEW_CHARS`."""
    if not prompt_json:
        return ""
    try:
        messages = json.loads(prompt_json)
        text = str(messages[-1].get("content", "")) if messages else ""
    except (ValueError, AttributeError, TypeError):
        return ""
    window = " ".join(text[:_PREVIEW_WINDOW].split())
    if window not in cache:
        redacted = redact_secrets(window)
        cut = len(redacted) > PREVIEW_CHARS or len(text) > _PREVIEW_WINDOW
        cache[window] = redacted[: PREVIEW_CHARS - 1] + "…" if cut else redacted
    return cache[window]


def _entities(privacy_json: str | None) -> dict[str, int]:
    if not privacy_json:
        return {}
    entities = json.loads(privacy_json).get("entities") or {}
    return {str(k): int(v) for k, v in entities.items()}


def _row(row: sqlite3.Row, cache: dict[str, str]) -> dict[str, Any]:
    privacy = json.loads(row["privacy"]) if row["privacy"] else None
    return {
        "call_id": row["call_id"],
        "run_id": row["run_id"],
        "target": redact_secrets(row["target"]),
        "provider": row["provider"],
        "model": redact_secrets(row["model"]),
        "locality": row["locality"],
        "started_at": row["started_at"],
        "ttft_s": row["ttft_s"],
        "latency_s": row["latency_s"],
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
        "preview": _preview(row["prompt"], cache),
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
    cache: dict[str, str] = {}
    return {"total": total, "limit": limit, "offset": offset, "calls": [_row(r, cache) for r in rows]}


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


def _ttft_by_target(rows: Iterable[sqlite3.Row]) -> list[dict[str, Any]]:
    groups: dict[str, list[float]] = {}
    for target, ttft in rows:
        groups.setdefault(target, []).append(float(ttft))
    return [
        {
            "target": redact_secrets(target),
            "measured": len(values),
            "p50": percentile(values, 0.50),
            "p90": percentile(values, 0.90),
            "p99": percentile(values, 0.99),
        }
        for target, values in sorted(groups.items())
    ]


def totals(conn: sqlite3.Connection | None) -> dict[str, Any]:
    """The whole log at a glance: calls, errors, cost by locality and edge/cloud, TTFT percentiles, flagged.

    ``usd`` sums the calls whose cost is known; ``unknown`` counts the calls whose cost is not
    (no price known), which are never counted as free.
    """
    cost = {name: {"calls": 0, "usd": 0.0, "unknown": 0} for name in LOCALITIES}
    out: dict[str, Any] = {"calls": 0, "errors": 0, "flagged_off_device": 0, "latest": None, "cost": cost}
    targets: list[dict[str, Any]] = []
    ttft: list[dict[str, Any]] = []
    if conn is not None:
        head = conn.execute(
            f"SELECT count(*), IFNULL(sum(error_type IS NOT NULL), 0), IFNULL(sum({LEFT_DEVICE_SQL}), 0),"
            " max(started_at) FROM calls"
        ).fetchone()
        out.update(calls=head[0], errors=head[1], flagged_off_device=head[2], latest=head[3])
        for locality, calls, usd, unknown in conn.execute(
            "SELECT locality, count(*), IFNULL(sum(cost_usd), 0.0), sum(cost_usd IS NULL) FROM calls GROUP BY locality"
        ):
            cost[locality] = {"calls": calls, "usd": usd, "unknown": unknown}
        targets = [
            {"target": redact_secrets(t), "locality": loc, "calls": n}
            for t, loc, n in conn.execute(
                "SELECT target, locality, count(*) FROM calls GROUP BY target, locality ORDER BY target"
            )
        ]
        ttft = _ttft_by_target(
            conn.execute("SELECT target, ttft_s FROM calls WHERE ttft_s IS NOT NULL ORDER BY target, ttft_s")
        )
    split = {
        side: {
            "usd": sum(cost[n]["usd"] for n in names if n in cost),
            "unknown": sum(cost[n]["unknown"] for n in names if n in cost),
            "calls": sum(cost[n]["calls"] for n in names if n in cost),
        }
        for side, names in (("edge", EDGE), ("cloud", ("cloud",)))
    }
    return {**out, "spend": split, "targets": targets, "ttft": ttft}
