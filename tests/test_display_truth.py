"""What every display says about a call is true: sent or not, flagged or not, timed or not, in one order.

The unsent call is a real one: the cloud target without its key, through the real runner and run log.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import workbench
from workbench.records import NOT_SENT, CallRecord, Egress, Locality, Privacy
from workbench.runlog.schema import MIGRATIONS
from workbench.runlog.store import Store
from workbench.ui.format import dollars, seconds
from workbench.ui.plots import LivePlots, cost_figure, from_store, latency_figure
from workbench.ui.table import figure_rows

from .support.records import make_record

PERSONAL = "Charge card 4111 1111 1111 1111 and mail the receipt to ana.lopez@example.com"
FOUND = Privacy(entities={"email": 1, "payment_card": 1}, destination="cloud", action="flag")


def cloud(**changes: object) -> CallRecord:
    base = {"target": "openai/gpt-4o-mini", "provider": "openai", "locality": Locality.CLOUD, "privacy": FOUND}
    return make_record(**{**base, **changes})


def traces(fig: object) -> dict[str, tuple[list[float], list[float]]]:
    return {t.name: (list(t.x), list(t.y)) for t in fig.data}  # type: ignore[attr-defined]


def test_a_cloud_call_never_sent_is_not_flagged_and_has_no_timings(tmp_path: Path) -> None:
    store = Store(tmp_path / "log.sqlite")
    [unsent] = workbench.run(PERSONAL, ["openai/gpt-4o-mini"], store=store)
    assert unsent.error_type == "MissingKeyError" and unsent.privacy is not None and unsent.privacy.entities
    assert unsent.egress is Egress.NOT_SENT and not unsent.sent and not unsent.flagged_off_device
    assert (unsent.ttft_s, unsent.latency_s, unsent.queue_s, unsent.e2e_s, unsent.decode_tps) == (None,) * 5
    [stored] = store.records()
    assert stored == unsent and stored.latency_s is None  # NULL in the log, not a made-up 0.0004 s
    rows = dict(figure_rows(unsent))
    assert rows["privacy"] == "not sent (card number, email found)"
    assert rows["latency"] == rows["time to first token"] == rows["cost"] == "-"
    figure = traces(latency_figure([unsent]))
    assert figure == {"failed calls (+1 not sent, no timings)": ([], [])}  # counted, never plotted as a time


def test_each_egress_reads_in_words_and_only_a_sent_call_counts_as_flagged() -> None:
    cases = {
        Egress.SENT: cloud(),
        Egress.STAYED: make_record(privacy=Privacy({"email": 1}, "device", "flag")),
        Egress.BLOCKED: cloud(error_type="PrivacyBlocked", cost_basis=NOT_SENT, latency_s=None,
                              privacy=Privacy(FOUND.entities, "cloud", "block")),
        Egress.NOT_SENT: cloud(error_type="MissingKeyError", cost_basis=NOT_SENT, latency_s=None),
        Egress.REPLAYED: cloud(replayed=True),
    }
    words = {
        Egress.SENT: "sent to cloud: card number, email",
        Egress.STAYED: "stayed on device (email found)",
        Egress.BLOCKED: "not sent (blocked) (card number, email found)",
        Egress.NOT_SENT: "not sent (card number, email found)",
        Egress.REPLAYED: "sent to cloud: card number, email",  # as recorded; the source row says "replayed"
    }
    for egress, record in cases.items():
        assert record.egress is egress
        assert record.flagged_off_device is (egress is Egress.SENT), egress
        assert dict(figure_rows(record))["privacy"] == words[egress]
    assert dict(figure_rows(cases[Egress.REPLAYED]))["source"] == "recorded (replayed)"
    redacted = cloud(privacy=Privacy(FOUND.entities, "cloud", "redact"))
    assert not redacted.flagged_off_device
    assert dict(figure_rows(redacted))["privacy"] == "sent to cloud with card number, email redacted"
    assert dict(figure_rows(cloud(privacy=None)))["privacy"] == "sent to cloud"


def test_one_format_for_every_figure() -> None:
    assert [seconds(1.384), seconds(0.0123), seconds(None)] == ["1.38 s", "12 ms", "-"]
    assert [dollars(0), dollars(0.000153), dollars(1.5), dollars(None)] == ["$0", "$0.000153", "$1.5", "unknown"]
    rows = dict(figure_rows(cloud(ttft_s=1.384, latency_s=2.0, cost_usd=0.000153)))
    assert (rows["time to first token"], rows["latency"], rows["cost"]) == ("1.38 s", "2.00 s", "$0.000153")


def test_a_replay_beside_its_recording_is_only_a_mark_and_a_lone_one_stands_for_it() -> None:
    live = make_record(started_at=1.0, latency_s=0.5, ttft_s=0.1)
    again = make_record(started_at=1.0, latency_s=0.5, ttft_s=0.1, replayed=True,
                        provenance={"replay": {"of": live.call_id}})  # fmt: skip
    data = traces(latency_figure([live, again]))
    assert data["replayed (recorded figures)"] == ([2], [0.5])
    assert data["local/smollm2 · latency"] == ([1], [0.5])  # not a second measurement
    alone = traces(latency_figure([again]))  # a reproduction's fresh log: the replay stands for its recording
    assert alone["local/smollm2 · latency"] == ([1], [0.5]) and alone["replayed (recorded figures)"] == ([1], [0.5])
    paid = cloud(started_at=1.0, cost_usd=0.25)
    paid_again = cloud(started_at=2.0, cost_usd=0.25, replayed=True, provenance={"replay": {"of": paid.call_id}})
    assert traces(cost_figure([paid, paid_again]))["cloud"] == ([1], [0.25])  # spent once
    assert traces(cost_figure([paid_again]))["cloud"] == ([1], [0.25])  # as recorded
    flagged = traces(latency_figure([paid, paid_again]))
    assert flagged["flagged data sent off device"] == ([1], [0.5])


def test_the_cost_axis_starts_at_zero() -> None:
    assert cost_figure([make_record()]).layout.yaxis.rangemode == "nonnegative"


def test_the_dashboard_shows_every_call_of_the_log_in_the_order_of_the_static_plots(tmp_path: Path) -> None:
    store = Store(tmp_path / "log.sqlite")
    store.append(make_record(started_at=10.0, target="local/a"))
    dashboard = LivePlots(store.records()[::-1], store=store)
    workbench.run("Say hi.", ["local/smollm2[max_tokens=4]"], store=store)  # not passed to the dashboard as a sink
    store.append(make_record(started_at=5.0, target="local/early"))  # started before everything shown
    assert dashboard.count == 3
    static = from_store(store)
    assert traces(dashboard.latency) == traces(static[0]) and traces(dashboard.cost) == traces(static[1])
    assert traces(dashboard.latency)["local/early · latency"][0] == [1]  # numbered by start, not by arrival
    dashboard.on_record(store.records()[0])  # also fed as a sink: a call already shown is not shown twice
    assert dashboard.count == 3
    dashboard.unwatch()  # type: ignore[misc]


def test_a_log_written_before_005_loses_the_made_up_timings_of_unsent_calls(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    before = [name for name, _ in MIGRATIONS].index("005_unsent_calls_untimed")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for name, sql in MIGRATIONS[:before]:
        conn.executescript(sql)
        conn.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    row = "?, 'r', 't', 'p', 'm', 'cloud', 1.0, ?, ?, NULL, NULL, 0, NULL, 0.0, ?, '{}', '', NULL, '{}', NULL, NULL, 1"
    conn.execute(f"INSERT INTO calls VALUES ({row}, NULL, 0, '{{}}', 'h', 0.0, ?)", ("unsent", 0.0003, 0.0004,
                                                                                      NOT_SENT, 0.0004))
    conn.execute(f"INSERT INTO calls VALUES ({row}, NULL, 0, '{{}}', 'h', 0.0, ?)", ("sent", 0.2, 0.5, "b", 0.5))
    conn.commit()
    conn.close()
    records = {r.call_id: r for r in Store(path).records()}
    assert (records["unsent"].ttft_s, records["unsent"].latency_s, records["unsent"].e2e_s) == (None, None, None)
    assert (records["sent"].ttft_s, records["sent"].latency_s, records["sent"].e2e_s) == (0.2, 0.5, 0.5)
    assert len(Store(path).records()) == 2 and Store(path).migrate() == []


def test_the_notebook_dashboard_gets_calls_made_from_python_too(
    ip: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "log.sqlite"))
    with capture_output() as captured:
        ip.run_cell("%hybrid dashboard")
        ip.run_cell("%%hybrid -t local/smollm2 --max-tokens 4 --no-panel\nSay hi.")
        ip.run_cell("import workbench; workbench.run('Say hello.', ['local/smollm2[max_tokens=4]'])")  # no magic
    dashboard = ip.run_line_magic("hybrid", "dashboard")
    assert dashboard.count == 2
    static = from_store(tmp_path / "log.sqlite")
    assert [traces(f) for f in dashboard.figures()] == [traces(f) for f in static]
    latest = [o.data for o in captured.outputs if o.update][-2:]  # the redraw after the workbench.run() cell
    assert [d["text/plain"].rsplit(": ", 1)[1] for d in latest] == ["2 calls", "2 calls"]
