"""Grades beside the calls: grade a sweep's answers, record them, and re-grade from the run log.

``workbench.grade(sweep, "numeric:answer")`` reads the sweep's calls back from the run log and
grades every answer again; no model is called, except by an LLM judge (``judge:TARGET``), whose
calls are recorded as judge calls and whose earlier verdicts are read back, not asked again. A
grade is recorded under the grader's name and version (table ``grades``), so a changed grader's
scores never mix with the old ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from workbench.errors import ConfigError
from workbench.evaluate.cells import Cell
from workbench.evaluate.datasets import Dataset, load_dataset
from workbench.evaluate.graders import Grader, check_graders
from workbench.evaluate.recorded import RecordedCells
from workbench.evaluate.results import Sweep
from workbench.evaluate.specs import parse_grader
from workbench.records import CallRecord
from workbench.runlog.store import Store, open_store
from workbench.runlog.sweeps import GradeRow, judge_records, read_grades, sweep_cells, write_grades

__all__ = ["as_graders", "grade", "grade_cells", "load_sweep", "recorded_grades"]


def as_graders(graders: Iterable[str | Grader]) -> list[Grader]:
    """Grader objects for specs and graders alike; two graders of the same name are refused."""
    found = [parse_grader(g) if isinstance(g, str) else g for g in graders]
    names = [g.name for g in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"Grader {twice[0]!r} is given twice; name each grader once.")
    return found


class _Answered(Protocol):
    @property
    def call_id(self) -> str: ...
    @property
    def response(self) -> str: ...
    @property
    def ok(self) -> bool: ...


def grade_cells(
    cells: Mapping[Cell, _Answered],
    graders: Sequence[Grader],
    dataset: Dataset,
    *,
    skip: Iterable[tuple[str, str, str]] = (),
) -> list[GradeRow]:
    """Grade every successful cell's answer by every grader, except (call, grader, version) in ``skip``.

    An LLM judge is left out: it calls a model, through :class:`~workbench.evaluate.judging.Judging`.
    """
    done = set(skip)
    rows = []
    for (item_id, _, _), record in cells.items():
        if not record.ok:
            continue
        try:
            item = dataset.get(item_id)
        except KeyError:
            where = dataset.source
            raise ConfigError(f"Item {item_id!r} of the sweep is not in {where}; pass the sweep's dataset.") from None
        for grader in graders:
            if (record.call_id, grader.name, grader.version) in done or hasattr(grader, "ajudge"):
                continue
            found = grader.grade(record.response, item)
            rows.append(GradeRow(record.call_id, grader.name, grader.version, float(found.score), found.reason))
    return rows


def recorded_grades(
    rows: Iterable[GradeRow], versions: Mapping[str, str] | None = None
) -> dict[tuple[str, str], GradeRow]:
    """The grade of each (call, grader): of the given version when ``versions`` names one, else the newest."""
    kept: dict[tuple[str, str], GradeRow] = {}
    for row in rows:  # oldest first, so the newest wins
        if versions is not None and versions.get(row.grader, row.version) != row.version:
            continue
        kept[(row.call_id, row.grader)] = row
    return kept


def _store(store: Store | str | os.PathLike[str] | bool) -> Store:
    if isinstance(store, Store):
        return store
    if store is False:
        raise ConfigError("Grading from the run log needs one: pass store=True, a path or a Store.")
    return open_store(None if store is True else store)


def load_sweep(
    name: str,
    *,
    store: Store | str | os.PathLike[str] | bool = True,
    data: Dataset | None = None,
) -> Sweep:
    """The sweep ``name`` as the run log holds it: its cells and every grade recorded for them."""
    log = _store(store)
    rows = sweep_cells(log, name)
    if not rows:
        raise ConfigError(f"The run log at {log.path} has no sweep named {name!r}; check the name or --store.")
    cells = RecordedCells.from_rows(log, rows)  # records are read back when first asked for
    grades = recorded_grades(read_grades(log, [r.call_id for r in cells.rows.values()]))
    targets = tuple(dict.fromkeys(t for _, t, _ in cells))
    graders = tuple(dict.fromkeys(g for _, g in grades))
    repeats = 1 + max(k for _, _, k in cells)
    judges = tuple(judge_records(log, name))
    return Sweep(name, targets, graders, repeats, cells, grades, dataset=data, judge_calls=judges)


def grade(
    sweep: Sweep | str,
    grader: str | Grader | Sequence[str | Grader],
    *,
    data: Dataset | str | os.PathLike[str] | None = None,
    store: Store | str | os.PathLike[str] | bool = True,
) -> Sweep:
    """Re-grade a sweep's answers from the run log, record the grades, and return the sweep with them.

    ``sweep`` is a :class:`Sweep` or a sweep's name; a grader that reads reference columns needs the
    dataset: the sweep's own, or ``data=`` (a Dataset or a file, read with its default template).
    No model is called; ``store=False`` grades a sweep held in memory without recording.
    """
    graders = as_graders([grader] if isinstance(grader, str | Grader) else grader)
    dataset = data if isinstance(data, Dataset) or data is None else load_dataset(Path(data))
    if isinstance(sweep, str):
        found = load_sweep(sweep, store=store, data=dataset)
    elif store is False:
        found = sweep
    else:
        found = load_sweep(sweep.name, store=store, data=dataset or sweep.dataset)
    dataset = dataset or found.dataset
    if dataset is None:
        if any(g.columns for g in graders):
            raise ConfigError(f"Grading {found.name!r} by {graders[0].name} reads reference columns; pass data=.")
        dataset = _bare_dataset(found)
    check_graders(graders, dataset)
    answers = found.cells.answers() if isinstance(found.cells, RecordedCells) else found.cells
    rows = grade_cells(answers, graders, dataset)
    judge_calls = found.judge_calls
    if any(hasattr(g, "ajudge") for g in graders):
        rows, judge_calls = _judged(found, graders, dataset, store, rows)
    if store is not False:
        write_grades(_store(store), rows)
    grades = {**found.grades, **{(r.call_id, r.grader): r for r in rows}}
    names = tuple(dict.fromkeys([*found.graders, *(g.name for g in graders)]))
    return Sweep(
        found.name, found.targets, names, found.repeats, found.cells, grades, dataset=dataset, judge_calls=judge_calls
    )


def _judged(
    found: Sweep, graders: Sequence[Grader], dataset: Dataset, store: Store | str | os.PathLike[str] | bool,
    rows: list[GradeRow],
) -> tuple[list[GradeRow], tuple[CallRecord, ...]]:  # fmt: skip
    """``rows`` plus the LLM judges' grades; a verdict already in the run log is read back, not asked again."""
    from workbench.evaluate.budget import Budget
    from workbench.evaluate.judge import JudgeGrader
    from workbench.evaluate.judging import Judging
    from workbench.runner.loop import run_sync
    from workbench.runner.options import RunOptions

    log = None if store is False else _store(store)
    judges = [g for g in graders if isinstance(g, JudgeGrader)]
    judging = Judging(judges, found.name, log, RunOptions(replay="off"), Budget(None))
    judging.recorded(found.judge_calls)
    rows = rows + run_sync(judging.cells(found.cells, dataset))
    return rows, tuple(judging.calls)


def _bare_dataset(sweep: Sweep) -> Dataset:
    """Items with ids and no references, for graders that read none (regex, json)."""
    from workbench.evaluate.datasets import Item

    ids = dict.fromkeys(i for i, _, _ in sweep.cells)
    items = tuple(Item(item_id, n + 1, f"(item {item_id})") for n, item_id in enumerate(ids))
    return Dataset(items, f"sweep {sweep.name}", "")
