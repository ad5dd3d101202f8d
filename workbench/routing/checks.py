"""Checks on an edge model's own answer: did it give a final answer, is its arithmetic right, does it hedge."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

__all__ = [
    "CHECK_NAMES",
    "HEDGES",
    "arithmetic_errors",
    "final_answer",
    "hedge_count",
    "run_checks",
]

HEDGES = (
    "however",
    "assum",
    "approximately",
    "cannot",
    "can't",
    "not possible",
    "round",
    "actually",
    "unclear",
    "but since",
    "wait",
    "not enough information",
)
"""Words that often mark an answer the model is unsure of (matched case-insensitively at a word start)."""

CHECK_NAMES = ("no_answer", "odd_answer", "arithmetic_errors", "hedges", "kilochars")
"""The signals :func:`run_checks` returns, in order."""

_HEDGE = re.compile(r"\b(?:" + "|".join(re.escape(h) for h in HEDGES) + ")", re.IGNORECASE)
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_TIMES = "\u00d7"  # the multiplication sign
# GSM8K-style calculator annotations <<expr=result>>, and plain "a op b = c" in the text.
_ANNOTATION = re.compile(r"<<([^=<>]*)=([^<>]*)>>")
_INLINE = re.compile(
    rf"(?<![\w.])(\(?\$?{_NUMBER}\)?(?:\s*[-+*/x{_TIMES}]\s*\(?\$?{_NUMBER}\)?)+)\s*=\s*\$?({_NUMBER})"
    rf"(?![\d.,]*\s*[-+*/x{_TIMES}%]\s*\d)(?![\d.,]*%)"
)
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return _BINARY[type(node.op)](left, right)
    raise ValueError("not plain arithmetic")


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("$", "").strip())


def arithmetic_errors(response: str) -> int:
    """How many ``a op b = c`` steps (calculator annotations or inline) do not compute.

    Steps that cannot be parsed as plain arithmetic count as errors only inside ``<<...>>`` annotations.
    """
    errors = 0
    for expression, stated, strict in [(e, r, True) for e, r in _ANNOTATION.findall(response)] + [
        (e, r, False) for e, r in _INLINE.findall(_ANNOTATION.sub(" ", response))
    ]:
        cleaned = expression.replace(",", "").replace("$", "").replace("x", "*").replace(_TIMES, "*").replace("^", "**")
        try:
            value = _evaluate(ast.parse(cleaned.strip(), mode="eval"))
            claimed = _number(stated)
        except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
            errors += strict
            continue
        if abs(value - claimed) > 1e-2 * max(1.0, abs(value)):
            errors += 1
    return errors


def final_answer(response: str, pattern: str | None = r"####\s*(.+)") -> str | None:
    """The final answer extracted by ``pattern`` (group 1), or ``None`` when it is not there."""
    if pattern is None:
        return response.strip() or None
    match = re.search(pattern, response)
    return match.group(1).strip() if match else None


def hedge_count(response: str) -> int:
    """How many hedging words the answer uses."""
    return len(_HEDGE.findall(response))


def run_checks(response: str, *, answer_pattern: str | None = r"####\s*(.+)", numeric: bool = True) -> list[float]:
    """The check signals, in :data:`CHECK_NAMES` order; 0 means the check passed.

    ``odd_answer``: with ``numeric``, the final answer is not a plain whole number (GSM8K answers are).
    """
    answer = final_answer(response, answer_pattern)
    odd = numeric and answer is not None and re.fullmatch(r"-?\$?\d[\d,]*(?:\.0+)?", answer) is None
    return [
        float(answer is None),
        float(odd),
        float(arithmetic_errors(response)),
        float(hedge_count(response)),
        len(response) / 1000.0,
    ]
