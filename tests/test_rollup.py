"""The run log's running totals (migration 008, workbench.runlog.rollup) on SQLite and PostgreSQL.

The rollup and TTFT histogram the triggers keep are compared with the same figures computed from
the whole table, after appends (with duplicates), deletions and updates by another program, and after
the migration rolled up a log written before it. The sidebar's summary and counts read from them
are compared with plain Python over the records, with the records' own rules, on every filter the
sidebar sends; the percentiles are numpy's, exactly, or within 1% where the API says so. The
change check and the pages read no more of the log than they must (their query plans say so).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from tests.support.postgres import execute
from tests.support.records import make_record
from workbench.records import NOT_SENT, CallRecord, Locality, Privacy
from workbench.runlog.backends import open_backend
from workbench.runlog.rollup import COUNT_SQL, FLAGGED_KEY_SQL, GROUP_SELECT
from workbench.runlog.rows import INSERT_SQL, to_row
from workbench.runlog.rules import TIMED_SQL
from workbench.runlog.schema import MIGRATIONS
from workbench.runlog.store import Store
from workbench.server import percentiles, queries, totals
from workbench.server.queries import CallFilter

TARGETS = (("local/smollm2", Locality.DEVICE), ("openai/smollm2@lan", Locality.PRIVATE_NETWORK),
           ("openai/gpt-4o-mini", Locality.CLOUD), ("anthropic/claude-haiku", Locality.CLOUD))  # fmt: skip
PII = {"email": 1}
CASES = {
    "ok": {}, "failed": {"error_type": "TargetError"},
    "no key": {"error_type": "MissingKeyError", "cost_basis": NOT_SENT},
    "blocked": {"error_type": "PrivacyBlocked", "cost_basis": NOT_SENT},
    "replayed": {"replayed": True},
}  # fmt: skip


def _records(n: int, seed: int) -> list[CallRecord]:
    """Every egress case on every target and guard action, with random TTFTs and known or unknown costs."""
    rng = random.Random(seed)
    out = []
    for i, ((target, locality), case, action) in enumerate(
        itertools.islice(itertools.cycle(itertools.product(TARGETS, CASES, ("flag", "redact", None))), n)
    ):
        unsent = CASES[case].get("cost_basis") == NOT_SENT
        record = make_record(
            call_id=f"c{seed}-{i:05d}", run_id=f"run{i % 7}", target=target, provider=target.split("/")[0],
            locality=locality, started_at=1.7e9 + i * 0.5 + rng.random(),
            privacy=None if action is None else Privacy(PII if i % 4 else {}, locality.value, action),
            ttft_s=None if unsent or i % 13 == 0 else rng.lognormvariate(-2.5, 0.6),
            cost_usd=None if i % 9 == 0 else rng.uniform(0, 0.002), **CASES[case],
        )  # fmt: skip
        out.append(dataclasses.replace(record, latency_s=None) if unsent and i % 2 else record)
    return out


def _rollup(location: Path | str) -> tuple[dict, dict]:
    """The rollup and histogram as kept, and as computed from the whole table now; rows of zero left out."""
    kept = {tuple(r[:5]): (r[5], r[6], round(r[7], 9), r[8], r[9])
            for r in execute(location, "SELECT * FROM calls_rollup WHERE calls <> 0")}  # fmt: skip
    full = {tuple(r[:5]): (r[5], r[6], round(r[7], 9), r[8], r[9])
            for r in execute(location, f"{GROUP_SELECT} WHERE true GROUP BY 1, 2, 3, 4, 5")}  # fmt: skip
    bucket = "(SELECT bucket FROM ttft_buckets WHERE lo <= ttft_s ORDER BY lo DESC LIMIT 1)"
    hist = {tuple(r[:5]): r[5] for r in execute(location, "SELECT * FROM calls_ttft WHERE n <> 0")}
    counted = {tuple(r[:5]): r[5] for r in execute(
        location, f"SELECT target, locality, replayed, {FLAGGED_KEY_SQL}, {bucket}, count(*) FROM calls"
        f" WHERE {TIMED_SQL} AND ttft_s IS NOT NULL GROUP BY 1, 2, 3, 4, 5")}  # fmt: skip
    assert kept == full
    assert hist == counted
    return kept, hist


def test_the_triggers_keep_the_rollup_through_appends_deletions_and_updates(log_at: Path | str) -> None:
    records = _records(400, 1)
    store = Store(log_at)
    store.append_many(records[:250])
    store.append_many(records[200:])  # 50 already there: not counted twice
    store.append(records[0])
    kept, hist = _rollup(log_at)
    assert sum(v[0] for v in kept.values()) == len(records) and sum(hist.values()) > 100
    assert {k[4] for k in kept} == {0, 1} and {k[2] for k in kept} == {0, 1} and {k[3] for k in kept} == {0, 1}
    execute(log_at, "DELETE FROM calls WHERE call_id LIKE 'c1-000%' OR call_id = 'c1-00399'")
    execute(log_at, "UPDATE calls SET target = 'openai/gpt-4o', ttft_s = 0.5 WHERE call_id LIKE 'c1-001%'")
    execute(log_at, "UPDATE calls SET response = 'changed' WHERE call_id LIKE 'c1-002%'")
    kept, _ = _rollup(log_at)
    assert sum(v[0] for v in kept.values()) == len(records) - 101
    store.close()


def test_a_log_written_before_the_rollup_is_rolled_up_once_by_its_migration(log_at: Path | str) -> None:
    older = open_backend(log_at if isinstance(log_at, str) else Path(log_at), readonly=False)
    before = [name for name, _ in MIGRATIONS].index("009_rollup")
    assert "009_rollup" not in older.migrate(MIGRATIONS[:before])
    records = _records(300, 2)
    older.write(INSERT_SQL, [to_row(r) for r in records])
    older.close()
    store = Store(log_at)
    assert "009_rollup" in store.migrations()
    kept, _ = _rollup(log_at)
    assert sum(v[0] for v in kept.values()) == len(records)
    store.append_many(_records(50, 3))
    kept, _ = _rollup(log_at)
    assert sum(v[0] for v in kept.values()) == len(records) + 50
    store.close()


FILTERS = [CallFilter(), CallFilter(target="openai/gpt-4o-mini"), CallFilter(locality="cloud"),
           CallFilter(flagged=True), CallFilter(flagged=False), CallFilter(locality="cloud", flagged=True),
           CallFilter(target="local/smollm2", locality="device"), CallFilter(run_id="run3"),
           CallFilter(run_id="run3", flagged=False, target="anthropic/claude-haiku")]  # fmt: skip


def _keeps(where: CallFilter, r: CallRecord) -> bool:
    return (
        (where.target is None or r.target == where.target)
        and (where.locality is None or r.locality.value == where.locality)
        and (where.flagged is None or r.flagged_off_device == where.flagged)
        and (where.run_id is None or r.run_id == where.run_id)
    )


@pytest.mark.parametrize("where", FILTERS, ids=repr)
def test_the_summary_from_the_rollup_equals_plain_python_on_every_filter(log_at: Path | str, where) -> None:
    records = _records(700, 4)
    store = Store(log_at)
    store.append_many(records)
    store.close()
    conn = queries.open_readonly(log_at)
    assert conn is not None and conn.has_rollup()
    kept = [r for r in records if _keeps(where, r)]
    assert kept
    for include in (False, True):
        summary = totals.totals(conn, where, include_replayed=include)
        counted = [r for r in kept if include or not r.replayed]
        assert summary["calls"] == len(kept) == queries.count_calls(conn, where)
        assert summary["replayed"] == sum(r.replayed for r in kept)
        assert summary["unsent"] == sum(r.cost_basis == NOT_SENT for r in kept)
        assert summary["counted"] == len(counted) and summary["errors"] == sum(not r.ok for r in kept)
        assert summary["flagged_off_device"] == sum(r.flagged_off_device for r in kept)
        assert summary["latest"] == max(r.started_at for r in kept)
        for locality in Locality:
            mine = [r for r in counted if r.locality is locality]
            cost = summary["cost"][locality.value]
            assert cost["calls"] == len(mine) and cost["unknown"] == sum(r.cost_usd is None for r in mine)
            assert cost["usd"] == pytest.approx(sum(r.cost_usd or 0 for r in mine))
        rows = {row["target"]: row for row in summary["ttft"]}
        assert set(rows) == {r.target for r in counted if r.timed and r.ttft_s is not None}
        for target, row in rows.items():
            values = [r.ttft_s for r in counted if r.target == target and r.timed and r.ttft_s is not None]
            assert row["measured"] == len(values) and row["precision"] == "exact"
            for q in (50, 90, 99):
                assert row[f"p{q}"] == pytest.approx(np.percentile(values, q), rel=1e-12)
    page = queries.list_calls(conn, where, limit=500)
    assert [c["call_id"] for c in page["calls"]] == [r.call_id for r in sorted(kept, key=lambda r: -r.started_at)][:500]
    conn.close()


def test_a_crowded_bucket_gives_a_percentile_within_one_percent_and_says_so(log_at: Path | str) -> None:
    records = _records(500, 5)
    store = Store(log_at)
    store.append_many(records)
    store.close()
    conn = queries.open_readonly(log_at)
    assert conn is not None
    exact = {row["target"]: row for row in totals.totals(conn)["ttft"]}
    rough = percentiles.ttft_by_target(conn, (["replayed = 0"], []), (["replayed = 0"], []), limit=0)
    assert rough.keys() == exact.keys()
    for target, row in rough.items():
        assert row["precision"] == "within 1%" and row["measured"] == exact[target]["measured"]
        for q in (50, 90, 99):
            assert row[f"p{q}"] == pytest.approx(exact[target][f"p{q}"], rel=0.01)
    conn.close()


def test_the_change_check_reads_the_rollup_and_an_index_and_sees_every_change(log_at: Path | str) -> None:
    store = Store(log_at)
    store.append_many(_records(60, 6))
    conn = queries.open_readonly(log_at)
    assert conn is not None
    before = conn.fingerprint()
    assert before[-2:] == (60, execute(log_at, "SELECT max(rowid) FROM calls")[0][0])
    plan = " ".join(str(r) for r in execute(log_at, f"EXPLAIN {'QUERY PLAN ' if isinstance(log_at, Path) else ''}"
                                                    f"{COUNT_SQL}"))  # fmt: skip
    assert "SCAN calls " not in plan + " " and "Seq Scan on calls " not in plan + " ", plan
    store.append_many(_records(61, 6)[-1:])
    added = conn.fingerprint()
    assert added != before and added[-2] == 61
    execute(log_at, "DELETE FROM calls WHERE call_id = 'c6-00003'")
    assert conn.fingerprint()[-2] == 60
    conn.close()
    store.close()


SIDEBAR_FILTERS = [CallFilter(), CallFilter(target="openai/gpt-4o-mini"), CallFilter(locality="cloud"),
                   CallFilter(flagged=True), CallFilter(flagged=False), CallFilter(run_id="run3"),
                   CallFilter(target="openai/gpt-4o-mini", locality="cloud"),
                   CallFilter(locality="cloud", flagged=True)]  # fmt: skip
"""The filters the sidebar sends: none, each alone, and the pairs its controls combine."""


def _plan(conn: queries.Reader, sql: str, args: list) -> str:
    """The query plan, one line per step: SQLite's ``EXPLAIN QUERY PLAN`` or PostgreSQL's ``EXPLAIN``."""
    sqlite = type(conn).__name__ == "SqliteReader"
    rows = conn.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql, args).fetchall()
    return "\n".join(str(row[-1] if sqlite else row[0]) for row in rows)


def test_pages_one_call_and_percentile_reads_follow_an_index(log_at: Path | str) -> None:
    """On 30,000 calls (analyzed), no sidebar query scans the table or sorts it for a page (by offset or cursor)."""
    store = Store(log_at)
    store.append_many(_records(60, 7))
    store.close()
    cols = [c for c in _columns(log_at) if c not in ("call_id", "run_id", "started_at", "rowid")]
    copy = ", ".join(cols)
    execute(log_at, f"INSERT INTO calls (call_id, run_id, started_at, {copy})"
                    f" SELECT call_id || '-' || n, 'run' || (n % 500), started_at + n * 100, {copy}"
                    f" FROM calls, ({_numbers(500)}) AS g")  # fmt: skip
    execute(log_at, "ANALYZE")
    conn = queries.open_readonly(log_at)
    assert conn is not None
    assert queries.count_calls(conn, CallFilter()) == 60 * 501
    cursor = (1.7e9 + 2e4, 5)
    pages = [(where, 100, None) for where in SIDEBAR_FILTERS] + [(where, 0, cursor) for where in SIDEBAR_FILTERS]
    for where, offset, before in pages:
        plan = _plan(conn, *queries.page_sql(where, 50, offset, before))
        assert "Seq Scan on calls" not in plan and "SCAN calls\n" not in plan + "\n", (where, plan)
        sorts = [line for line in plan.splitlines() if line.strip(" ->").startswith("Sort")]
        if where.run_id is not None:  # the run's own calls, found by its index, may be sorted (a few)
            assert "calls_run_started" in plan, plan
        else:
            assert "TEMP B-TREE FOR ORDER BY" not in plan and not sorts, (where, plan)
    plan = _plan(conn, "SELECT * FROM calls WHERE call_id = ?", ["c7-00001"])
    assert "Seq Scan" not in plan and "SCAN calls\n" not in plan + "\n", plan
    cloud = ["replayed = 0", "locality = ?", TIMED_SQL]
    args = ["local/smollm2", 0.05, 0.06, "cloud", 9]
    plan = _plan(conn, percentiles.bucket_sql(cloud, bounded=True, privacy=False), args)
    assert "calls_ttft_value" in plan and "calls_flagged_started" not in plan, plan
    args = ["openai/gpt-4o-mini", 1, 0.05, 0.0505, "cloud", 10]
    plan = _plan(conn, percentiles.bucket_sql(cloud, bounded=True, privacy=False, flagged=True), args)
    assert "calls_ttft_flagged" in plan and "calls_flagged_started" not in plan, plan
    conn.close()


def _columns(location: Path | str) -> list[str]:
    from tests.support.postgres import columns

    return columns(location)


def _numbers(n: int) -> str:
    """A table of the numbers 1..n, in the SQL both databases take."""
    return f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n}) SELECT n FROM g"


@pytest.mark.parametrize("where", [CallFilter(), CallFilter(locality="cloud", flagged=False)], ids=repr)
def test_pages_by_cursor_are_disjoint_complete_and_start_from_an_index(log_at: Path | str, where) -> None:
    records = _records(230, 8)
    records += [dataclasses.replace(r, call_id=f"{r.call_id}-twin") for r in records[:40]]  # equal start times
    store = Store(log_at)
    store.append_many(records)
    store.close()
    conn = queries.open_readonly(log_at)
    assert conn is not None
    seen: list[str] = []
    page = queries.list_calls(conn, where, limit=25)
    while True:
        seen += [c["call_id"] for c in page["calls"]]
        if page["next"] is None:
            break
        page = queries.list_calls(conn, where, limit=25, before=queries.parse_cursor(page["next"]))
    kept = [r for r in records if _keeps(where, r)]
    assert len(seen) == len(set(seen)) == len(kept) == page["total"]
    assert seen == [c["call_id"] for c in queries.list_calls(conn, where, limit=500)["calls"]]
    conn.close()
