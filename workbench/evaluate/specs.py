"""Grader spec strings, as the CLI takes them: ``exact:answer``, ``numeric:answer:0.01``, ``regex:^\\d+$``, ...

``contains:COLUMN`` reads a column; ``contains:"text"`` (quoted) looks for the literal text;
``icontains`` ignores case. ``judge:TARGET`` asks any target to grade with the default rubric
(:class:`~workbench.evaluate.judge.JudgeGrader` takes another).
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.errors import ConfigError
from workbench.evaluate.choice import ChoiceMatch
from workbench.evaluate.graders import Contains, ExactMatch, Grader, NormalizedMatch, RegexMatch
from workbench.evaluate.jsongraders import JsonSchemaValid, JsonValid
from workbench.evaluate.numeric import NumericMatch, parse_tolerance

__all__ = ["GRADER_SPECS", "parse_grader"]

GRADER_SPECS = (
    "exact:COLUMN",
    "normalized:COLUMN",
    "numeric:COLUMN[:TOLERANCE]",
    "choice:COLUMN",
    "regex:PATTERN",
    "contains:COLUMN",
    'contains:"TEXT"',
    "not-contains:COLUMN",
    'not-contains:"TEXT"',
    "icontains:COLUMN",
    "not-icontains:COLUMN",
    "json",
    "json-schema:PATH",
    "judge:TARGET",
)
"""Every spec :func:`parse_grader` understands."""


def _literal(arg: str) -> str | None:
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
        return arg[1:-1]
    return None


def _contains(arg: str, negate: bool, ignore_case: bool = False) -> Grader:
    text = _literal(arg)
    if text is not None:
        return Contains(text=text, negate=negate, ignore_case=ignore_case)
    return Contains(arg, negate=negate, ignore_case=ignore_case)


def _numeric(arg: str) -> Grader:
    column, _, tolerance = arg.rpartition(":")
    if not column:
        return NumericMatch(arg)
    value, relative = parse_tolerance(tolerance)
    return NumericMatch(column, value, relative=relative)


def _judge(arg: str) -> Grader:
    from workbench.evaluate.judge import JudgeGrader

    return JudgeGrader(arg.strip())


_MAKERS: dict[str, Callable[[str], Grader]] = {
    "exact": ExactMatch,
    "normalized": NormalizedMatch,
    "normalised": NormalizedMatch,
    "numeric": _numeric,
    "choice": ChoiceMatch,
    "regex": RegexMatch,
    "contains": lambda arg: _contains(arg, False),
    "not-contains": lambda arg: _contains(arg, True),
    "icontains": lambda arg: _contains(arg, False, True),
    "not-icontains": lambda arg: _contains(arg, True, True),
    "json-schema": JsonSchemaValid,
    "judge": _judge,
}


def parse_grader(spec: str) -> Grader:
    """The grader a spec names; an unknown or incomplete spec raises one ``ConfigError`` listing the valid ones."""
    kind, sep, arg = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind == "json" and not sep:
        return JsonValid()
    maker = _MAKERS.get(kind)
    if maker is None:
        raise ConfigError(f"Unknown grader {spec!r}; use one of {', '.join(GRADER_SPECS)}.")
    if not arg:
        wanted = next(s for s in GRADER_SPECS if s.startswith(f"{kind.replace('normalised', 'normalized')}:"))
        raise ConfigError(f"Grader {spec!r} is incomplete: write {wanted}.")
    return maker(arg)
