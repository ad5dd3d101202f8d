"""Compare a notebook's saved outputs and calls with a reproduction's, and list every difference.

Outputs are compared cell by cell after :func:`normalize`: stdout (joined), every rich MIME type
but widget views, and errors by name and value. stderr, execution counts and metadata are left
out. A difference is told in words (:mod:`workbench.sharing.readable`), once per changed answer
however many outputs show it, and once per cell for any other change. Calls are compared cell by
cell: each reproduced call must replay the recorded call the original run used there (or
replayed), in the same order, and its figures must be the recorded ones.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Sequence
from typing import Any

from workbench.records import CallRecord
from workbench.sharing.bundle import source_hash
from workbench.sharing.readable import excerpt, readable_words
from workbench.ui.plot_series import REPLAY_MARKS

__all__ = ["compare_calls", "compare_outputs", "normalize", "output_items"]

_WIDGET = "application/vnd.jupyter.widget-view+json"
_PLOTLY = "application/vnd.plotly.v1+json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_REPLAY_ROW = re.compile(r"<tr>(?:(?!</?tr>).)*?recorded \(replayed\)(?:(?!</?tr>).)*?</tr>", re.S)
# the same label in a plot's hover text, also as plotly's HTML embeds it (``<`` and ``>`` escaped)
_REPLAY_HOVER = re.compile(r"(?:<br>|\\u003cbr\\u003e)source: recorded \(replayed\)")
_STYLER_ID = re.compile(r"(?<![0-9A-Za-z])T_[0-9a-f]{5}(?![0-9a-f])")  # a pandas Styler table's random id
_RULE = re.compile(r"^[\s\u2500-\u257f]+$")
_BOX = re.compile(r"[\u2500-\u257f]")
FIGURES = ("target", "response", "error_type", "ttft_s", "latency_s", "input_tokens", "output_tokens", "cost_usd")
"""The record fields compared between a recorded call and its replay."""


def normalize(text: str) -> str:
    """Mask per-run identifiers and drop the ``recorded (replayed)`` labels, so runs can be compared."""
    text = _ANSI.sub("", text)
    text = _REPLAY_ROW.sub("", text)
    text = _REPLAY_HOVER.sub("", text)
    lines: list[str] = []
    for line in text.splitlines():
        if "recorded (replayed)" in line:
            if lines and _RULE.match(lines[-1]):
                lines.pop()  # the table rule above the dropped row
            continue
        lines.append(line)
    text = "\n".join(lines)
    if _BOX.search(text):  # a drawn table: column widths follow the content, so compare its words only
        text = " ".join(_BOX.sub(" ", text).split())
    text = _UUID.sub("<uuid>", text)
    text = _HEX_ID.sub("<id>", text)
    text = _STYLER_ID.sub("T_<id>", text)
    return _ADDRESS.sub("0x<address>", text)


def _text(value: Any) -> str:
    """A MIME value as text; JSON values (a plotly figure) in canonical form, the same in memory and read from disk."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return json.dumps(value, sort_keys=True, default=repr)


def _without_replay_marks(figure: Any) -> Any:
    """A plotly figure without the trace that marks replayed calls (the one mark a replay adds)."""
    if isinstance(figure, str):
        try:
            figure = json.loads(figure)
        except ValueError:
            return figure
    if not isinstance(figure, dict) or not isinstance(figure.get("data"), list):
        return figure
    kept = [t for t in figure["data"] if not (isinstance(t, dict) and t.get("name") == REPLAY_MARKS)]
    return {**figure, "data": kept}


