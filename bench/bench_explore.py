"""The routing explorer's slider: one move (numbers, point restyle, figures, tables) <= 50 ms at 10,000 prompts.

The data: 20,000 rows resampled (seed 0) from RouteLLM's GSM8K outcomes, each prompt suffixed with
its copy number so the held-out half is exactly 10,000 prompts; 5% of the rows are marked as
carrying one personal-data entity (synthetic, so the "keep flagged prompts on the edge" path is
timed too). A move is setting the slider's value (a cloud share, or a dollar budget), which runs the
widget's own observer, as a drag in the browser does; the time to the browser's redraw is not in it.
The static snapshot a displayed explorer redraws once the slider stops is timed on its own.

Run: ``.venv/bin/python bench/bench_explore.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, write
from workbench.routing import default_routellm_dir, load_routellm
from workbench.routing.outcomes import Outcomes
from workbench.ui.explorer import SNAPSHOT_DELAY, Explorer, explore

ROWS = 20_000
MOVES = 200
GOAL_MS = 50.0
POLICIES = ("learned", "learned-cascade")


def synthetic() -> Outcomes:
    """20,000 resampled GSM8K outcomes with unique prompts (10,000 held out) and 5% flagged."""
    data = load_routellm(default_routellm_dir() / "gsm8k_responses.csv")
    rng = np.random.default_rng(0)
    big = data.take(rng.integers(0, len(data), ROWS))
    frame = big.frame
    frame["prompt"] = [f"{p} (copy {i})" for i, p in enumerate(frame["prompt"])]
    frame["privacy_entities"] = (rng.random(ROWS) < 0.05).astype(int)
    return big


def timed_moves(explorer: Explorer, values: np.ndarray) -> list[float]:
    """Milliseconds per slider move to each of ``values``."""
    moves = []
    for value in values:
        start = time.perf_counter()
        explorer.share.value = float(value)
        moves.append((time.perf_counter() - start) * 1000)
    return moves


def main() -> None:
    """Time the slider moves of each policy (cloud share and dollar budget, with and without the privacy pin),
    and the static snapshot drawn once the slider stops; write the results."""
    data = synthetic()
    figures = []
    for name in POLICIES:
        start = time.perf_counter()
        explorer = explore(data, policy=name)
        built = time.perf_counter() - start
        n = explorer.exploration().n
        figures.append(figure(f"explore {name}: build and score once (n={n})", built, "s"))
        for axis in ("cloud share", "dollar budget"):
            explorer.axis.value = axis
            for pinned in (False, True):
                explorer.pin.value = pinned
                low, high = explorer.share.min, explorer.share.max
                values = np.random.default_rng(1).uniform(low, high, MOVES)
                moves = timed_moves(explorer, np.round(values * 2) / 2 if axis == "cloud share" else values)
                worst = max(moves)
                label = f"{axis}, {'pinned' if pinned else 'unpinned'}"
                figures.append(figure(
                    f"explore {name} ({label}): one slider move at n={n}, median (p95 "
                    f"{np.percentile(moves, 95):.2f} ms, max {worst:.2f} ms)", statistics.median(moves), "ms",
                    goal=f"<= {GOAL_MS:.0f} ms", passed=worst <= GOAL_MS, values=moves,
                ))  # fmt: skip
        snapshots = []
        for _ in range(10):
            start = time.perf_counter()
            explorer.static_bundle()
            snapshots.append((time.perf_counter() - start) * 1000)
        figures.append(figure(
            f"explore {name}: the static snapshot (HTML, SVG curves), drawn {SNAPSHOT_DELAY} s after the slider "
            f"stops, not per move; median of 10", statistics.median(snapshots), "ms", values=snapshots,
        ))  # fmt: skip
    write("explore", figures)


if __name__ == "__main__":
    main()
