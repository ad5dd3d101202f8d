"""The PostgreSQL run log on a real server (Debian's, on loopback): several writers, dropped connections,
a server that goes down, credentials never shown, copying a log between SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.postgres import PASSWORD, PostgresServer, execute
from tests.support.records import make_record
from workbench.errors import NotRecorded, StoreError
from workbench.runlog import sweeps
from workbench.runlog.spool import spool_paths
from workbench.runlog.store import Store
from workbench.ui import StoreInfo

ROOT = Path(__file__).resolve().parent.parent


def hybrid(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``hybrid`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, timeout=180, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_four_processes_appending_at_once_lose_nothing_and_duplicate_nothing(pg_url: str) -> None:
    Store(pg_url).close()
    script = textwrap.dedent(
        f"""
        import sys
        from tests.support.records import make_record
        from workbench.runlog.store import Store
        store = Store({pg_url!r})
        records = [make_record(call_id=f"{{sys.argv[1]}}-{{i}}", started_at=float(i)) for i in range(250)]
        for record in records:
            store.append(record)
        store.append_many(records[:20])  # appended again: the call id is the key
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, name], cwd=ROOT) for name in "abcd"]
    assert [w.wait(timeout=180) for w in writers] == [0, 0, 0, 0]
    ids = [r.call_id for r in Store(pg_url, readonly=True).records()]
    assert len(ids) == len(set(ids)) == 1000
    assert set(ids) == {f"{w}-{i}" for w in "abcd" for i in range(250)}


def test_a_dropped_connection_is_retried_without_duplicating_a_record(pg_url: str) -> None:
    store = Store(pg_url)
    first = make_record(call_id="first")
    store.append(first)
    database = pg_url.rsplit("/", 1)[1]
    for _ in range(2):
        killed = execute(
            pg_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND pid <> pg_backend_pid()",
        )
        assert killed, "the store's pooled connection must have been there to drop"
        store.append(make_record(call_id=f"after-{len(killed)}-{_}"))
        store.append(first)  # the same call again after a reconnect: still once
    ids = [r.call_id for r in store.records()]
    assert len(ids) == len(set(ids)) == 3 and "first" in ids


@pytest.fixture
def own_server() -> object:
    """A server of this test's own, to take down and bring back."""
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_server_that_goes_down_keeps_the_calls_and_writes_them_when_it_is_back(own_server: PostgresServer) -> None:
    url = own_server.with_password(own_server.database())
    store = Store(url)
    store.append(make_record(call_id="before"))
    own_server.halt()

    kept = make_record(call_id="while-down")
    with pytest.raises(NotRecorded) as caught:
        store.append(kept)
    message = str(caught.value)
    assert "\n" not in message and "not reachable" in message and "while-down" not in message
    assert caught.value.call_ids == ("while-down",) and PASSWORD not in message and ":***@" in message
    assert caught.value.spool is not None and Path(caught.value.spool).is_file()
    assert PASSWORD not in caught.value.spool and Path(caught.value.spool) == spool_paths(url)[0]
    with pytest.raises(StoreError) as opening:
        Store(url)
    assert "\n" not in str(opening.value) and "not reachable" in str(opening.value)
    assert PASSWORD not in str(opening.value)

    own_server.resume()
    store.append(make_record(call_id="back"))  # the pending call goes with it
    assert sorted(r.call_id for r in Store(url, readonly=True).records()) == ["back", "before", "while-down"]
    assert not Path(caught.value.spool).exists()


def test_calls_spooled_while_down_are_written_by_the_next_open(own_server: PostgresServer) -> None:
    url = own_server.database()
    store = Store(url)
    store.append(make_record(call_id="before"))
    own_server.halt()
    with pytest.raises(NotRecorded):
        store.append(make_record(call_id="spooled"))
    store.close()  # the process that made the call ends: only its spool is left
    own_server.resume()
    assert sorted(r.call_id for r in Store(url).records()) == ["before", "spooled"]
    assert not spool_paths(url)[0].exists()


