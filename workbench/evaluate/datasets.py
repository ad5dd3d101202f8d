"""Datasets for evaluations: rows in, immutable :class:`Item` s out, every row checked before any is returned.

>>> data = load_dataset("questions.csv", prompt="Q: {question}\\nA:", id_column="id")
>>> data[0].messages
({'role': 'user', 'content': 'Q: What is 2 + 2?\\nA:'},)

An item's id is the id column's value, or else the first 12 hex digits of the SHA-256 of the
row's canonical JSON (all columns, sorted keys): the same row gets the same id in any order and
on any rerun, so answers and grades can be joined back to it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError
from workbench.evaluate.readers import Rows, read_rows
from workbench.evaluate.template import fill_template, template_columns

if TYPE_CHECKING:
    import pandas as pd

    from workbench.records import Message

__all__ = ["Dataset", "Item", "item_hash", "load_dataset"]

ID_DIGITS = 12
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
_PLAIN = frozenset({str, int, float, bool, type(None)})


@dataclass(frozen=True, slots=True)
class Item:
    """One dataset row, ready to send and to grade.

    ``row`` is the 1-based row number, ``line`` the file line it starts on (``None`` when not read
    from a text file); ``references`` holds the columns kept for graders (read-only).
    """

    item_id: str
    row: int
    prompt: str
    system: str | None = None
    references: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    line: int | None = None

    @property
    def messages(self) -> tuple[Message, ...]:
        """The chat messages to send: the system prompt (if any), then the filled prompt."""
        user = {"role": "user", "content": self.prompt}
        return ({"role": "system", "content": self.system}, user) if self.system is not None else (user,)

    @property
    def where(self) -> str:
        """The row, line and id, for messages: ``row 3 (line 4, item 9f2c04d1a7b3)``."""
        line = f"line {self.line}, " if self.line is not None else ""
        return f"row {self.row} ({line}item {self.item_id})"


@dataclass(frozen=True)
class Dataset:
    """Immutable, validated items from one source, in source order; look one up with :meth:`get`."""

    items: tuple[Item, ...]
    source: str
    prompt_template: str
    system_template: str | None = None
    _by_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({item.item_id: item for item in self.items}))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __getitem__(self, index: int) -> Item:
        return self.items[index]

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Every item's id, in source order."""
        return tuple(item.item_id for item in self.items)

    def get(self, item_id: str) -> Item:
        """The item with this id; ``KeyError`` if there is none."""
        return self._by_id[item_id]

    def to_pandas(self) -> pd.DataFrame:
        """One row per item: ``item_id``, ``row``, ``prompt`` (filled), ``system``, then the reference columns.

        A reference column named like one of the first four is shown as ``NAME (reference)``.
        """
        import pandas as pd

        own = ("item_id", "row", "prompt", "system")
        return pd.DataFrame(
            [
                dict(zip(own, (i.item_id, i.row, i.prompt, i.system), strict=True))
                | {f"{k} (reference)" if k in own else k: v for k, v in i.references.items()}
                for i in self
            ]
        )


def item_hash(row: Mapping[str, Any]) -> str:
    """The id of a row without an id column: 12 hex digits of the SHA-256 of its canonical JSON."""
    return hashlib.sha256(_CANONICAL.encode(row).encode()).hexdigest()[:ID_DIGITS]


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _item_id(row: Mapping[str, Any], id_column: str | None, where: str) -> str:
    if id_column is None:
        return item_hash(row)
    if id_column not in row:
        raise ConfigError(f"{where}: no id column {id_column!r} (columns: {', '.join(row)}); name another id_column.")
    value = row[id_column]
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if not text:
        raise ConfigError(f"{where}: the id column {id_column!r} is empty; give every row an id.")
    return text


def load_dataset(
    source: str | Path | pd.DataFrame | Iterable[Mapping[str, Any]],
    prompt: str = "{prompt}",
    *,
    system: str | None = None,
    id_column: str | None = None,
    references: Sequence[str] | None = None,
) -> Dataset:
    """Read ``source`` (a .csv/.tsv/.jsonl/.ndjson/.json/.parquet path, a DataFrame or dicts) into a Dataset.

    ``prompt`` and ``system`` are templates (``{column}``, ``{column.attr}``, ``{column[0]}``,
    ``{column:.2f}``; ``{{``/``}}`` literal). ``id_column`` names the item ids (else a hash of the
    row). ``references`` names the columns kept for graders (default: every column). Every row is
    checked first; the first problem raises one ``ConfigError`` naming the row, line and column.
    """
    template_columns(prompt)
    if system is not None:
        template_columns(system, what="system template")
    read = read_rows(source)
    if not read.rows:
        raise ConfigError(f"{read.source} has no rows; an evaluation needs at least one.")
    keep = None if references is None else tuple(references)
    items: list[Item] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(read.rows):
        items.append(_make_item(read, index, row, prompt, system, id_column, keep))
        item_id = items[-1].item_id
        if item_id in seen:
            raise ConfigError(_duplicate(read.source, seen[item_id], items[-1], id_column))
        seen[item_id] = index + 1
    return Dataset(tuple(items), read.source, prompt, system)


def _make_item(
    read: Rows,
    index: int,
    row: dict[str, Any],
    prompt: str,
    system: str | None,
    id_column: str | None,
    keep: tuple[str, ...] | None,
) -> Item:
    line = read.lines[index] if read.lines is not None else None
    at = f"{read.source} row {index + 1}"
    item_id = _item_id(row, id_column, at + (f" (line {line})" if line is not None else ""))
    where = f"{at} (" + (f"line {line}, " if line is not None else "") + f"item {item_id})"
    text = fill_template(prompt, row, where=where)
    if not text.strip():
        raise ConfigError(f"{where}: the prompt is empty after filling {prompt!r}; fill its columns or drop the row.")
    system_text = None
    if system is not None:
        system_text = fill_template(system, row, where=where)
        if not system_text.strip():
            raise ConfigError(f"{where}: the system prompt is empty after filling {system!r}.")
    if keep is None:
        kept = row
    else:
        missing = next((name for name in keep if name not in row), None)
        if missing is not None:
            raise ConfigError(f"{where}: no reference column {missing!r} (columns: {', '.join(row)}).")
        kept = {name: row[name] for name in keep}
    frozen = dict(kept) if _PLAIN.issuperset(map(type, kept.values())) else {k: _freeze(v) for k, v in kept.items()}
    return Item(item_id, index + 1, text, system_text, MappingProxyType(frozen), line)


def _duplicate(source: str, first: int, item: Item, id_column: str | None) -> str:
    if id_column is None:
        return (
            f"{source} rows {first} and {item.row}: identical rows (item id {item.item_id}); "
            "drop the duplicate, or name an id column (id_column=...)."
        )
    return (
        f"{source} rows {first} and {item.row}: the same id {item.item_id!r} in column {id_column!r}; "
        "item ids must be unique."
    )
