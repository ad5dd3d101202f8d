"""Deterministic graders: an answer and its item in, a :class:`Grade` (score in [0, 1], reason) out.

A grader is a small object with ``name`` (its spec, e.g. ``exact:answer``), ``version`` (bumped
when its scoring changes, so old grades can be told apart), ``columns`` (the reference columns it
reads), ``check(item)`` (raises ``ConfigError`` on a reference it cannot use, before any call is
made) and ``grade(answer, item)``. No grader calls a model.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Dataset, Item

__all__ = [
    "CallableGrader",
    "Contains",
    "ExactMatch",
    "Grade",
    "Grader",
    "NormalizedMatch",
    "RegexMatch",
    "check_graders",
    "lower_aligned",
    "normalize",
]


@dataclass(frozen=True, slots=True)
class Grade:
    """A score in [0, 1] (1: right) and the reason, in words."""

    score: float
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.score, int | float) or math.isnan(self.score) or not 0.0 <= self.score <= 1.0:
            raise ConfigError(f"A grade's score must be a number from 0 to 1, not {self.score!r}.")

    @property
    def passed(self) -> bool:
        """Whether the score is full marks."""
        return self.score >= 1.0


@runtime_checkable
class Grader(Protocol):
    """What every grader is: a name, a version, the columns it reads, a check and a grade."""

    name: str
    version: str
    columns: tuple[str, ...]

    def check(self, item: Item) -> None:
        """Raise ``ConfigError`` naming the row if this item's reference cannot be graded against."""

    def grade(self, answer: str, item: Item) -> Grade:
        """Score one answer to one item."""
        ...


def check_graders(graders: Iterable[Grader], dataset: Dataset) -> None:
    """Check every grader against every item, so a bad reference fails before any call is made."""
    graders = list(graders)
    for item in dataset:
        for grader in graders:
            for column in grader.columns:
                if column not in item.references:
                    kept = ", ".join(item.references) or "none"
                    raise ConfigError(
                        f"{dataset.source} {item.where}: grader {grader.name} reads column {column!r}, "
                        f"which is not kept (kept: {kept}); keep it in references=."
                    )
            grader.check(item)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _alternatives(value: Any) -> tuple[str, ...]:
    """A reference as the texts it accepts: a list or tuple gives several, anything else one."""
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)


class _ColumnGrader:
    """A grader reading one reference column; a null or missing reference is a check error."""

    kind = ""
    version = "1"

    def __init__(self, column: str) -> None:
        self.column = column
        self.columns: tuple[str, ...] = (column,)
        self.name = f"{self.kind}:{column}"

    def reference(self, item: Item) -> Any:
        """This item's reference value."""
        return item.references[self.column]

    def check(self, item: Item) -> None:
        """A reference must be present and not null."""
        value = item.references.get(self.column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise ConfigError(f"{item.where}: grader {self.name} needs a value in column {self.column!r}.")


class ExactMatch(_ColumnGrader):
    """The answer equals the reference, leading and trailing whitespace aside (a list: any of them)."""

    kind = "exact"

    def grade(self, answer: str, item: Item) -> Grade:
        """1 on an exact match."""
        got = answer.strip()
        for expected in _alternatives(self.reference(item)):
            if got == expected.strip():
                return Grade(1.0, f"matches {_shorten(expected)}")
        return Grade(0.0, f"expected {_shorten(str(self.reference(item)))}, got {_shorten(got)}")


_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCTUATION = {ord(c): " " for c in string.punctuation}


def lower_aligned(text: str) -> str:
    """``text.lower()``, keeping every character at its index (a character whose lower case is longer stays)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalize(text: str) -> str:
    """Text for a lenient match: NFKC, case folded, punctuation and articles (a, an, the) dropped, spaces squeezed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_PUNCTUATION)
    if not text.isascii():
        text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


