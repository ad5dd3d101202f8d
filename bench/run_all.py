"""``make bench``: run every ``bench/bench_*.py``, then gather ``bench/results/*.json`` into
``bench/results.json`` and ``bench/results.md`` (figure, goal, measured, ratio, status, machine).

``run_all.py --gather`` only gathers, keeping the last whole-suite time: for after one script
was run by itself (``python bench/bench_core.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import RESULTS, machine  # noqa: E402

_KEYS = ("figure", "goal", "measured", "unit", "ratio", "alternative", "status", "runs")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def main() -> int:
    if sys.argv[1:] == ["--gather"]:
        last = json.loads((HERE / "results.json").read_text())
        return gather(last["total_seconds"], last["failed_scripts"], last["machine"])
    scripts = sorted(HERE.glob("bench_*.py"))
    failed = []
    started = time.perf_counter()
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(script.name)
        print(f"== {script.name} took {time.perf_counter() - t0:.1f} s", flush=True)
    return gather(time.perf_counter() - started, failed, machine())


def gather(total: float, failed: list[str], suite_machine: dict[str, object]) -> int:
    """Write ``results.json`` and ``results.md`` from ``bench/results/*.json``; 1 if a script failed.

    A bench measured on another machine than the suite's says so under the machine line.
    """
    benches = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    summary = {"machine": suite_machine, "total_seconds": total, "failed_scripts": failed, "benches": benches}
    (HERE / "results.json").write_text(json.dumps(summary, indent=2))
    lines = [
        "Machine: {cpu}, {cores} cores, Python {python}.".format(**summary["machine"]),
        f"Whole suite: {total:.0f} s (goal <= 600 s on 2 cores: {'pass' if total <= 600 else 'short'}).",
        *(
            "`{}` was last run by itself, on: {cpu}, {cores} cores, Python {python}.".format(b["bench"], **b["machine"])
            for b in benches
            if b.get("machine") and b["machine"].get("cpu") != suite_machine.get("cpu")
        ),
        "",
        "| bench | figure | goal | measured | unit | ratio | vs | status | runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for bench in benches:
        for row in bench.get("figures", []):
            cells = [bench["bench"], *(_cell(row.get(k)) for k in _KEYS)]
            lines.append("| " + " | ".join(cells) + " |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if failed:
        print(f"bench scripts that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
