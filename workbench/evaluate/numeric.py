"""The numeric grader: the answer's final number against the reference, within a tolerance.

Where the answer marks its result (``#### 42``, ``\\boxed{42}``, ``The answer is 42``), the first
number after the last marker counts; otherwise the last number in the answer. Numbers may carry
thousands commas (``1,234``), a sign (``-3``, or U+2212 minus), a currency sign (``$12.50``, ``-$5``), a unit
after them (``12 km``, ``5%``), or be fractions (``3/4``, ``2 1/2``, ``\\frac{3}{4}``) or decimals
(``.5``, ``1e6``). A minus sign glued to a word or digit is a hyphen (``5-7`` reads 5 and 7).
Numbers written in words are not read.
"""

from __future__ import annotations

import math
import re
from typing import Any

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Item
from workbench.evaluate.graders import Grade

__all__ = ["NumericMatch", "final_number", "parse_tolerance"]

_NUMBER = re.compile(
    r"""(?<![\w.])
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
_MARKERS = re.compile(r"####|\\boxed\{|\b(?:final\s+)?answer\s*(?:is|:|=)|\bresult\s*(?:is|:)", re.IGNORECASE)
_FRAC = re.compile(r"\\d?frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}")


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
    return -number if negative else number


def _numbers(text: str) -> list[tuple[float, str]]:
    out = []
    for match in _NUMBER.finditer(text):
        value = _value(match)
        if value is not None and math.isfinite(value):
            out.append((value, match.group(0).strip()))
    return out


def final_number(text: str) -> tuple[float, str, str] | None:
    """The answer's number, the text it was read from, and how it was found; ``None`` if there is none."""
    text = _FRAC.sub(r"\1/\2", text)
    markers = list(_MARKERS.finditer(text))
    if markers:
        after = _numbers(text[markers[-1].end():])
        if after:
            return after[0][0], after[0][1], f"after {markers[-1].group(0).strip()!r}"
    found = _numbers(text)
    if not found:
        return None
    return found[-1][0], found[-1][1], "last number"


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
        found = final_number(str(value)) if value is not None else None
        return found[0] if found else None

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