def output_items(cell: Any) -> list[tuple[str, dict[str, str]]]:
    """A cell's outputs in order, as ``(kind, {form: normalized text})``.

    Printed text is one ``stdout`` item; each rich output is one item holding its MIME types (widget
    views left out); an error is one item.
    """
    items: list[tuple[str, dict[str, str]]] = []
    stdout = ""
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                stdout += _text(output.get("text", ""))
        elif kind in ("display_data", "execute_result"):
            data = dict(output.get("data", {}))
            if _PLOTLY in data:  # a figure: its JSON is compared, not the HTML drawn from it
                data.pop("text/html", None)
                data[_PLOTLY] = _without_replay_marks(data[_PLOTLY])
            items.append(("display", {m: normalize(_text(v)) for m, v in sorted(data.items()) if m != _WIDGET}))
        elif kind == "error":
            items.append(("error", {"error": normalize(f"{output.get('ename')}: {output.get('evalue')}")}))
    return ([("stdout", {"stdout": normalize(stdout)})] if stdout else []) + items


@dataclasses.dataclass
class _Answer:
    """A reproduced call's answer, and where it showed differently from the recorded outputs."""

    cell: int
    target: str
    words: list[str]
    recorded: list[str] | None = None
    shown_in: list[int] = dataclasses.field(default_factory=list)


def _answers(reproduced: Any, calls: Sequence[CallRecord]) -> list[_Answer]:
    found = []
    for record in calls:
        index = _cell_index(reproduced, record)
        if index is not None and record.ok and record.response.split():
            found.append(_Answer(index, record.target, record.response.split()))
    return found


def _occurrences(words: list[str], answer: list[str]) -> list[tuple[int, int]]:
    n = len(answer)
    return [(i, i + n) for i in range(len(words) - n + 1) if words[i : i + n] == answer]


def _old_index(opcodes: Sequence[tuple[str, int, int, int, int]], j: int, end: bool) -> int:
    """Where position ``j`` of the new words falls in the old words (a changed block maps to its edge)."""
    for tag, i1, i2, j1, j2 in opcodes:
        if j1 <= j < j2 or (end and j == j2):
            return i1 + (j - j1) if tag == "equal" else (i2 if end else i1)
    return opcodes[-1][2] if opcodes else 0


def _preferred(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str]] | None:
    """The words of the first form whose words differ (HTML before plain text: its table cells stay whole)."""
    for form in sorted(set(old) | set(new), key=lambda form: (form != "text/html", form != "text/plain", form)):
        before, after = readable_words(form, old.get(form, "")), readable_words(form, new.get(form, ""))
        if before != after:
            return before, after
    return None


def compare_outputs(original: Any, reproduced: Any, calls: Sequence[CallRecord] = ()) -> list[str]:
    """Every output difference between two executions of the same notebook, in words.

    A changed answer of one of the reproduced ``calls`` is one difference, however many outputs and
    forms (text, HTML) show it; any other change is one difference per cell.
    """
    if len(original.cells) != len(reproduced.cells):
        return [f"the notebook has {len(original.cells)} cells, the reproduction {len(reproduced.cells)}"]
    answers = _answers(reproduced, calls)
    differences: list[tuple[int, str]] = []
    for index, (before, after) in enumerate(zip(original.cells, reproduced.cells, strict=True)):
        if before.cell_type != "code":
            continue
        old, new = output_items(before), output_items(after)
        if old == new:
            continue
        if [k for k, _ in old] != [k for k, _ in new]:
            differences.append((index, f"cell {index + 1}: the outputs were {_kinds(old)}, now {_kinds(new)}"))
            continue
        others: list[tuple[list[str], list[str]]] = []
        markup = False
        for (_, forms_old), (_, forms_new) in zip(old, new, strict=True):
            words = _preferred(forms_old, forms_new)
            if words is not None:
                others.extend(_explain(index, *words, answers))
            markup = markup or (words is None and forms_old != forms_new)
        if others:
            more = f" (and {len(others) - 1} more change(s))" if len(others) > 1 else ""
            what = f"recorded {excerpt(others[0][0])}, now {excerpt(others[0][1])}{more}"
            differences.append((index, f"cell {index + 1}: the output differs: {what}"))
        elif markup:
            differences.append((index, f"cell {index + 1}: the output's markup differs (its words are the same)"))
    for answer in answers:
        if answer.recorded is not None:
            also = [f"{i + 1}" for i in answer.shown_in if i != answer.cell]
            also_word = "also " if answer.cell in answer.shown_in else ""
            shown = f" ({also_word}shown in cell {', '.join(also)})" if also else ""
            what = f"recorded {excerpt(answer.recorded)}, now {excerpt(answer.words)}{shown}"
            differences.append((answer.cell, f"cell {answer.cell + 1}, {answer.target}: the answer differs: {what}"))
    return [message for _, message in sorted(differences, key=lambda d: d[0])]