class NormalizedMatch(_ColumnGrader):
    """The answer equals the reference after :func:`normalize` (case, whitespace, punctuation, articles)."""

    kind = "normalized"

    def grade(self, answer: str, item: Item) -> Grade:
        """1 on a match after normalising both sides."""
        got = normalize(answer)
        for expected in _alternatives(self.reference(item)):
            if got == normalize(expected):
                return Grade(1.0, f"matches {_shorten(expected)} once normalised")
        return Grade(0.0, f"expected {_shorten(str(self.reference(item)))}, got {_shorten(answer)} (normalised)")


class Contains(_ColumnGrader):
    """The answer contains the reference column's text, or a literal ``text`` (``negate``: must not).

    ``ignore_case`` compares case-folded text; its spec is ``icontains`` (``not-icontains``).
    """

    def __init__(self, column: str | None = None, *, text: str | None = None, negate: bool = False,
                 ignore_case: bool = False) -> None:
        if (column is None) == (text is None):
            raise ConfigError("Contains takes a column or text=, exactly one of them.")
        self.kind = ("not-" if negate else "") + ("icontains" if ignore_case else "contains")
        super().__init__(column or "")
        self.text, self.negate, self.ignore_case = text, negate, ignore_case
        if text is not None:
            self.columns = ()
            self.name = f"{self.kind}:{text!r}"

    def check(self, item: Item) -> None:
        """A column reference must be present; a literal needs nothing."""
        if self.text is None:
            super().check(item)

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when the text is (``negate``: is not) in the answer."""
        needles = (self.text,) if self.text is not None else _alternatives(self.reference(item))
        haystack = answer.casefold() if self.ignore_case else answer
        found = next((n for n in needles if (n.casefold() if self.ignore_case else n) in haystack), None)
        if self.negate:
            return Grade(0.0, f"contains {_shorten(found)}") if found is not None else Grade(1.0, "does not contain it")
        if found is not None:
            return Grade(1.0, f"contains {_shorten(found)}")
        return Grade(0.0, f"does not contain {_shorten(' or '.join(needles))}")


class RegexMatch:
    """The answer matches a regular expression anywhere (``re.search``; ``(?i)`` for any case)."""

    version = "1"
    columns: tuple[str, ...] = ()

    def __init__(self, pattern: str) -> None:
        try:
            self.pattern = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"regex:{pattern} is not a valid regular expression ({exc}).") from None
        self.name = f"regex:{pattern}"

    def check(self, item: Item) -> None:
        """A pattern needs no reference."""

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when the pattern is found."""
        match = self.pattern.search(answer)
        if match is None:
            return Grade(0.0, f"no match for /{self.pattern.pattern}/")
        return Grade(1.0, f"matches {_shorten(match.group(0))}")


class CallableGrader:
    """A Python function ``fn(answer, item)`` returning a bool, a score in [0, 1], ``(score, reason)`` or a Grade."""

    columns: tuple[str, ...] = ()

    def __init__(self, fn: Callable[[str, Item], Any], *, name: str | None = None, version: str = "1") -> None:
        if not callable(fn):
            raise ConfigError(f"A grader function must be callable, not {type(fn).__name__}.")
        self.fn = fn
        self.name = name or f"python:{getattr(fn, '__qualname__', type(fn).__name__)}"
        self.version = version

    def check(self, item: Item) -> None:
        """A function checks its own input."""

    def grade(self, answer: str, item: Item) -> Grade:
        """The function's verdict as a Grade; another return is a ``ConfigError``; what it raises propagates."""
        value = self.fn(answer, item)
        if isinstance(value, Grade):
            return value
        if isinstance(value, bool):
            return Grade(float(value), f"{self.name} returned {value}")
        reason = f"{self.name} returned {value!r}"
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
            value, reason = value
        if isinstance(value, bool | int | float) and not math.isnan(value) and 0 <= value <= 1:
            return Grade(float(value), reason)
        raise ConfigError(
            f"{item.where}: grader {self.name} returned {value!r}; return a bool, a score from 0 to 1, "
            "or (score, reason)."
        )
