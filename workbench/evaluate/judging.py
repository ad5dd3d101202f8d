"""Run LLM judges over a sweep's answers: each judge's call under the budget and its target's concurrency.

A sweep judges each answer right after it is recorded; a resumed sweep, or ``workbench.grade`` with
a judge, judges the finished answers that have no grade yet. A judge's call already recorded for an
answer (a crash between the call and the grade) is read back, never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workbench.evaluate.budget import Budget, worst_case_usd
from workbench.evaluate.cells import Cell
from workbench.evaluate.datasets import Dataset, Item
from workbench.evaluate.judge import JudgeGrader, judge_of, parse_verdict
from workbench.records import CallRecord
from workbench.runlog.store import Store
from workbench.runlog.sweeps import GradeRow
from workbench.runner.options import RunOptions

__all__ = ["Judging"]


@dataclass
class Judging:
    """The judges of one sweep run, what they may spend, and the judge calls made or found."""

    judges: Sequence[JudgeGrader]
    sweep: str | None
    store: Store | None
    options: RunOptions
    budget: Budget
    concurrency: int = 8
    local_concurrency: int = 1
    calls: list[CallRecord] = field(default_factory=list)
    _limits: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _found: dict[tuple[str, str, str], CallRecord] = field(default_factory=dict)

    def recorded(self, records: Iterable[CallRecord]) -> None:
        """Judge calls already in the run log: counted in :attr:`calls`, and their verdicts reused."""
        for record in records:
            key = judge_of(record)
            if key is None:
                continue
            self.calls.append(record)
            if record.ok and key not in self._found:
                self._found[key] = record

    def _limit(self, judge: JudgeGrader) -> asyncio.Semaphore:
        spec = judge.target.spec
        if spec not in self._limits:
            local = judge.target.facts().model_file is not None
            self._limits[spec] = asyncio.Semaphore(self.local_concurrency if local else self.concurrency)
        return self._limits[spec]

    async def one(self, judge: JudgeGrader, answered: CallRecord, item: Item) -> GradeRow | None:
        """Judge one answer: its grade, or ``None`` when the judge failed or the budget stopped it."""
        earlier = self._found.get((answered.call_id, judge.name, judge.version))
        if earlier is not None:
            verdict = parse_verdict(earlier.response)
            return GradeRow(answered.call_id, judge.name, judge.version, verdict.score, verdict.reason)
        key = f"judge\x1f{answered.call_id}\x1f{judge.name}"
        worst = worst_case_usd(
            judge.target, judge.messages(answered.response, item), judge.max_tokens,
            price=self.options.prices.get(judge.target.spec), compute_per_hour=self.options.compute_per_hour,
            timeout=self.options.timeout,
        )  # fmt: skip
        async with self._limit(judge):
            if not await self.budget.reserve(key, worst):
                return None
            try:
                record, found = await judge.ajudge(
                    answered, item, store=self.store, options=self.options, sweep=self.sweep
                )
            except BaseException:
                await self.budget.settle(key, None)
                raise
            await self.budget.settle(key, record.cost_usd if record.sent else 0.0)
        self.calls.append(record)
        if found is None:
            return None
        return GradeRow(answered.call_id, judge.name, judge.version, found.score, found.reason)

    async def answer(self, answered: CallRecord, item: Item) -> list[GradeRow]:
        """Every judge's grade of one successful answer (the ones that could be had)."""
        if not answered.ok:
            return []
        rows = await asyncio.gather(*(self.one(j, answered, item) for j in self.judges))
        return [r for r in rows if r is not None]

    async def cells(
        self, cells: Mapping[Cell, CallRecord], dataset: Dataset, skip: Iterable[tuple[str, str, str]] = ()
    ) -> list[GradeRow]:
        """Judge every successful cell, except (call, grader, version) in ``skip``."""
        done = set(skip)
        work = [
            self.one(judge, record, dataset.get(item_id))
            for (item_id, _, _), record in cells.items()
            if record.ok
            for judge in self.judges
            if (record.call_id, judge.name, judge.version) not in done
        ]
        rows = await asyncio.gather(*work)
        return [r for r in rows if r is not None]
