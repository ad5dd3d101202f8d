"""The LLM judge: any target grades an answer against a rubric; its call is its own record in the run log.

``JudgeGrader("openai/gpt-4o-mini")`` (spec ``judge:TARGET``) fills its rubric (the dataset's template
rules, :mod:`workbench.evaluate.template`) with ``{question}`` (the filled prompt), ``{reference}``
(the item's reference columns, or "(none)"), ``{answer}`` and any reference column by name, sends it
through the runner, and reads the verdict from the reply (:func:`parse_verdict`). The judge's call is
tagged ``{"judge": {"of": CALL_ID, "grader": NAME, "sweep": SWEEP}}`` in its provenance and never
carries a sweep tag, so it is never counted as an answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Item
from workbench.evaluate.graders import Grade
from workbench.evaluate.template import fill_template, template_columns
from workbench.records import CallRecord, Message
from workbench.runlog.store import Store
from workbench.runner.fanout import arun
from workbench.runner.options import RunOptions
from workbench.targets import Target, resolve

__all__ = ["DEFAULT_RUBRIC", "JUDGE_MAX_TOKENS", "JudgeGrader", "judge_of", "judge_tag", "parse_verdict"]

DEFAULT_RUBRIC = """You are grading an answer to a question.

Question:
{question}

Reference answer (may be "(none)"):
{reference}

Answer to grade:
{answer}

Reply with one line: "Score: N/10 - reason" (N from 0 to 10, 10 for a fully correct answer), \
or "PASS - reason" or "FAIL - reason"."""
"""The rubric a judge fills unless given its own."""

JUDGE_MAX_TOKENS = 128
"""Tokens a judge may reply with (a score and a one-line reason)."""

_OWN = frozenset({"question", "answer", "reference"})
_JSON = re.compile(r"\{.*\}", re.DOTALL)
_VERDICT = re.compile(r"^\W*(PASS(?:ED)?|FAIL(?:ED)?)\b", re.IGNORECASE)
_RATIO = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*%")
_LABELLED = re.compile(r"\b(?:score|rating|grade)\b\s*[:=]?\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_BARE = re.compile(r"^\W*(-?\d+(?:\.\d+)?)\b")


def judge_tag(of: str, grader: str, version: str, sweep: str | None) -> dict[str, Any]:
    """What a judge's call keeps in its provenance (never a ``sweep`` key, so it is never an answer)."""
    return {"judge": {"of": of, "grader": grader, "version": version, "sweep": sweep}}


def judge_of(record: CallRecord) -> tuple[str, str, str] | None:
    """(the judged call, the grader, its version) for a judge's record; ``None`` for any other call."""
    tag = record.provenance.get("judge")
    if not isinstance(tag, Mapping):
        return None
    return str(tag["of"]), str(tag["grader"]), str(tag.get("version"))


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _reason(rest: str) -> str:
    line = rest.strip().splitlines()[0] if rest.strip() else ""
    return line.strip(" -:.\u2013\u2014").strip() or "no reason given"


def _scored(value: float, scale: float, reason: str) -> Grade | None:
    if scale <= 0 or not math.isfinite(value) or not 0 <= value <= scale:
        return None
    return Grade(value / scale, reason)


def _from_json(text: str) -> Grade | None:
    found = _JSON.search(text)
    if found is None:
        return None
    try:
        data = json.loads(found.group(0))
    except ValueError:
        return None
    if not isinstance(data, dict) or "score" not in data:
        return None
    reason = str(data.get("reason") or data.get("explanation") or "no reason given")
    score = data["score"]
    if isinstance(score, str):
        return _from_text(score if reason == "no reason given" else f"{score} - {reason}")
    if isinstance(score, bool) or not isinstance(score, int | float):
        return None
    scale = data.get("out_of", data.get("max", 10))
    return _scored(float(score), float(scale), reason) if isinstance(scale, int | float) else None


def _from_text(text: str) -> Grade | None:
    verdict = _VERDICT.match(text)
    if verdict is not None:
        return Grade(1.0 if verdict.group(1).upper().startswith("PASS") else 0.0, _reason(text[verdict.end() :]))
    for pattern, scale in ((_RATIO, None), (_PERCENT, 100.0), (_LABELLED, 10.0), (_BARE, 10.0)):
        match = pattern.search(text)
        if match is not None:
            top = float(match.group(2)) if scale is None else scale
            return _scored(float(match.group(1)), top, _reason(text[match.end() :]))
    return None


def parse_verdict(reply: str) -> Grade:
    """A judge's reply as a Grade: ``PASS``/``FAIL``, ``Score: 7/10``, ``70%``, a bare ``8`` (out of 10), or JSON
    ``{"score": 8, "reason": ...}`` (out of 10, or of its ``out_of``). Anything else scores 0 with the
    reason "judge reply not understood: ..."; a reply never fails the sweep."""
    found = _from_json(reply) if "{" in reply else None
    found = found or _from_text(reply.strip())
    return found or Grade(0.0, f"judge reply not understood: {_shorten(reply)}")


class JudgeGrader:
    """Grade by asking ``target`` (any target spec or Target) with ``rubric``; see the module docstring.

    Its ``version`` carries a hash of the rubric, so grades from another rubric never mix.
    """

    columns: tuple[str, ...]

    def __init__(
        self, target: str | Target, rubric: str = DEFAULT_RUBRIC, *, max_tokens: int = JUDGE_MAX_TOKENS,
        name: str | None = None,
    ) -> None:  # fmt: skip
        self.target = resolve(target) if isinstance(target, str) else target
        self.rubric = rubric
        self.columns = tuple(c for c in template_columns(rubric, what="judge rubric") if c not in _OWN)
        self.max_tokens = max_tokens
        self.name = name or f"judge:{self.target.spec}"
        self.version = f"1-{hashlib.sha256(rubric.encode()).hexdigest()[:8]}"

    def messages(self, answer: str, item: Item) -> list[Message]:
        """The judge's request: the rubric filled for this item and answer."""
        refs = {k: v for k, v in item.references.items() if k not in _OWN}
        if not refs:
            reference = "(none)"
        elif len(refs) == 1:
            reference = str(next(iter(refs.values())))
        else:
            reference = "\n".join(f"{k}: {v}" for k, v in refs.items())
        row = {**refs, "question": item.prompt, "reference": reference, "answer": answer}
        return [{"role": "user", "content": fill_template(self.rubric, row, where=f"judge rubric, {item.where}")}]

    def check(self, item: Item) -> None:
        """The rubric must fill from this item (a column it names must be kept)."""
        self.messages("", item)

    def grade(self, answer: str, item: Item) -> Grade:
        """A judge calls a model, so it grades only through :meth:`ajudge` (a sweep or ``workbench.grade``)."""
        raise ConfigError(f"{self.name} calls a model: grade through a sweep or workbench.grade(sweep, judge).")

    async def ajudge(
        self, answered: CallRecord, item: Item, *, store: Store | None, options: RunOptions, sweep: str | None
    ) -> tuple[CallRecord, Grade | None]:
        """Ask the judge about ``answered``; its record, and the grade (``None`` when the judge's call failed)."""
        tags = judge_tag(answered.call_id, self.name, self.version, sweep)
        tagged = dataclasses.replace(options, tags=tags, routing=None)
        result = await arun(
            self.messages(answered.response, item), [self.target], temperature=0.0, max_tokens=self.max_tokens,
            store=store or False, options=tagged,
        )  # fmt: skip
        record = result.records[0]
        return record, parse_verdict(record.response) if record.ok else None
