"""Sweep throughput against its ideal and against promptfoo 0.119.0, on one loopback server in one run.

The server (tests/support/scripted_server.py, its own process, its CPU measured apart) answers
every call after 100 ms: streamed for the sweep, one JSON body for promptfoo's default OpenAI
provider. Four OpenAI-compatible targets (``openai/delay-0.1...@URL``), cache and reuse off,
every call recorded (the sweep in its run log, promptfoo in its own results database).

- equal total concurrency, the issue's anchor: 500 items x 4 targets = 2,000 calls, 16 in flight
  in all (the sweep: 4 per target; promptfoo: ``-j 16``, its total). Ideal 2,000 x 0.1 s / 16 = 12.5 s.
- scale: 2,000 items x 4 targets = 8,000 calls, 16 per target (64 in flight; promptfoo ``-j 64``).
  Ideal 2,000 x 0.1 s / 16 = 12.5 s.

Each run is a process of its own (bench/sweep_child.py; promptfoo's node CLI): wall, CPU and peak
resident memory come from ``os.wait4`` (its rusage: the process and the children it waited for).
The sweep also reports its own wall and CPU from start to end of ``asweep`` (no imports or start-up).
promptfoo comes from ``make bench-tools`` (bench/promptfoo/, never a dependency of the package).

Run: ``make bench-tools && .venv/bin/python bench/bench_sweep.py`` (``BENCH_ROUNDS=1`` for a quick look)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import figure, write  # noqa: E402
from bench.sweep_child import MODELS, rows  # noqa: E402

DELAY = 0.1
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PROMPTFOO = HERE / "promptfoo" / "node_modules" / "promptfoo" / "dist" / "src" / "main.js"
SERVER = (
    "import sys\nfrom tests.support import scripted_server\n"
    "with scripted_server.ScriptedServer() as s:\n    print(s.url, flush=True)\n    sys.stdin.read()\n"
)


@dataclass(frozen=True)
class Scenario:
    """A workload: items x 4 targets, calls in flight per target for the sweep, in all for promptfoo."""

    key: str
    items: int
    per_target: int

    @property
    def calls(self) -> int:
        return self.items * len(MODELS)

    @property
    def total(self) -> int:
        return self.per_target * len(MODELS)

    @property
    def ideal(self) -> float:
        return self.calls * DELAY / self.total


SCENARIOS = (Scenario("equal total concurrency", 500, 4), Scenario("scale", 2000, 16))


@dataclass
class Run:
    """One measured process: whole wall, CPU (user + system, children waited for included), peak RSS."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    server_cpu_s: float
    own: dict[str, Any]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(command: list[str], server: int, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to its end; its figures from ``os.wait4`` and the server's CPU meanwhile."""
    before = _cpu_s(server)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=HERE.parent)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        after = _cpu_s(server)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise SystemExit(f"{' '.join(command[:4])} failed ({child.returncode}): {err.read().decode()[-3000:]}")
        lines = out.read().decode().strip().splitlines()
    own = json.loads(lines[-1]) if command[0] == sys.executable else {}
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, after - before, own)


def _sweep(scenario: Scenario, url: str, server: int, tmp: Path, round_: int) -> Run:
    store = tmp / f"sweep-{scenario.items}-{round_}.sqlite"
    command = [sys.executable, str(HERE / "sweep_child.py"), url, str(scenario.items), str(scenario.per_target)]
    run = _measured([*command, str(store)], server)
    if run.own["ok"] != scenario.calls:
        raise SystemExit(f"the sweep finished {run.own['ok']} of {scenario.calls} calls without error")
    return run


