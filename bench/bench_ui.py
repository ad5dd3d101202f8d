"""UI bench: live-plot append cost, panel cost per text delta and per record, and %load_ext time.

    python bench/bench_ui.py     # figures, pass/short per goal, bench/results/ui.json

Goals (issue 3): a record added to the live plots <= 20 ms median with 1,000 records present;
`%load_ext workbench` <= 300 ms. Panel figures are reported: the time per text delta, per redraw
and per finished record, and how many redraws 4 columns at 100 tokens/s cause per second.
Measured in the kernel process without a browser: a widget's state is serialized, but there is no
frontend to send it to, so the ZMQ send itself is not included.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, write
from tests.support.records import make_record
from workbench.records import CallRecord, CallStart, Locality, Privacy
from workbench.ui.panel import Panel
from workbench.ui.plots import LivePlots

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"plots_append_ms": 20.0, "load_ext_ms": 300.0}
TARGETS = [("local/smollm2", Locality.DEVICE), ("mlc/Llama-3.2-3B@http://10.0.0.5:8000", Locality.PRIVATE_NETWORK),
           ("openai/gpt-4o-mini", Locality.CLOUD), ("anthropic/claude-3-5-haiku-latest", Locality.CLOUD)]


def record(i: int, rng: random.Random) -> CallRecord:
    """A plausible record: a mix of targets, some failed, some with flagged data, some with unknown cost."""
    target, locality = TARGETS[i % len(TARGETS)]
    failed = rng.random() < 0.05
    flagged = locality is Locality.CLOUD and rng.random() < 0.1
    cost = None if locality is Locality.CLOUD and rng.random() < 0.05 else (
        0.0 if locality is not Locality.CLOUD else rng.uniform(1e-5, 1e-3))
    return make_record(
        call_id=f"c{i}", run_id=f"r{i // 4}", target=target, provider=target.split("/")[0], model=target,
        locality=locality, started_at=1.7e9 + i, ttft_s=None if failed else rng.uniform(0.01, 1.5),
        latency_s=rng.uniform(0.2, 6), input_tokens=40, output_tokens=None if failed else 64,
        tokens_estimated=False, decode_tps=None if failed else rng.uniform(20, 120), cost_usd=cost,
        cost_basis="bench", params={"max_tokens": 64}, response="" if failed else "An answer. " * 20,
        error_type="ServerError" if failed else None, error_message="500 from server" if failed else None,
        privacy=Privacy({"email": 1}, locality.value, "flag") if flagged else None,
    )


def bench_plots(present: int = 1000, appends: int = 60, *, earlier: bool = False) -> dict[str, Any]:
    """Median ms to add one record to the live plots with ``present`` records already drawn.

    ``earlier``: each new call started before the last one shown (calls of one run finishing out of
    order), so every later call is renumbered and the figures are restyled whole.
    """
    rng = random.Random(7)
    plots = LivePlots([record(i, rng) for i in range(present)])
    times = []
    for i in range(present, present + appends):
        new = record(i, rng)
        if earlier:
            new = dataclasses.replace(new, started_at=plots._records[-1].started_at - 0.5)
        start = time.perf_counter()
        plots.on_record(new)
        times.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(times), "max": max(times), "present": present, "values": times}


def bench_panel(columns: int = 4, tokens_per_s: float = 100.0, seconds: float = 5.0) -> dict[str, Any]:
    """Panel cost per delta, per redraw and per record, on a simulated clock: ``columns`` x ``tokens_per_s``."""
    now = [0.0]
    panel = Panel([t for t, _ in TARGETS[:columns]], update_interval=0.1, clock=lambda: now[0])
    for j, (target, locality) in enumerate(TARGETS[:columns]):
        panel.on_call_start(CallStart(f"c{j}", "r", target, target.split("/")[0], target, locality))
    step = 1 / (tokens_per_s * columns)
    deltas = int(seconds * tokens_per_s * columns)
    delta_times = []
    for k in range(deltas):
        now[0] += step
        start = time.perf_counter()
        panel.on_delta(f"c{k % columns}", " token")
        delta_times.append((time.perf_counter() - start) * 1000)
    rng = random.Random(3)
    record_times = []
    for j in range(columns):
        final = record(j, rng)
        final = CallRecord(**{**final.__dict__, "call_id": f"c{j}", "response": panel.text(j)})
        start = time.perf_counter()
        panel.on_record(final)
        record_times.append((time.perf_counter() - start) * 1000)
    draws = [t for t in delta_times if t > 5 * statistics.median(delta_times)]
    return {
        "delta_median_ms": round(statistics.median(delta_times), 4),
        "delta_mean_ms": round(statistics.fmean(delta_times), 4),
        "redraw_median_ms": round(statistics.median(draws), 3) if draws else None,
        "redraws_per_s": round(panel.draws / seconds, 1),
        "record_median_ms": round(statistics.median(record_times), 3),
        "columns": columns, "tokens_per_s_per_column": tokens_per_s, "answer_chars": len(panel.text(0)),
    }


LOAD_EXT = """
import time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
start = time.perf_counter()
from workbench.magic import register
register(shell)
magics = time.perf_counter()
shell.run_line_magic("load_ext", "workbench")
print((time.perf_counter() - start) * 1000, (magics - start) * 1000)
"""


def bench_load_ext(runs: int = 5) -> dict[str, Any]:
    """``%load_ext workbench`` in a fresh IPython shell, each run a new process; also the magics' share."""
    runs_ms = [subprocess.run([sys.executable, "-c", LOAD_EXT], capture_output=True, text=True,
                              check=True).stdout.split()[-2:] for _ in range(runs)]
    times, magics = [float(t) for t, _ in runs_ms], [float(m) for _, m in runs_ms]
    return {"median": statistics.median(times), "values": times, "magics_median": statistics.median(magics),
            "magics": magics}


def main() -> None:
    """Run every bench, print pass/short per goal, and write bench/results/ui.json."""
    plots, panel, load = bench_plots(), bench_panel(), bench_load_ext()
    earlier = bench_plots(earlier=True)
    figures = [
        figure(f"live plots: add a record with {plots['present']:,} present", plots["median"], "ms",
               goal=f"<= {GOALS['plots_append_ms']:g} ms", passed=plots["median"] <= GOALS["plots_append_ms"],
               values=plots["values"]),
        figure(f"live plots: add a call that started before the last one shown ({earlier['present']:,} present)",
               earlier["median"], "ms", goal=f"<= {GOALS['plots_append_ms']:g} ms",
               passed=earlier["median"] <= GOALS["plots_append_ms"], values=earlier["values"]),
        figure("%load_ext workbench (fresh process)", load["median"], "ms", goal=f"<= {GOALS['load_ext_ms']:g} ms",
               passed=load["median"] <= GOALS["load_ext_ms"], values=load["values"]),
        figure("  of which registering the magics", load["magics_median"], "ms", values=load["magics"]),
        figure("panel: cost per text delta (4 columns x 100 tokens/s)", panel["delta_mean_ms"], "ms"),
        figure("panel: redraws per second (4 columns x 100 tokens/s)", panel["redraws_per_s"], "1/s"),
        figure("panel: cost per redraw (4 columns)", panel["redraw_median_ms"] or 0.0, "ms"),
        figure("panel: cost per finished record", panel["record_median_ms"], "ms"),
    ]
    path = write("ui", figures, panel=panel)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
