"""A sweep's cells: (item, target, repeat), the tag each call carries, and which cells are still to send.

A cell is finished when it has a successful record. A failed cell is re-sent only on request
(``retry_errors``); a call interrupted by Ctrl-C (``CallCancelled``) never finished, so its cell is
sent again like one with no record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from workbench.records import CallRecord

__all__ = ["Cell", "cell_of", "cells_from_records", "repeat_seed", "sweep_tag", "to_send"]

Cell = tuple[str, str, int]
"""(item id, target spec as written, repeat)."""

_INTERRUPTED = "CallCancelled"


def sweep_tag(name: str, item_id: str, repeat: int, data: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """What a sweep's call keeps in its provenance (``RunOptions.tags``); ``data``: the files it read
    (:func:`workbench.evaluate.sources.data_entries`)."""
    tag: dict[str, Any] = {"name": name, "item": item_id, "repeat": repeat}
    if data:
        tag["data"] = [dict(entry) for entry in data]
    return {"sweep": tag}


def repeat_seed(seed: int | None, repeat: int) -> int:
    """Repeat ``repeat``'s seed: ``seed + repeat`` when a seed is given, else ``repeat``."""
    return repeat if seed is None else seed + repeat


def cell_of(record: CallRecord) -> Cell | None:
    """The cell a record answers, from its sweep tag; ``None`` for a call of no sweep."""
    tag = record.provenance.get("sweep")
    if not isinstance(tag, Mapping):
        return None
    return str(tag["item"]), record.target, int(tag["repeat"])


def cells_from_records(records: Iterable[CallRecord]) -> dict[Cell, CallRecord]:
    """The record each cell ended with, from records oldest first: its first success, else its latest failure."""
    cells: dict[Cell, CallRecord] = {}
    for record in records:
        cell = cell_of(record)
        if cell is None or record.error_type == _INTERRUPTED:
            continue
        current = cells.get(cell)
        if current is None or not current.ok:
            cells[cell] = record
    return cells


class _Outcome(Protocol):
    @property
    def ok(self) -> bool: ...


def to_send(
    item_ids: Sequence[str], target: str, repeats: int, done: Mapping[Cell, _Outcome], retry_errors: bool
) -> list[tuple[str, int]]:
    """The (item, repeat) pairs of ``target`` to send, in item order: no record, or failed when ``retry_errors``."""
    pending = []
    for item in item_ids:
        for repeat in range(repeats):
            record = done.get((item, target, repeat))
            if record is None or (retry_errors and not record.ok):
                pending.append((item, repeat))
    return pending
