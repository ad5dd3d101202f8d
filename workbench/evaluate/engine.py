"""Run a sweep: every item x every target x every repeat through the runner, graded and recorded.

Each cell is one :func:`workbench.runner.fanout.arun` call to one target, so it is an ordinary
record in the run log, tagged in its provenance with the sweep, the item and the repeat
(:mod:`workbench.evaluate.cells`). Per target, ``concurrency`` calls run at once; a target that
loads its weights into this process (llama.cpp) serves one at a time, so it gets
``local_concurrency``. A 429 never fails a cell: the cell waits out its Retry-After and is sent
again, while the target's other cells go on at an adaptive pace (:mod:`workbench.evaluate.lanes`).
A rerun of a named sweep sends only the cells not yet finished. An LLM judge
(:mod:`workbench.evaluate.judge`) grades each answer right after it, in the same worker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError
from workbench.evaluate.budget import Budget, worst_case_usd
from workbench.evaluate.cells import Cell, cell_of, repeat_seed, sweep_tag, to_send
from workbench.evaluate.datasets import Dataset, Item, load_dataset
from workbench.evaluate.graders import Grader, check_graders
from workbench.evaluate.grading import as_graders, grade_cells, recorded_grades
from workbench.evaluate.judge import JudgeGrader
from workbench.evaluate.judging import Judging
from workbench.evaluate.lanes import RESENDS, Lane
from workbench.evaluate.recorded import RecordedCells
from workbench.evaluate.results import Sweep
from workbench.evaluate.sources import data_entries
from workbench.privacy.secrets import environment_secrets
from workbench.records import DEFAULT_MAX_TOKENS, CallRecord, Price, new_id
from workbench.runlog.store import Store, open_store
from workbench.runlog.sweeps import CellRow, GradeRow, judge_records, read_grades, sweep_cells, write_grades
from workbench.runner.fanout import arun
from workbench.runner.loop import run_sync
from workbench.runner.options import RunOptions
from workbench.targets import Target, resolve

if TYPE_CHECKING:
    import pandas as pd
    from tqdm import tqdm

__all__ = ["DEFAULT_CONCURRENCY", "asweep", "sweep"]

DEFAULT_CONCURRENCY = 8
"""Calls at once per network target."""
_GRADE_BATCH = 64  # grades written per transaction; a crash loses at most these, and a rerun grades them again


@dataclasses.dataclass
class _State:
    """One run of a sweep: what it sends with, and what came back."""

    name: str
    dataset: Dataset
    graders: Sequence[Grader]
    options: RunOptions
    request: Mapping[str, Any]
    log: Store | None
    budget: Budget
    cells: RecordedCells
    grades: dict[tuple[str, str], GradeRow]
    bar: tqdm[Any]
    judging: Judging
    data: list[dict[str, str]] = dataclasses.field(default_factory=list)
    pending: list[GradeRow] = dataclasses.field(default_factory=list)
    sent: int = 0

    def flush(self) -> None:
        if self.log is not None and self.pending:
            write_grades(self.log, self.pending)
        self.pending = []

    def keep(self, record: CallRecord, rows: list[GradeRow], recorded: bool) -> None:
        cell = cell_of(record)
        if cell is None or record.error_type == "CallCancelled":
            return
        self.cells.put(cell, CellRow.of(record, cell[0], cell[2]), record, recorded=recorded)
        rows = grade_cells({cell: record}, self.graders, self.dataset) + rows
        self.grades.update({(r.call_id, r.grader): r for r in rows})
        self.pending += rows
        if len(self.pending) >= _GRADE_BATCH:
            self.flush()
        self.bar.set_postfix_str(f"errors {self.cells.errors}, spent ${self.budget.spent_usd:.4f}", refresh=False)
        self.bar.update(1)


async def _send(state: _State, target: Target, lane: Lane, item: Item, repeat: int, refused: int) -> bool:
    key = f"{item.item_id}\x1f{target.spec}\x1f{repeat}"
    worst = worst_case_usd(
        target, item.messages, state.request["max_tokens"], price=state.options.prices.get(target.spec),
        compute_per_hour=state.options.compute_per_hour, timeout=state.options.timeout,
    )  # fmt: skip
    if not await state.budget.reserve(key, worst):
        return False
    tags = sweep_tag(state.name, item.item_id, repeat, state.data)
    ticket = lane.throttle.ticket()
    options = dataclasses.replace(state.options, tags=tags, throttle=ticket)
    seed = repeat_seed(state.request["seed"], repeat)
    try:
        await lane.throttle.acquire()
        result = await arun(
            list(item.messages), [target], temperature=state.request["temperature"],
            max_tokens=state.request["max_tokens"], seed=seed, store=state.log or False, options=options,
        )  # fmt: skip
    except BaseException:
        await state.budget.settle(key, None)
        raise
    record = result.records[0]
    await state.budget.settle(key, record.cost_usd if record.sent and not ticket.refused else 0.0)
    state.sent += 1
    if ticket.refused and refused < RESENDS:  # a 429 is no answer: send the cell again after its Retry-After
        backoff = state.options.backoff * 2**refused
        lane.again(item.item_id, repeat, refused + 1, ticket.not_before(backoff, state.options.max_retry_after))
        return True
    state.keep(record, await state.judging.answer(record, item), recorded=record.call_id not in result.unrecorded)
    return True


async def _catch_up(state: _State, done: Mapping[Cell, CallRecord], graded: set[tuple[str, str, str]]) -> None:
    """Judge the answers of earlier runs that have no judge's grade yet."""
    rows = await state.judging.cells(done, state.dataset, skip=graded)
    state.grades.update({(r.call_id, r.grader): r for r in rows})
    state.pending += rows


