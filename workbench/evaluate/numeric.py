"""The numeric grader: the answer's final number against the reference, within a tolerance.

Where the answer marks its result (``#### 42``, ``\\boxed{42}``, ``The answer is 42``), the first
number after the last marker counts; otherwise the last number in the answer. Numbers may carry
thousands commas (``1,234``), a sign (``-3``, or U+2212 minus), a currency sign (``$12.50``, ``-$5``), a unit
after them (``12 km``, ``5%``), or be fractions (``3/4``, ``2 1/2``, ``\\frac{3}{4}``) or decimals
(``.5``, ``1e6``). A minus sign glued to a word or digit is a hyphen (``5-7`` reads 5 and 7).
Numbers written in words are not read.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from typing import Any

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Item
from workbench.evaluate.graders import Grade, lower_aligned

__all__ = ["NumericMatch", "final_number", "parse_tolerance"]

_NUMBER = re.compile(
    r"""(?=[-+\u2212$€£¥₹.\d])(?<![\w.])                # a lookahead first lets the engine skip ahead
    (?P<sign>[-+\u2212]?)(?:[$€£¥₹]\s?)?(?P<sign2>[-+\u2212]?)
    (?P<num>
        (?P<whole>\d+)\ (?P<fn>\d+)/(?P<fd>\d+)        # 2 1/2
      | (?P<n>\d+)\s*/\s*(?P<d>\d+)                    # 3/4
      | \d{1,3}(?:,\d{3})+(?:\.\d+)?                   # 1,234.5
      | \d+(?:\.\d+)?(?:[eE][-+]?\d+)?                 # 42, 3.14, 1e6
      | \.\d+                                          # .5
    )(?!\d)""",
    re.VERBOSE,
)
# Searched in the lower-cased answer (case-sensitive alternations of literals are fast).
_MARKERS = re.compile(r"####|\\boxed\{|answer\s*(?:is|:|=)|result\s*(?:is|:)")
_FRAC = re.compile(r"\\d?frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}")
_DIGITS = "0123456789"
_WINDOW = 40  # characters before the last digit that surely hold the whole last number


def _value(match: re.Match[str]) -> float | None:
    negative = (match["sign"] or match["sign2"]) in ("-", "\u2212")
    if match["whole"] is not None:
        if int(match["fd"]) == 0:
            return None
        number = int(match["whole"]) + int(match["fn"]) / int(match["fd"])
    elif match["n"] is not None:
        if int(match["d"]) == 0:
            return None
        number = int(match["n"]) / int(match["d"])
    else:
        number = float(match["num"].replace(",", ""))
    if not math.isfinite(number):
        return None
    return -number if negative else number


def _numbers(text: str, start: int = 0) -> Iterator[tuple[float, str]]:
    for match in _NUMBER.finditer(text, start):
        value = _value(match)
        if value is not None:
            yield value, match.group(0).strip()


def _last_number(text: str) -> tuple[float, str] | None:
    last_digit = max(map(text.rfind, _DIGITS))
    if last_digit < 0:
        return None
    start = max(0, last_digit - _WINDOW)
    if start:  # begin at a space, never inside a number written without spaces ("1,234,567")
        start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    found = list(_numbers(text, start)) or (list(_numbers(text)) if start else [])
    return found[-1] if found else None


def final_number(text: str) -> tuple[float, str, str] | None:
    """The answer's number, the text it was read from, and how it was found; ``None`` if there is none."""
    if "frac{" in text:
        text = _FRAC.sub(r"\1/\2", text)
    lowered = lower_aligned(text)
    marker = None
    for match in _MARKERS.finditer(lowered):
        if match.start() == 0 or not lowered[match.start() - 1].isalnum() or match.group(0)[0] in "#\\":
            marker = match
    if marker is not None:
        after = next(_numbers(text, marker.end()), None)
        if after is not None:
            return after[0], after[1], f"after {text[marker.start():marker.end()].strip()!r}"
    last = _last_number(text)
    return (last[0], last[1], "last number") if last is not None else None


@functools.lru_cache(maxsize=65536)
def _reference_number(text: str) -> float | None:
    found = final_number(text)
    return found[0] if found else None


def parse_tolerance(text: str) -> tuple[float, bool]:
    """``"0.01"`` -> (0.01, absolute); ``"1%"`` -> (0.01, relative). A bad one raises ``ConfigError``."""
    relative = text.endswith("%")
    try:
        value = float(text[:-1] if relative else text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"Tolerance {text!r} is not a number >= 0: write numeric:COLUMN:0.01 or numeric:COLUMN:1%.")
    return (value / 100 if relative else value), relative


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"


class NumericMatch:
    """The answer's final number equals the reference column's number, within ``tolerance``.

    ``tolerance`` is absolute, or a share of the reference with ``relative=True``; a float rounding
    margin (1e-9 of the reference) is always allowed.
    """

    version = "1"

    def __init__(self, column: str, tolerance: float = 0.0, *, relative: bool = False) -> None:
        if not math.isfinite(tolerance) or tolerance < 0:
            raise ConfigError(f"Tolerance {tolerance!r} is not a number >= 0.")
        self.column, self.tolerance, self.relative = column, tolerance, relative
        self.columns: tuple[str, ...] = (column,)
        suffix = "" if tolerance == 0 else f":{tolerance * 100:g}%" if relative else f":{tolerance:g}"
        self.name = f"numeric:{column}{suffix}"

    def expected(self, item: Item) -> float | None:
        """The reference's number: a JSON number as is, text read like an answer."""
        value: Any = item.references.get(self.column)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value) if math.isfinite(value) else None
        return _reference_number(str(value)) if value is not None else None

    def check(self, item: Item) -> None:
        """The reference must hold a number."""
        if self.expected(item) is None:
            value = item.references.get(self.column)
            raise ConfigError(
                f"{item.where}: grader {self.name} finds no number in column {self.column!r} ({value!r})."
            )

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when the numbers agree within the tolerance."""
        expected = self.expected(item)
        if expected is None:
            raise ConfigError(f"{item.where}: grader {self.name} finds no number in column {self.column!r}.")
        found = final_number(answer)
        if found is None:
            return Grade(0.0, f"no number in the answer; expected {_format(expected)}")
        got, text, how = found
        allowed = (self.tolerance * abs(expected) if self.relative else self.tolerance) + 1e-9 * max(1.0, abs(expected))
        if abs(got - expected) <= allowed:
            return Grade(1.0, f"{text} ({how}) = {_format(expected)}")
        return Grade(0.0, f"{text} ({how}) is not {_format(expected)}")
