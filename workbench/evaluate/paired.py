"""A paired comparison of two targets of a sweep on the same items, with an exact McNemar test.

Each (item, repeat) that both targets answered counts once: both right, only the first, only the
second, or neither. An answer is right when its grade is full marks (as ``correct`` in
:meth:`Sweep.scores`); a failed call is wrong. The exact McNemar test asks whether the two kinds
of disagreement are equally likely: a two-sided binomial test of the "only a" count among the
discordant pairs, at p = 1/2.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.evaluate.results import Sweep

__all__ = ["Paired", "compare", "mcnemar_exact"]


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """The two-sided exact McNemar p-value from the discordant counts; 1.0 when there are none."""
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(only_a, discordant, 0.5, alternative="two-sided").pvalue)


@dataclass(frozen=True)
class Paired:
    """How two targets did on the same (item, repeat) pairs, and how likely the difference is chance."""

    a: str
    b: str
    grader: str
    both: tuple[str, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    neither: tuple[str, ...]
    left_out: int = 0
    """Pairs where one of the two targets has no record (e.g. a sweep stopped at its budget)."""

    @property
    def n(self) -> int:
        """How many pairs were compared."""
        return len(self.both) + len(self.only_a) + len(self.only_b) + len(self.neither)

    @property
    def difference(self) -> float:
        """``a``'s share right minus ``b``'s, over the compared pairs (NaN with none)."""
        return (len(self.only_a) - len(self.only_b)) / self.n if self.n else float("nan")

    @property
    def p_value(self) -> float:
        """The exact McNemar test's two-sided p-value (:func:`mcnemar_exact`)."""
        return mcnemar_exact(len(self.only_a), len(self.only_b))

    def counts(self) -> dict[str, int]:
        """``{"both": .., "only a": .., "only b": .., "neither": ..}``."""
        return {"both": len(self.both), "only a": len(self.only_a), "only b": len(self.only_b),
                "neither": len(self.neither)}  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"{self.a} vs {self.b} on {self.n} pairs ({self.grader}): both right {len(self.both)}, "
            f"only {self.a} {len(self.only_a)}, only {self.b} {len(self.only_b)}, neither {len(self.neither)}; "
            f"difference {self.difference:+.1%}, exact McNemar p = {self.p_value:.3g}"
            + (f"; {self.left_out} pairs left out (a side has no record)" if self.left_out else "")
        )

    def _repr_html_(self) -> str:
        a, b = html.escape(self.a), html.escape(self.b)
        rows = (
            f"<tr><th></th><th>{b} right</th><th>{b} wrong</th></tr>"
            f"<tr><th>{a} right</th><td>{len(self.both)}</td><td>{len(self.only_a)}</td></tr>"
            f"<tr><th>{a} wrong</th><td>{len(self.only_b)}</td><td>{len(self.neither)}</td></tr>"
        )
        note = f"; {self.left_out} pairs left out (a side has no record)" if self.left_out else ""
        return (
            f"<table class='workbench-paired'>{rows}</table><small>{self.n} pairs graded by "
            f"{html.escape(self.grader)}: difference {self.difference:+.1%}, exact McNemar p = {self.p_value:.3g}"
            f"{note}</small>"
        )


def compare(sweep: Sweep, a: str, b: str, grader: str | None = None) -> Paired:
    """Compare targets ``a`` and ``b`` of ``sweep`` pair by pair (see the module's docstring)."""
    if a == b:
        raise ConfigError(f"Compare two different targets; both are {a!r}.")
    name = sweep._grader(grader)
    for side in (a, b):
        if side not in sweep.targets:
            raise ConfigError(f"Sweep {sweep.name!r} has no target {side!r}; it has {', '.join(sweep.targets)}.")
    groups: dict[tuple[bool, bool], list[str]] = {(True, True): [], (True, False): [], (False, True): [],
                                                  (False, False): []}  # fmt: skip
    left_out = 0
    pairs = sorted({(i, k) for (i, _, k) in sweep.cells}, key=lambda ik: sweep._order((ik[0], a, ik[1])))
    for item, repeat in pairs:
        first, second = sweep.cells.get((item, a, repeat)), sweep.cells.get((item, b, repeat))
        if first is None or second is None:
            left_out += 1
            continue
        right = tuple((sweep.score(r, name) or 0.0) >= 1.0 for r in (first, second))
        label = item if sweep.repeats == 1 else f"{item}#{repeat}"
        groups[(right[0], right[1])].append(label)
    return Paired(a, b, name, tuple(groups[True, True]), tuple(groups[True, False]), tuple(groups[False, True]),
                  tuple(groups[False, False]), left_out)  # fmt: skip
