"""The run log's running totals, kept by the database in the transaction of every append.

Two small tables grow with the kinds of calls, not with their number:

- ``calls_rollup``: per (target, locality, replayed, unsent, flagged) the calls, errors, spend
  (``usd`` of the calls whose cost is known, ``unknown`` counts the others) and the latest start;
- ``calls_ttft``: per (target, locality, replayed, flagged, bucket) how many timed calls
  (:data:`~workbench.runlog.rules.TIMED_SQL`) have a time to first token in that bucket. Bucket
  ``k >= 1`` holds ``[lo_k, lo_k * 1.01)`` with ``lo_1 = 0.1 ms`` (table ``ttft_buckets``); bucket
  0 holds anything below 0.1 ms.

Triggers on ``calls`` add each inserted row and take out each deleted one (an update does both),
so every writer, of any version, keeps them exact; the migration (``009_rollup``) fills them once
for a log that already holds calls. ``flagged`` is 1 where
:data:`~workbench.runlog.rules.FLAGGED_OFF_DEVICE_SQL` holds, 0 where it does not, 2 where SQL
cannot tell (damaged privacy text), so a filter on it gives the rule's own answer. The SQL is
written once; PostgreSQL only wraps the trigger's statements in a function.
"""

from __future__ import annotations

from workbench.records import NOT_SENT
from workbench.runlog.rules import FLAGGED_OFF_DEVICE_SQL, TIMED_SQL

__all__ = [
    "BUCKETS", "COUNT_SQL", "FLAGGED_KEY_SQL", "GROUP_SELECT", "MIGRATION_SQL", "PG_MIGRATION_SQL", "SCAN_COUNT_SQL",
    "UNSENT_SQL",
]  # fmt: skip

BUCKETS = 2100
"""Buckets 1..BUCKETS cover 0.1 ms to about 33 hours, each 1% wide."""

UNSENT_SQL = f"(CASE WHEN cost_basis = '{NOT_SENT}' THEN 1 ELSE 0 END)"
"""1 for a call never sent (no key, blocked, a strict replay's miss)."""
FLAGGED_KEY_SQL = f"(CASE WHEN {FLAGGED_OFF_DEVICE_SQL} THEN 1 WHEN NOT {FLAGGED_OFF_DEVICE_SQL} THEN 0 ELSE 2 END)"
"""1 where the call sent flagged data off the device, 0 where not, 2 where the rule gives no answer."""
_KEY = "target, locality, replayed, unsent, flagged"
_TTFT_KEY = "target, locality, replayed, flagged, bucket"
_COLUMNS = ("target", "locality", "replayed", "cost_basis", "privacy", "error_type", "cost_usd", "started_at",
            "ttft_s", "latency_s")  # fmt: skip
_BUCKET_SQL = "coalesce((SELECT bucket FROM ttft_buckets WHERE lo <= ttft_s ORDER BY lo DESC LIMIT 1), 0)"

COUNT_SQL = "SELECT (SELECT coalesce(sum(calls), 0) FROM calls_rollup), (SELECT coalesce(max(rowid), 0) FROM calls)"
"""The calls' count (from the rollup) and their last rowid (from its index): the log's cheap fingerprint."""
SCAN_COUNT_SQL = "SELECT count(*), coalesce(max(rowid), 0) FROM calls"
"""The same for a log that predates ``009_rollup``: a count of the table."""

GROUP_SELECT = (
    f"SELECT target, locality, replayed, {UNSENT_SQL}, {FLAGGED_KEY_SQL}, count(*), count(error_type),"
    " coalesce(sum(cost_usd), 0.0), count(*) - count(cost_usd), max(started_at) FROM calls"
)
"""The rollup's columns for the calls a ``WHERE`` appended here keeps, to be grouped by its key (1-5)."""


def _add_row(source: str, sign: str) -> str:
    """The rollup statements for one row (``NEW`` or ``OLD``), counted with ``sign`` (``1`` or ``-1``)."""
    row = f"(SELECT {', '.join(f'{source}.{c} AS {c}' for c in _COLUMNS)}) AS c"
    if sign == "1":
        latest = (
            "CASE WHEN calls_rollup.latest IS NULL OR excluded.latest > calls_rollup.latest"
            " THEN excluded.latest ELSE calls_rollup.latest END"
        )
    else:  # the newest call left of the group, by the (target, started_at) index
        latest = (
            "(SELECT started_at FROM calls WHERE target = excluded.target AND locality = excluded.locality"
            f" AND replayed = excluded.replayed AND {UNSENT_SQL} = excluded.unsent"
            f" AND {FLAGGED_KEY_SQL} = excluded.flagged ORDER BY started_at DESC LIMIT 1)"
        )
    return f"""
        INSERT INTO calls_rollup ({_KEY}, calls, errors, usd, unknown, latest)
        SELECT target, locality, replayed, {UNSENT_SQL}, {FLAGGED_KEY_SQL}, {sign},
            {sign} * (CASE WHEN error_type IS NULL THEN 0 ELSE 1 END), {sign} * coalesce(cost_usd, 0.0),
            {sign} * (CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END), started_at
        FROM {row} WHERE true
        ON CONFLICT ({_KEY}) DO UPDATE SET calls = calls_rollup.calls + excluded.calls,
            errors = calls_rollup.errors + excluded.errors, usd = calls_rollup.usd + excluded.usd,
            unknown = calls_rollup.unknown + excluded.unknown, latest = {latest};
        INSERT INTO calls_ttft ({_TTFT_KEY}, n)
        SELECT target, locality, replayed, {FLAGGED_KEY_SQL}, {_BUCKET_SQL}, {sign}
        FROM {row} WHERE {TIMED_SQL} AND ttft_s IS NOT NULL
        ON CONFLICT ({_TTFT_KEY}) DO UPDATE SET n = calls_ttft.n + excluded.n;
    """


