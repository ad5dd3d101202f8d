"""A sweep's cells as a mapping to their records, holding only a small row per cell while it runs.

With a run log, :class:`RecordedCells` keeps each cell's call id and outcome (a
:class:`~workbench.runlog.sweeps.CellRow`), never the texts, so a sweep's memory does not grow with
its answers; the records are read back from the run log the first time the mapping is read
(``sweep.cells[cell]``, ``.values()``, ``scores()``), in one pass. Without a run log the records
themselves are held, there being nowhere to read them back from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from workbench.evaluate.cells import Cell
from workbench.records import CallRecord
from workbench.runlog.store import Store
from workbench.runlog.sweeps import CellRow, records_by_id, responses_by_id

__all__ = ["Answer", "RecordedCells"]


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful call's id and answer: all a grader other than a judge reads of it."""

    call_id: str
    response: str
    ok: bool = True


_INTERRUPTED = "CallCancelled"


class RecordedCells(Mapping[Cell, CallRecord]):
    """The record each cell ended with (its first success, else its latest failure)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.rows: dict[Cell, CellRow] = {}
        """Each cell's call id and outcome, without the texts."""
        self.errors = 0
        """Cells whose last call failed."""
        self._held: dict[Cell, CallRecord] = {}  # records the run log cannot give back (none, or a failed write)
        self._loaded: dict[Cell, CallRecord] | None = None

    @classmethod
    def from_rows(cls, store: Store, rows: Iterable[CellRow]) -> RecordedCells:
        """The cells of these rows, oldest first (as :func:`~workbench.runlog.sweeps.sweep_cells` reads them)."""
        cells = cls(store)
        for row in rows:
            if row.error_type != _INTERRUPTED:
                cells.put((row.item, row.target, row.repeat), row)
        return cells

    def put(self, cell: Cell, row: CellRow, record: CallRecord | None = None, *, recorded: bool = True) -> None:
        """Note a finished call of ``cell``; its ``record`` is held only when the run log does not have it."""
        current = self.rows.get(cell)
        if current is not None and current.ok:
            return
        self.errors += (not row.ok) - (current is not None and not current.ok)
        self.rows[cell] = row
        self._held.pop(cell, None)
        if record is not None and (self.store is None or not recorded):
            self._held[cell] = record
        if self._loaded is not None:
            self._loaded.pop(cell, None)
            if record is not None:
                self._loaded[cell] = record

    def subset(self, cells: Iterable[Cell]) -> dict[Cell, CallRecord]:
        """The records of some cells, read back from the run log without loading the others."""
        wanted = list(cells)
        known = self._loaded or self._held
        missing = [c for c in wanted if c not in known]
        found = records_by_id(self.store, (self.rows[c].call_id for c in missing)) if self.store and missing else {}
        return {c: known[c] if c in known else found[self.rows[c].call_id] for c in wanted}

    def answers(self) -> dict[Cell, Answer]:
        """The successful cells' answers, reading only the answers from the run log."""
        ok = {c: r.call_id for c, r in self.rows.items() if r.ok}
        known = self._loaded or self._held
        found = responses_by_id(self.store, (i for c, i in ok.items() if c not in known)) if self.store else {}
        return {c: Answer(i, known[c].response if c in known else found[i]) for c, i in ok.items()}

    def _all(self) -> dict[Cell, CallRecord]:
        if self._loaded is None or len(self._loaded) < len(self.rows):
            self._loaded = self.subset(self.rows)
        return self._loaded

    def __getitem__(self, cell: Cell) -> CallRecord:
        if cell not in self.rows:
            raise KeyError(cell)
        return self._all()[cell]

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, cell: object) -> bool:
        return cell in self.rows
