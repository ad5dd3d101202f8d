"""What a sweep found: one row per (item, target, repeat), scores per target, and routing outcomes.

Every figure is computed here, once, from the records and the grades; nothing calls a model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import ConfigError
from workbench.evaluate.cells import Cell
from workbench.evaluate.recorded import RecordedCells
from workbench.records import CallRecord
from workbench.runlog.sweeps import GradeRow

if TYPE_CHECKING:
    import pandas as pd

    from workbench.evaluate.datasets import Dataset
    from workbench.evaluate.paired import Paired
    from workbench.routing.outcomes import Outcomes

__all__ = ["Sweep", "wilson_interval"]


def wilson_interval(mean: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a mean score in [0, 1] over ``n`` answers; (nan, nan) when n is 0."""
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    centre = (mean + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(mean * (1 - mean) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _percentile(values: Sequence[float | None], q: float) -> float:
    known = [v for v in values if v is not None]
    return float(np.percentile(known, q)) if known else math.nan


@dataclass(frozen=True)
class Sweep:
    """A sweep's cells (the record each ended with) and their grades.

    ``stopped`` is ``None`` when every cell was sent, ``"budget"`` when the cap stopped it (what was
    done is kept: rerun with a higher cap to go on). ``sent`` counts the calls this run made.
    ``judge_calls`` are the LLM judges' calls (their own records, never answers).
    """

    name: str
    targets: tuple[str, ...]
    graders: tuple[str, ...]
    repeats: int
    cells: Mapping[Cell, CallRecord]
    grades: Mapping[tuple[str, str], GradeRow] = field(default_factory=dict)
    dataset: Dataset | None = None
    stopped: str | None = None
    sent: int = 0
    spent_usd: float = 0.0
    judge_calls: tuple[CallRecord, ...] = ()

    @property
    def total(self) -> int:
        """How many cells the sweep has: items x targets x repeats (recorded cells when there is no dataset)."""
        if self.dataset is None:
            return len(self.cells)
        return len(self.dataset) * len(self.targets) * self.repeats

    @property
    def errors(self) -> int:
        """Cells whose last call failed (a sweep's own cells count them as they finish: no record is read back)."""
        if isinstance(self.cells, RecordedCells):
            return self.cells.errors
        return sum(not r.ok for r in self.cells.values())

    def _grader(self, grader: str | None) -> str:
        if grader is None:
            if not self.graders:
                raise ConfigError(
                    f"Sweep {self.name!r} has no grader; grade it first: workbench.grade(sweep, 'exact:answer')."
                )
            return self.graders[0]
        if grader not in self.graders:
            have = ", ".join(self.graders) or "none"
            raise ConfigError(f"Sweep {self.name!r} has no grader {grader!r}; it has {have}.")
        return grader

    def score(self, record: CallRecord, grader: str) -> float | None:
        """The grade ``grader`` gave this call's answer; ``None`` when it failed or is not graded."""
        found = self.grades.get((record.call_id, grader))
        return found.score if found is not None and record.ok else None

    def to_pandas(self) -> pd.DataFrame:
        """One row per (item, target, repeat): the answer, ok/error, figures, and each grader's score and reason."""
        import pandas as pd

        cells = sorted(self.cells, key=self._order)
        records = [self.cells[c] for c in cells]
        columns: dict[str, list[object]] = {
            "item_id": [c[0] for c in cells], "target": [c[1] for c in cells], "repeat": [c[2] for c in cells],
            "call_id": [r.call_id for r in records], "ok": [r.ok for r in records],
            "answer": [r.response for r in records], "error_type": [r.error_type for r in records],
            "error_message": [r.error_message for r in records], "locality": [r.locality.value for r in records],
            "input_tokens": [r.input_tokens for r in records], "output_tokens": [r.output_tokens for r in records],
            "cost_usd": [r.cost_usd for r in records], "ttft_s": [r.ttft_s for r in records],
            "latency_s": [r.latency_s for r in records], "e2e_s": [r.e2e_s for r in records],
            "attempts": [r.attempts for r in records], "seed": [r.params.get("seed") for r in records],
        }  # fmt: skip
        for name in self.graders:
            found = [self.grades.get((r.call_id, name)) if r.ok else None for r in records]
            columns[f"score {name}"] = [g.score if g else math.nan for g in found]
            columns[f"reason {name}"] = [g.reason if g else None for g in found]
        return pd.DataFrame(columns)

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        return {i: n for n, i in enumerate(self.dataset.item_ids)} if self.dataset is not None else {}

    def _order(self, cell: Cell) -> tuple[int, str, int, int]:
        item, target, repeat = cell
        where = self.targets.index(target) if target in self.targets else len(self.targets)
        return self._rows.get(item, len(self._rows)), item, where, repeat

    def scores(self, grader: str | None = None) -> pd.DataFrame:
        """Per target: mean score with its 95% Wilson interval, n, errors, cost, latency and TTFT percentiles.

        A failed call counts as a wrong answer (score 0) and in ``errors``. With no grader the
        score columns are NaN and the rest is filled. ``correct`` counts full
        marks; ``cost_per_correct_usd`` is the total cost over them (NaN with none, or an unknown cost).
        ``judge_cost_usd`` is what the LLM judges' calls about this target's answers cost, kept apart from
        ``cost_usd``; ``reused`` counts answers served from the run log (``reuse=True``).
        Repeats are pooled, so with several the interval treats them as independent answers.
        """
        import pandas as pd

        name = self._grader(grader) if grader is not None or self.graders else None
        rows = []
        judged = {r.call_id: r.target for r in self.cells.values()}
        for target in self.targets:
            records = [r for (_, t, _), r in self.cells.items() if t == target]
            judges = [j for j in self.judge_calls if judged.get(str(j.provenance["judge"]["of"])) == target]
            scores = [(self.score(r, name) or 0.0) if name else math.nan for r in records]
            n = len(records)
            mean = float(np.mean(scores)) if n and name else math.nan
            low, high = wilson_interval(mean, n)
            costs = [r.cost_usd for r in records]
            unknown = sum(c is None for c in costs)
            cost = math.nan if unknown else math.fsum(c for c in costs if c is not None)  # exact: any record order
            correct = sum(s >= 1.0 for s in scores)
            rows.append({
                "target": target, "grader": name, "n": n, "errors": sum(not r.ok for r in records),
                "score": mean, "ci_low": low, "ci_high": high, "correct": correct,
                "cost_usd": cost, "cost_unknown": unknown,
                "cost_per_correct_usd": cost / correct if correct else math.nan,
                "judge_cost_usd": math.fsum((j.cost_usd or 0.0) for j in judges if j.sent) if judges else 0.0,
                "reused": sum(r.replayed for r in records),
                "latency_p50_s": _percentile([r.latency_s for r in records if r.ok], 50),
                "latency_p90_s": _percentile([r.latency_s for r in records if r.ok], 90),
                "ttft_p50_s": _percentile([r.ttft_s for r in records if r.ok], 50),
                "ttft_p90_s": _percentile([r.ttft_s for r in records if r.ok], 90),
                "input_tokens": sum(r.input_tokens or 0 for r in records),
                "output_tokens": sum(r.output_tokens or 0 for r in records),
            })  # fmt: skip
        return pd.DataFrame(rows).set_index("target")

    def compare(self, a: str, b: str, grader: str | None = None) -> Paired:
        """Targets ``a`` and ``b`` on the same items: right by both, only one, neither; exact McNemar p-value."""
        from workbench.evaluate.paired import compare

        return compare(self, a, b, grader)

    def _head(self) -> str:
        stopped = " stopped at the budget;" if self.stopped == "budget" else ""
        return (f"Sweep {self.name!r}:{stopped} {len(self.cells)} of {self.total} cells, {self.errors} failed, "
                f"{self.sent} sent by this run")  # fmt: skip

    def _summary(self) -> tuple[str, pd.DataFrame]:
        return self._head(), self.scores()

    def __repr__(self) -> str:
        """One line, read from no record (``print`` it, or display it in a notebook, for the scores table)."""
        return f"<{self._head()}>"

    def __str__(self) -> str:
        from workbench.ui.scores import scores_text

        return scores_text(*self._summary())

    def _repr_html_(self) -> str:
        from workbench.ui.scores import scores_html

        return scores_html(*self._summary())

    def outcomes(self, *, edge: str, cloud: str, grader: str | None = None) -> Outcomes:
        """The :class:`~workbench.routing.outcomes.Outcomes` routing simulates: one row per (item, repeat).

        Only pairs where both targets answered are kept (a note says how many were left out).
        """
        import pandas as pd

        from workbench.routing.outcomes import Outcomes
        from workbench.routing.privacy_hook import count_entities
        from workbench.routing.runlog import prompt_text

        name = self._grader(grader)
        for side in (edge, cloud):
            if side not in self.targets:
                raise ConfigError(f"Sweep {self.name!r} has no target {side!r}; it has {', '.join(self.targets)}.")
        keys = sorted({(i, k) for (i, _, k) in self.cells}, key=lambda ik: self._order((ik[0], edge, ik[1])))
        rows, left_out = [], 0
        for item, repeat in keys:
            pair = self.cells.get((item, edge, repeat)), self.cells.get((item, cloud, repeat))
            scored = [(r, self.score(r, name)) for r in pair if r is not None]
            if len(scored) < 2 or any(s is None for _, s in scored):
                left_out += 1
                continue
            (e, es), (c, cs) = scored
            row: dict[str, object] = {
                "prompt": prompt_text(list(e.prompt or ())),
                "source": f"sweep {self.name} item {item} repeat {repeat}",
            }
            for side, r, s in (("edge", e, es), ("cloud", c, cs)):
                row |= {
                    f"{side}_score": s, f"{side}_response": r.response,
                    f"{side}_input_tokens": r.input_tokens, f"{side}_output_tokens": r.output_tokens,
                    f"{side}_cost_usd": r.cost_usd, f"{side}_latency_s": r.latency_s,
                }  # fmt: skip
            rows.append(row)
        if not rows:
            raise ConfigError(f"Sweep {self.name!r} has no item both {edge} and {cloud} answered and {name} graded.")
        frame = pd.DataFrame(rows).astype({f"{s}_{c}": float for s in ("edge", "cloud") for c in (
            "input_tokens", "output_tokens", "cost_usd", "latency_s", "score")})  # fmt: skip
        frame["privacy_entities"] = [sum(count_entities(p).values()) for p in frame["prompt"]]
        records = [self.cells[(i, t, k)] for i, _, k in self.cells for t in (edge, cloud) if (i, t, k) in self.cells]
        estimated = any(r.tokens_estimated for r in records)
        notes = (f"sweep {self.name!r}, graded by {name}",) + (
            (f"{left_out} (item, repeat) pairs left out: one side failed or is not graded",) if left_out else ()
        )
        return Outcomes(frame=frame, edge_model=edge, cloud_model=cloud,
                        cost_basis="cost_usd as recorded per call (see each record's cost_basis)",
                        tokens_estimated=estimated, cost_estimated=estimated, notes=notes)  # fmt: skip
