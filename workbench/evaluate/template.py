"""Fill a prompt template from one dataset row, by the ``%%hybrid`` magic's rules.

``{column}``, ``{column.attr}``, ``{column[0]}``, ``{column:.2f}``; ``{{`` and ``}}`` are literal braces.
A CSV cell is text: a numeric format spec (``{price:.2f}``) formats a cell that reads as a number.
Every failure is a :class:`~workbench.errors.ConfigError` naming the row and the column.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from typing import Any

from workbench.errors import ConfigError

__all__ = ["fill_template", "template_columns"]

_BRACES = "write {{ and }} for literal braces (e.g. JSON in the prompt)"
_NUMERIC_CODES = frozenset("bcdeEfFgGnoxX%")


class _FieldError(Exception):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.problem = problem


class _Cell(str):
    """A text cell that a numeric format spec formats as the number it reads as."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if spec and spec[-1] in _NUMERIC_CODES:
            text = self.strip().replace(",", "")
            try:
                number: int | float = int(text) if spec[-1] in "bcdoxX" else float(text)
            except ValueError:
                raise ValueError(f"format {spec!r} needs a number, and {str(self)[:40]!r} is not one") from None
            return format(number, spec)
        return str.__format__(self, spec)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class _Row(Mapping[str, Any]):
    """The row seen by ``str.format_map``; remembers the last column looked up, to name it in errors."""

    __slots__ = ("cells", "last", "missing", "nulls")

    def __init__(self, values: Mapping[str, Any], missing: Callable[[str], str] | None, nulls: bool) -> None:
        self.cells = values
        self.last = ""
        self.missing = missing or self.no_column
        self.nulls = nulls

    def no_column(self, key: str) -> str:
        hint = "" if key.isidentifier() else f", or {_BRACES}"
        return f"no column {key!r} (columns: {', '.join(map(str, self.cells))}){hint}"

    def __getitem__(self, key: str) -> Any:
        self.last = key
        if key not in self.cells:
            raise _FieldError(key, self.missing(key))
        value = self.cells[key]
        if not self.nulls and _is_missing(value):
            raise _FieldError(key, f"column {key!r} is empty (null); fill it or drop the row")
        return _Cell(value) if type(value) is str else value

    def __iter__(self) -> Any:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)


def template_columns(template: str, *, what: str = "prompt template") -> tuple[str, ...]:
    """The columns a template reads, in order of first use; a malformed template raises ``ConfigError``."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(f"The {what} {template[:60]!r} is malformed ({exc}); {_BRACES}.") from None
    columns: list[str] = []
    for _, field, _, _ in parsed:
        if field is None:
            continue
        root = field.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            raise ConfigError(f"{{{field}}} in the {what} names no column: write {{column}}, or {_BRACES}.")
        if root not in columns:
            columns.append(root)
    return tuple(columns)


def fill_template(
    template: str,
    row: Mapping[str, Any],
    *,
    where: str = "a row",
    missing: Callable[[str], str] | None = None,
    nulls: bool = False,
    noun: str = "column",
) -> str:
    """``template`` with every ``{column...}`` filled from ``row``; ``where`` names the row in errors.

    Raises ``ConfigError`` ("row 3 (line 4, item 9f2c...): no column 'question' ...") on a missing
    or null column, a bad index or attribute, or a format spec that does not fit the value.
    ``missing(name)`` words the problem of a name ``row`` lacks (default: "no column ..., columns: ...");
    ``nulls=True`` fills None and NaN as text instead of refusing them (a notebook's variables); ``noun`` is
    what a field names, in errors.
    """
    mapping = _Row(row, missing, nulls)
    try:
        return template.format_map(mapping)
    except _FieldError as exc:
        raise ConfigError(f"{where}: {exc.problem}.") from None
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
        column = f"{noun} {mapping.last!r}" if mapping.last else "the template"
        raise ConfigError(f"{where}: cannot fill {column} ({type(exc).__name__}: {exc}); {_BRACES}.") from None