def _kinds(items: list[tuple[str, dict[str, str]]]) -> str:
    return ", ".join(kind if kind != "display" else " + ".join(forms) for kind, forms in items) or "nothing"


def _explain(index: int, old: list[str], new: list[str], answers: list[_Answer]) -> list[tuple[list[str], list[str]]]:
    """Credit each changed block of words to the answer it lies in; return the blocks no answer explains."""
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    spans = [(answer, span) for answer in answers for span in _occurrences(new, answer.words)]
    unexplained = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        hit = next(((a, s) for a, s in spans if j1 < s[1] and (j2 > s[0] if j2 > j1 else j1 > s[0])), None)
        if hit is None:
            unexplained.append((old[i1:i2], new[j1:j2]))
            continue
        answer, (start, end) = hit
        if answer.recorded is None:
            answer.recorded = old[_old_index(opcodes, start, False) : _old_index(opcodes, end, True)]
        if index not in answer.shown_in:
            answer.shown_in.append(index)
    return unexplained


def _cell_index(notebook: Any, record: CallRecord) -> int | None:
    cell = record.provenance.get("cell")
    if not isinstance(cell, dict):
        return None
    for index, candidate in enumerate(notebook.cells):
        if (
            candidate.cell_type == "code"
            and candidate.execution_count == cell.get("execution_count")
            and source_hash(candidate.source) == cell.get("sha256")
        ):
            return index
    return None


def _source_id(record: CallRecord) -> str:
    replay = record.provenance.get("replay")
    return str(replay.get("of")) if isinstance(replay, dict) and record.replayed else record.call_id


def compare_calls(
    original: Any, recorded: Sequence[CallRecord], reproduced_nb: Any, reproduced: Sequence[CallRecord]
) -> list[str]:
    """Differences between the calls each cell made originally and on reproduction."""
    by_id = {r.call_id: r for r in recorded}
    expected: dict[int, list[CallRecord]] = {}
    for record in recorded:
        index = _cell_index(original, record)
        if index is not None:
            expected.setdefault(index, []).append(record)
    got: dict[int, list[CallRecord]] = {}
    differences: list[str] = []
    # A strict replay's miss that the author's run met too is the same outcome, not a difference.
    missed: dict[tuple[int | None, str], str] = {
        (index, r.target): r.call_id for index, rs in expected.items() for r in rs if r.error_type == "ReplayMissing"
    }
    for record in reproduced:
        index = _cell_index(reproduced_nb, record)
        if index is not None and record.error_type == "ReplayMissing" and (index, record.target) in missed:
            got.setdefault(index, []).append(dataclasses.replace(record, call_id=missed[index, record.target]))
        elif record.error_type == "ReplayMissing":
            where = f"cell {index + 1}" if index is not None else "a cell"
            differences.append(f"{where}: {record.target} made a call that the bundle never recorded (ReplayMissing)")
        elif index is not None:
            got.setdefault(index, []).append(record)
    for index in sorted(set(expected) | set(got)):
        want = [_source_id(r) for r in sorted(expected.get(index, []), key=lambda r: r.started_at)]
        have = [_source_id(r) for r in got.get(index, [])]
        label = f"cell {index + 1}"
        if len(want) != len(have):
            differences.append(f"{label}: {len(want)} recorded call(s), {len(have)} on reproduction")
        for position, (a, b) in enumerate(zip(want, have, strict=False), 1):
            if a != b and a in by_id and b in by_id:
                changed = [f for f in FIGURES if getattr(by_id[a], f) != getattr(by_id[b], f)]
                if changed:
                    differences.append(f"{label}: call {position} replayed another recording ({', '.join(changed)})")
    return differences