def test_a_password_is_never_shown(pg_server: PostgresServer, tmp_path: Path) -> None:
    url = pg_server.with_password(pg_server.database())
    store = Store(url)
    store.append(make_record())
    info = StoreInfo(store)
    shown = [repr(store), str(store.path), repr(info), info._repr_html_()]
    listed = hybrid("store", "info", "--store", url)
    assert listed.returncode == 0, listed.stderr
    shown += [listed.stdout, listed.stderr]
    wrong = pg_server.with_password(url.replace(PASSWORD, "x"), password=PASSWORD + "-wrong")
    with pytest.raises(StoreError) as refused:
        Store(wrong)
    assert "password" in str(refused.value) and "\n" not in str(refused.value)
    shown.append(str(refused.value))
    failed = hybrid("runs", "--store", wrong)
    assert failed.returncode != 0
    shown += [failed.stdout, failed.stderr]
    for text in shown:
        assert PASSWORD not in text, text
    assert ":***@" in repr(store)
    # from the environment (libpq's PGPASSWORD) instead of the URL
    bare = url.replace(f":{PASSWORD}@", "@")
    os.environ["PGPASSWORD"] = PASSWORD
    try:
        assert Store(bare, readonly=True).count() == 1
    finally:
        del os.environ["PGPASSWORD"]


def test_store_copy_moves_a_log_to_postgresql_and_back_idempotently(pg_url: str, tmp_path: Path) -> None:
    source = tmp_path / "a.sqlite"
    log = Store(source)
    log.append_many([make_record(call_id=f"c{i}", started_at=float(i)) for i in range(5)])
    sweeps.write_grades(log, [sweeps.GradeRow("c1", "exact", "1", 1.0, "same")])
    first = hybrid("store", "copy", str(source), pg_url)
    assert first.returncode == 0, first.stderr
    assert "Copied 5 call(s)" in first.stdout and "and 1 grade(s)" in first.stdout
    again = hybrid("store", "copy", str(source), pg_url)
    assert "Copied 0 call(s)" in again.stdout and "5 of the 5 call(s) read were already there" in again.stdout
    back = tmp_path / "b.sqlite"
    assert "Copied 5 call(s)" in hybrid("store", "copy", pg_url, str(back)).stdout
    assert Store(back, readonly=True).records() == log.records() == Store(pg_url, readonly=True).records()
    assert sweeps.read_grades(Store(back, readonly=True)) == sweeps.read_grades(log)


def test_without_psycopg_a_url_names_the_extra_and_import_stays_light(pg_url: str) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import workbench, workbench.runlog.store
        assert "psycopg" not in sys.modules, "import workbench must not load psycopg"
        sys.modules["psycopg"] = None
        from workbench.errors import StoreError
        try:
            workbench.runlog.store.Store({pg_url!r})
        except StoreError as exc:
            print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install 'hybrid-workbench[postgres]'" in done.stdout


def test_sweeps_grades_and_replay_look_ups_read_the_same_on_both(log_at: Path | str) -> None:
    store = Store(log_at)
    tagged = [
        make_record(call_id=f"s{i}", started_at=float(i), provenance={"sweep": {"name": "k", "item": str(i)},
                                                                      "request_hash": "h"}) for i in range(3)
    ]  # fmt: skip
    odd = make_record(call_id="nan", started_at=9.0, provenance={"sweep": {"name": "k"}, "threshold": float("nan")})
    judge = make_record(call_id="j", started_at=10.0, provenance={"judge": {"of": "s0", "grader": "g", "sweep": "k"}})
    store.append_many([*tagged, odd, judge, make_record(call_id="other", provenance={"sweep": {"name": "z"}})])
    assert [r.call_id for r in sweeps.sweep_records(store, "k")] == ["s0", "s1", "s2"]  # NaN is not JSON: not read
    assert sweeps.sweep_names(store) == ["k", "z"]
    assert [r.call_id for r in sweeps.judge_records(store, "k")] == ["j"]
    sweeps.write_grades(store, [sweeps.GradeRow("s0", "g", "1", 0.5, "half", 1.0)])
    sweeps.write_grades(store, [sweeps.GradeRow("s0", "g", "1", 1.0, "full", 2.0)])
    assert sweeps.read_grades(store, ["s0", "s1"]) == [sweeps.GradeRow("s0", "g", "1", 1.0, "full", 2.0)]
    assert [r.call_id for r in store.recorded("local/smollm2", "h")] == ["s0", "s1", "s2"]
    assert [r.call_id for r in store.records(target="local/smollm2", limit=2)] == ["other", "j"]


def test_the_magic_switches_to_a_postgresql_log(ip: object, pg_url: str) -> None:
    shown = ip.run_line_magic("hybrid", f"store {pg_url}")  # type: ignore[attr-defined]
    assert pg_url in repr(shown) and "0 calls" in repr(shown)