def _promptfoo(scenario: Scenario, url: str, server: int, tmp: Path, round_: int) -> Run:
    """The same calls through promptfoo's OpenAI provider, results written to its own database in ``tmp``."""
    home = tmp / f"promptfoo-{scenario.items}-{round_}"
    home.mkdir()
    providers = [{"id": f"openai:chat:{m}", "config": {"apiBaseUrl": url, "apiKey": "no-key-needed", "max_tokens": 8}}
                 for m in MODELS]  # fmt: skip
    tests = [{"vars": {"q": row["q"]}} for row in rows(scenario.items)]
    config = {"prompts": ["{{q}}"], "providers": providers, "tests": tests}
    (home / "promptfooconfig.json").write_text(json.dumps(config))
    env = {**os.environ, "PROMPTFOO_CACHE_ENABLED": "false", "PROMPTFOO_DISABLE_TELEMETRY": "1", "NO_COLOR": "1",
           "PROMPTFOO_DISABLE_UPDATE": "1", "PROMPTFOO_CONFIG_DIR": str(home / ".promptfoo")}  # fmt: skip
    command = ["node", str(PROMPTFOO), "eval", "-c", str(home / "promptfooconfig.json"), "-j", str(scenario.total),
               "--no-cache", "--no-progress-bar", "--no-table", "-o", str(home / "out.json")]  # fmt: skip
    run = _measured(command, server, env)
    stats = json.loads((home / "out.json").read_text())["results"]["stats"]
    if stats["successes"] + stats["failures"] != scenario.calls or stats.get("errors", 0):
        raise SystemExit(f"promptfoo answered {stats} of {scenario.calls} calls")
    return run


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _figures(scenario: Scenario, swept: list[Run], alt: list[Run]) -> list[dict[str, Any]]:
    """The goals of one scenario, each a median over the rounds."""
    n, tag = scenario.calls, f"{scenario.items} items x 4 targets, {scenario.total} in flight"
    own_wall = [r.own["wall_s"] for r in swept]
    own_cpu = [1000 * r.own["cpu_s"] / n for r in swept]
    wall, pf_wall = [r.wall_s for r in swept], [r.wall_s for r in alt]
    peak, pf_peak = [r.peak_mb for r in swept], [r.peak_mb for r in alt]
    server, pf_server = [1000 * r.server_cpu_s / n for r in swept], [1000 * r.server_cpu_s / n for r in alt]
    rows_ = [
        figure(f"{scenario.key}: sweep wall ({tag}), asweep start to end", _median(own_wall), "s",
               goal=f"<= 1.2x the ideal {scenario.ideal:.1f} s", passed=_median(own_wall) <= 1.2 * scenario.ideal,
               ratio=_median(own_wall) / scenario.ideal, alternative="ideal", values=own_wall),
        figure(f"{scenario.key}: sweep CPU per call, asweep start to end", _median(own_cpu), "ms", goal="<= 2 ms",
               passed=_median(own_cpu) <= 2, values=own_cpu),
        figure(f"{scenario.key}: sweep process CPU per call, start-up and imports included",
               _median([1000 * r.cpu_s / n for r in swept]), "ms", values=[1000 * r.cpu_s / n for r in swept]),
        figure(f"{scenario.key}: sweep process wall, start-up included", _median(wall), "s",
               goal="<= 0.75x promptfoo's", passed=_median(wall) <= 0.75 * _median(pf_wall),
               ratio=_median(wall) / _median(pf_wall), alternative="promptfoo 0.119.0, same calls", values=wall),
        figure(f"{scenario.key}: sweep peak memory (process RSS)", _median(peak), "MB", goal="below promptfoo's",
               passed=_median(peak) < _median(pf_peak), ratio=_median(peak) / _median(pf_peak),
               alternative="promptfoo 0.119.0, same calls", values=peak),
        figure(f"{scenario.key}: promptfoo 0.119.0 wall (-j {scenario.total})", _median(pf_wall), "s",
               ratio=_median(pf_wall) / scenario.ideal, alternative="ideal", values=pf_wall),
        figure(f"{scenario.key}: promptfoo CPU per call (process and children)",
               _median([1000 * r.cpu_s / n for r in alt]), "ms", values=[1000 * r.cpu_s / n for r in alt]),
        figure(f"{scenario.key}: promptfoo peak memory (RSS)", _median(pf_peak), "MB", values=pf_peak),
        figure(f"{scenario.key}: server CPU per call during the sweep (its own process)", _median(server), "ms",
               values=server),
        figure(f"{scenario.key}: server CPU per call during promptfoo", _median(pf_server), "ms", values=pf_server),
    ]  # fmt: skip
    return rows_


def main() -> None:
    """Each scenario: the sweep and promptfoo alternating, ``ROUNDS`` rounds; medians reported."""
    if not PROMPTFOO.exists():
        raise SystemExit("promptfoo is not installed for the bench: run `make bench-tools` first.")
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=HERE.parent, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    figures: list[dict[str, Any]] = []
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as tmp:
            for scenario in SCENARIOS:
                swept, alt = [], []
                for round_ in range(ROUNDS):
                    swept.append(_sweep(scenario, url, server.pid, Path(tmp), round_))
                    alt.append(_promptfoo(scenario, url, server.pid, Path(tmp), round_))
                figures += _figures(scenario, swept, alt)
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=10)
    write("sweep", figures, rounds=ROUNDS)


if __name__ == "__main__":
    main()