async def _worker(state: _State, target: Target, lane: Lane) -> None:
    while not state.budget.stopped:
        cell = await lane.next()
        if cell is None:
            return
        item_id, repeat, refused = cell
        if not await _send(state, target, lane, state.dataset.get(item_id), repeat, refused):
            return


def _dataset(data: Any, prompt: str | None, system: str | None, id_column: str | None) -> Dataset:
    if isinstance(data, Dataset):
        if prompt not in (None, data.prompt_template) or system not in (None, data.system_template):
            raise ConfigError(
                "The dataset is already filled from its own template; drop prompt=/system= or pass the rows."
            )
        return data
    return load_dataset(data, prompt or "{prompt}", system=system, id_column=id_column)


def _open(store: Store | str | os.PathLike[str] | bool) -> Store | None:
    if isinstance(store, Store):
        return store
    if store is False:
        return None
    return open_store(None if store is True else store)  # a path or a postgresql:// URL (Path() would mangle it)


def _targets(targets: Sequence[str | Target], prices: Mapping[str, Price]) -> list[Target]:
    if isinstance(targets, str) or not targets:
        raise ConfigError("A sweep needs a list of targets, e.g. targets=['local/smollm2', 'openai/gpt-4o-mini'].")
    found = [resolve(t, price=prices.get(t)) if isinstance(t, str) else resolve(t) for t in targets]
    specs = [t.spec for t in found]
    twice = next((s for s in specs if specs.count(s) > 1), None)
    if twice is not None:
        raise ConfigError(f"Target {twice!r} is given twice; a sweep sends each target once per item and repeat.")
    return found


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name}={value!r} must be a whole number, 1 or more.")
    return value