_TABLES = f"""
CREATE TABLE calls_rollup (
    target TEXT NOT NULL, locality TEXT NOT NULL, replayed INTEGER NOT NULL, unsent INTEGER NOT NULL,
    flagged INTEGER NOT NULL, calls INTEGER NOT NULL, errors INTEGER NOT NULL, usd REAL NOT NULL,
    unknown INTEGER NOT NULL, latest REAL,
    PRIMARY KEY ({_KEY})
);
CREATE TABLE ttft_buckets (bucket INTEGER PRIMARY KEY, lo REAL NOT NULL UNIQUE);
INSERT INTO ttft_buckets (bucket, lo) VALUES (0, -1e300);
INSERT INTO ttft_buckets (bucket, lo)
    WITH RECURSIVE b(bucket, lo) AS (
        SELECT 1, CAST(0.0001 AS REAL)
        UNION ALL SELECT bucket + 1, lo * CAST(1.01 AS REAL) FROM b WHERE bucket < {BUCKETS}
    ) SELECT bucket, lo FROM b;
CREATE TABLE calls_ttft (
    target TEXT NOT NULL, locality TEXT NOT NULL, replayed INTEGER NOT NULL, flagged INTEGER NOT NULL,
    bucket INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY ({_TTFT_KEY})
);
INSERT INTO calls_rollup ({_KEY}, calls, errors, usd, unknown, latest)
    {GROUP_SELECT} WHERE true GROUP BY 1, 2, 3, 4, 5;
INSERT INTO calls_ttft ({_TTFT_KEY}, n)
    SELECT target, locality, replayed, {FLAGGED_KEY_SQL}, {_BUCKET_SQL}, count(*) FROM calls
    WHERE {TIMED_SQL} AND ttft_s IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
CREATE INDEX calls_ttft_value ON calls(target, ttft_s, replayed, locality, cost_basis, latency_s);
CREATE INDEX calls_ttft_flagged ON calls(target, {FLAGGED_KEY_SQL}, ttft_s);
DROP INDEX calls_run;
"""
# Pages are ordered by (started_at, rowid): SQLite's indexes end with the rowid; PostgreSQL's name it.
_PAGE_INDEXES = f"""
CREATE INDEX calls_run_started ON calls(run_id, started_at{{rowid}});
CREATE INDEX calls_locality_started ON calls(locality, started_at{{rowid}});
CREATE INDEX calls_flagged_started ON calls(started_at{{rowid}}) WHERE {FLAGGED_OFF_DEVICE_SQL};
"""

_WATCHED = ", ".join(_COLUMNS)

MIGRATION_SQL = (
    _TABLES
    + _PAGE_INDEXES.replace("{rowid}", "")
    + f"CREATE TRIGGER calls_rollup_insert AFTER INSERT ON calls BEGIN {_add_row('NEW', '1')} END;\n"
    + f"CREATE TRIGGER calls_rollup_delete AFTER DELETE ON calls BEGIN {_add_row('OLD', '-1')} END;\n"
    + f"CREATE TRIGGER calls_rollup_update AFTER UPDATE OF {_WATCHED} ON calls BEGIN"
    + f" {_add_row('OLD', '-1')} {_add_row('NEW', '1')} END;\n"
)
"""Migration ``009_rollup`` in SQLite: the tables, filled from the calls already logged, and the triggers."""

PG_MIGRATION_SQL = (
    _TABLES
    + _PAGE_INDEXES.replace("{rowid}", ", rowid")
    + "DROP INDEX calls_started; CREATE INDEX calls_started ON calls(started_at, rowid);\n"
    + "DROP INDEX calls_target_started; CREATE INDEX calls_target_started ON calls(target, started_at, rowid);\n"
    + f"""
CREATE FUNCTION wb_calls_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN {_add_row('OLD', '-1')} END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add_row('NEW', '1')} END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER calls_rollup AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} ON calls
    FOR EACH ROW EXECUTE FUNCTION wb_calls_rollup();
"""
)
"""The same in PostgreSQL (``REAL`` is widened by :func:`~workbench.runlog.backends.pg_schema.pg_sql`)."""
