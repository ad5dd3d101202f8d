"""The panel and the plots as sinks of real runs (through the runner), and the figures as pure functions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

import workbench
from tests.support.records import make_record
from workbench.errors import ServerError
from workbench.records import CallRecord, EngineStarted, Locality, Privacy, Request, TextDelta, Usage
from workbench.targets import BaseTarget
from workbench.ui.panel import Panel, PanelRunResult, call_status
from workbench.ui.plots import LivePlots, cost_figure, latency_figure
from workbench.ui.table import figure_rows, records_text


class Scripted(BaseTarget):
    """An in-process target that streams given pieces with a pause between them, or fails after some."""

    provider = "scripted"

    def __init__(self, spec: str, pieces: list[str], *, pause: float = 0.0, fail_after: int | None = None,
                 locality: Locality = Locality.DEVICE) -> None:
        self.spec, self.model, self.locality = spec, spec, locality
        self.pieces, self.pause, self.fail_after = pieces, pause, fail_after

    async def prepare(self) -> None:
        """Nothing to load."""

    async def stream(self, request: Request) -> AsyncIterator[TextDelta | Usage]:
        for i, piece in enumerate(self.pieces):
            if self.fail_after is not None and i == self.fail_after:
                raise ServerError("500 from the scripted server")
            await asyncio.sleep(self.pause)
            yield TextDelta(piece)
        yield Usage(input_tokens=5, output_tokens=len(self.pieces))


def test_panel_streams_throttled_columns_and_shows_errors_in_the_failing_one() -> None:
    fast = Scripted("fast", ["tok "] * 40, pause=0.005)
    broken = Scripted("broken/cloud", ["partial "] * 5, pause=0.005, fail_after=3, locality=Locality.CLOUD)
    panel = Panel(["fast", "broken/cloud"], update_interval=0.05)
    result = workbench.run("hi", [fast, broken], sinks=[panel], store=False, retries=0)
    assert 2 <= panel.draws < 40  # throttled: far fewer redraws than deltas, but more than one
    columns = panel._columns
    assert columns[0].answer.value == "tok " * 40 == result["fast"].response
    assert "done" in columns[0].header.value and "on device" in columns[0].header.value
    assert "partial partial partial " in columns[1].answer.value
    assert "ServerError" in columns[1].answer.value and "500 from the scripted server" in columns[1].answer.value
    assert "failed" in columns[1].header.value and "cloud · scripted" in columns[1].header.value
    for column, record in zip(columns, result, strict=True):
        for label, value in figure_rows(record):
            assert f"<td>{label}</td><td><b>{value}</b></td>" in column.footer.value.replace("&#x27;", "'")


class OneAtATime(Scripted):
    """A scripted engine that serves one request at a time and announces when it takes one."""

    def __init__(self, spec: str, pieces: list[str], lock: asyncio.Lock, pause: float) -> None:
        super().__init__(spec, pieces, pause=pause)
        self.lock = lock

    async def stream(self, request: Request) -> AsyncIterator[EngineStarted | TextDelta | Usage]:  # type: ignore[override]
        async with self.lock:
            yield EngineStarted(time.perf_counter())
            async for event in super().stream(request):
                yield event


def test_panel_shows_the_queue_only_for_the_call_that_waited_for_the_engine() -> None:
    lock = asyncio.Lock()
    engines = [OneAtATime(spec, ["tok "] * 10, lock, pause=0.02) for spec in ("engine/a", "engine/b")]
    panel = Panel(["engine/a", "engine/b"])
    first, second = workbench.run("hi", engines, sinks=[panel], store=False)
    assert first.queue_s is not None and first.queue_s < 0.0005  # taken at once
    assert second.queue_s is not None and second.queue_s >= first.latency_s * 0.9  # waited for the first answer
    assert second.ttft_s is not None and second.ttft_s < 0.5 * second.queue_s
    assert second.e2e_s == pytest.approx(second.queue_s + second.latency_s)
    footers = [c.footer.value for c in panel._columns]
    assert "queued for engine" not in footers[0]
    assert f"<td>queued for engine</td><td><b>{dict(figure_rows(second))['queued for engine']}</b>" in footers[1]
    table = records_text([first, second]).splitlines()
    queued = next(line for line in table if "queued for engine" in line)
    assert table.index(queued) < next(i for i, line in enumerate(table) if "time to first token" in line)
    assert queued.split("│")[2].strip() == "-"  # the first column has no queue to show


def test_panel_bundle_has_the_table_for_static_viewers_once_finished() -> None:
    panel = Panel(["fast"])
    assert "text/html" not in panel._repr_mimebundle_()
    result = workbench.run("hi", [Scripted("fast", ["a", "b"])], sinks=[panel], store=False)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "workbench-run" in bundle["text/html"] and "fast" in bundle["text/plain"]
    shown = PanelRunResult(result.run_id, result.records)
    assert "1 call (fast), recorded" in shown._repr_html_() and shown.to_pandas().shape[0] == 1
    panel.finish()
    frozen = panel._repr_mimebundle_()
    assert set(frozen) == {"text/html", "text/plain"}  # no widget view: a reopened notebook still shows it
    assert "<div class='workbench-answer'" in frozen["text/html"] and ">ab</div>" in frozen["text/html"]
    assert "<small>done</small>" in frozen["text/html"] and "on device" in frozen["text/html"]
    assert "<td>latency</td>" in frozen["text/html"] and "fast" in frozen["text/plain"]


def test_a_column_that_never_started_says_why_once_frozen() -> None:
    panel = Panel(["a", "b"])
    panel.finish(interrupted=True)
    page = panel.static_bundle()
    assert page["text/html"].count("<small>interrupted before it started</small>") == 2
    assert page["text/plain"] == "a: interrupted before it started\nb: interrupted before it started"


@pytest.mark.parametrize(
    ("changes", "status"),
    [({}, "done"), ({"output_tokens": 4, "params": {"max_tokens": 4}}, "stopped at max tokens"),
     ({"output_tokens": 3, "params": {"max_tokens": 4}}, "done"),
     ({"error_type": "ServerError"}, "failed"),
     ({"error_type": "CallCancelled", "output_tokens": 1}, "interrupted after 1 token"),
     ({"error_type": "CallCancelled", "output_tokens": None}, "interrupted after 0 tokens")],
)
def test_column_status_words(changes: dict[str, object], status: str) -> None:
    record = make(1, "local/a", Locality.DEVICE, **changes)
    assert call_status(record) == status
    panel = Panel(["local/a"])
    from workbench.records import CallStart

    panel.on_call_start(CallStart(record.call_id, "r", "local/a", "p", "m", Locality.DEVICE))
    panel.on_record(record)
    assert panel._columns[0].header.value.endswith(f"<small>{status}</small>")
    assert ("workbench-error" in panel._columns[0].answer.value) == (status == "failed")


def test_panel_text_waits_for_the_interval_then_draws() -> None:
    now = [0.0]
    panel = Panel(["a"], update_interval=0.1, clock=lambda: now[0])
    from workbench.records import CallStart

    panel.on_call_start(CallStart("c", "r", "a", "p", "m", Locality.DEVICE))
    panel.on_delta("c", "one ")  # first delta draws at once
    panel.on_delta("c", "two ")  # within the interval, no loop to schedule on: buffered
    assert panel._columns[0].answer.value == "one " and panel.text(0) == "one two "
    now[0] = 0.2
    panel.on_delta("c", "three")
    assert panel._columns[0].answer.value == "one two three" and panel.draws == 2


def make(i: int, target: str, locality: Locality, **changes: object) -> CallRecord:
    base = make_record(call_id=f"c{i}", run_id="r", target=target, provider="p", model="m", locality=locality,
                      started_at=float(i), ttft_s=0.1, latency_s=1.0 + i, input_tokens=3, output_tokens=4,
                      tokens_estimated=False, decode_tps=10.0, cost_usd=0.0, cost_basis="test", params={},
                      response="x")
    return replace(base, **changes)


RECORDS = [
    make(1, "local/a", Locality.DEVICE),
    make(2, "openai/b", Locality.CLOUD, cost_usd=0.002),
    make(3, "openai/b", Locality.CLOUD, cost_usd=None),
    make(4, "openai/b", Locality.CLOUD, cost_usd=0.001, privacy=Privacy({"email": 2}, "cloud", "flag")),
    make(5, "local/a", Locality.DEVICE, ttft_s=None, error_type="StreamDropped", error_message="dropped"),
    make(6, "mlc/c", Locality.PRIVATE_NETWORK, cost_usd=0.0005),
]


def traces(fig: object) -> dict[str, tuple[list[float], list[float]]]:
    return {t.name: (list(t.x), list(t.y)) for t in fig.data}  # type: ignore[attr-defined]


def test_latency_figure_points_failed_and_flagged() -> None:
    data = traces(latency_figure(RECORDS))
    assert data["local/a · latency"] == ([1], [2.0])
    assert data["local/a · first token"] == ([1], [0.1])
    assert data["openai/b · latency"] == ([2, 3, 4], [3.0, 4.0, 5.0])
    assert data["failed calls"] == ([5], [6.0])
    assert data["flagged data sent off device"] == ([4], [5.0])


def test_cost_figure_is_cumulative_and_never_counts_unknown_as_zero() -> None:
    data = traces(cost_figure(RECORDS))
    assert data["edge (device + private network)"] == ([1, 5, 6], [0.0, 0.0, 0.0005])
    cloud = "cloud (+1 calls, cost unknown)"
    assert data[cloud][0] == [2, 4] and data[cloud][1] == pytest.approx([0.002, 0.003])


def test_live_plots_append_to_the_same_figures_as_the_static_ones() -> None:
    live = LivePlots(RECORDS[:2])
    for record in RECORDS[2:]:
        live.on_record(record)
    assert live.count == len(RECORDS)
    assert traces(live.latency) == traces(latency_figure(RECORDS))
    assert traces(live.cost) == traces(cost_figure(RECORDS))


def test_from_store_renders_the_run_log(isolated_store: object) -> None:
    from workbench.plots import from_store
    from workbench.runlog.store import Store

    store = Store()
    store.append_many(RECORDS)
    latency, cost = from_store()
    assert traces(latency) == traces(latency_figure(RECORDS))  # oldest first, as recorded
    assert traces(cost) == traces(cost_figure(RECORDS))


def test_write_html_is_one_offline_page_with_both_figures(isolated_store: object, tmp_path: Path) -> None:
    from workbench.plots import write_html
    from workbench.runlog.store import Store

    Store().append_many(RECORDS)
    page = write_html(tmp_path / "plots.html").read_text()
    assert page.count("Plotly.newPlot") == 2 and "Cumulative cost" in page and "first token" in page
    assert "<script src=" not in page and len(page) > 1_000_000  # plotly.js embedded, not fetched
    assert write_html(tmp_path / "two.html", RECORDS[:2]).read_text().count("Plotly.newPlot") == 2