async def asweep(
    data: Dataset | str | os.PathLike[str] | pd.DataFrame | Iterable[Mapping[str, Any]],
    prompt: str | None = None,
    *,
    targets: Sequence[str | Target],
    graders: Sequence[str | Grader] = (),
    name: str | None = None,
    repeats: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
    local_concurrency: int = 1,
    budget_usd: float | None = None,
    retry_errors: bool = False,
    store: Store | str | os.PathLike[str] | bool = True,
    system: str | None = None,
    id_column: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = DEFAULT_MAX_TOKENS,
    seed: int | None = None,
    prices: Mapping[str, Price] | None = None,
    progress: bool | None = None,
    reuse: bool = False,
    data_files: Sequence[str | os.PathLike[str]] = (),
    **option_values: Any,
) -> Sweep:
    """Send every item to every target ``repeats`` times, grade each answer, and return the :class:`Sweep`.

    ``data`` is a :class:`Dataset` or anything :func:`load_dataset` reads (with ``prompt``,
    ``system``, ``id_column``). Repeat ``k`` uses seed ``seed + k`` (``k`` without a seed). A named
    sweep resumes: only cells without a successful record are sent (failed ones too with
    ``retry_errors``). ``budget_usd`` caps the named sweep's recorded cost, earlier runs included:
    no call is sent that could carry it past the cap with the calls in flight at their worst case;
    the sweep then ends with ``stopped="budget"``. ``prices`` gives targets their price by spec;
    other keyword arguments set :class:`RunOptions` fields (``timeout=30``, ``retries=4``).
    ``progress``: a tqdm bar on stderr (``None``: only on a terminal). ``reuse``: a request this target
    already answered (same messages, parameters, seed) is answered from the run log, marked replayed.
    Each call's tag names the data file read (and ``data_files``, where ``data`` came from files
    already read), with its sha256, so ``hybrid export`` carries it (:mod:`workbench.evaluate.sources`).
    """
    from tqdm import tqdm

    dataset = _dataset(data, prompt, system, id_column)
    grader_list = as_graders(graders)
    check_graders(grader_list, dataset)
    repeats, concurrency, local_concurrency = (
        _whole(repeats, "repeats"), _whole(concurrency, "concurrency"), _whole(local_concurrency, "local_concurrency"),
    )  # fmt: skip
    options = RunOptions(**option_values)
    replay = "on" if reuse else options.replay  # $WORKBENCH_REPLAY: hybrid reproduce answers a sweep from its bundle
    options = dataclasses.replace(options, prices={**options.prices, **(prices or {})}, replay=replay,
                                  secret_environment=tuple(environment_secrets()))  # read once: ~0.2 ms a call
    resolved = _targets(targets, options.prices)
    judges = [g for g in grader_list if isinstance(g, JudgeGrader)]
    log = _open(store)
    name = name or f"sweep-{new_id()[:12]}"
    specs = {t.spec for t in resolved}
    ids = set(dataset.item_ids)
    previous = sweep_cells(log, name) if log is not None else []
    ours = (r for r in previous if r.item in ids and r.target in specs and r.repeat < repeats)
    done = RecordedCells.from_rows(log, ours) if log is not None else RecordedCells(None)
    judged = judge_records(log, name) if log is not None and judges else []
    spent = sum(r.cost_usd or 0.0 for r in previous if r.sent) + sum(r.cost_usd or 0.0 for r in judged if r.sent)
    budget = Budget(budget_usd, spent_usd=spent)
    budget.check([*resolved, *(j.target for j in judges)], options.prices)
    judging = Judging(judges, name, log, options, budget, concurrency, local_concurrency)
    judging.recorded(judged)
    versions = {g.name: g.version for g in grader_list}
    grades = recorded_grades(read_grades(log, [r.call_id for r in done.rows.values()]), versions) if log else {}
    request = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}
    lanes = {t.spec: Lane(to_send(dataset.item_ids, t.spec, repeats, done.rows, retry_errors)) for t in resolved}
    total = len(dataset) * len(resolved) * repeats
    queued = sum(len(q) for q in lanes.values())
    bar = tqdm(total=total, initial=total - queued, desc=f"sweep {name}", unit="call", file=sys.stderr,
               disable=None if progress is None else not progress, dynamic_ncols=True)  # fmt: skip
    state = _State(name, dataset, grader_list, options, request, log, budget, done, grades, bar, judging,
                   data_entries(data, data_files))  # fmt: skip
    graded = {(c, g, versions[g]) for c, g in grades}
    keys = [(g.name, g.version) for g in grader_list]
    ungraded = done.subset(  # only these records are read back from the run log
        c for c, r in done.rows.items() if r.ok and any((r.call_id, *k) not in graded for k in keys)
    )
    state.pending = grade_cells(ungraded, grader_list, dataset, skip=graded)
    state.grades.update({(r.call_id, r.grader): r for r in state.pending})
    try:
        tasks = [asyncio.ensure_future(_catch_up(state, ungraded, graded))] if judges else []
        for target in resolved:
            limit = local_concurrency if target.facts().model_file is not None else concurrency
            tasks += [asyncio.ensure_future(_worker(state, target, lanes[target.spec])) for _ in range(limit)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:  # one worker failed or the sweep was interrupted: stop the others, then say why
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    finally:
        state.flush()
        bar.close()
    return Sweep(
        name, tuple(t.spec for t in resolved), tuple(versions), repeats, state.cells, state.grades, dataset=dataset,
        stopped="budget" if budget.stopped else None, sent=state.sent, spent_usd=budget.spent_usd,
        judge_calls=tuple(judging.calls),
    )  # fmt: skip


def sweep(*args: Any, **kwargs: Any) -> Sweep:
    """Blocking :func:`asweep` (works inside a notebook whose event loop is already running)."""
    return run_sync(asweep(*args, **kwargs))
