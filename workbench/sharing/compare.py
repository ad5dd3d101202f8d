"""Compare a notebook's saved outputs and calls with a reproduction's, and list every difference.

Outputs are compared cell by cell after :func:`normalize`: stdout (joined), every rich MIME type
but widget views, and errors by name and value. stderr, execution counts and metadata are left
out. Calls are compared cell by cell: each reproduced call must replay the recorded call the
original run used there (or replayed), in the same order, and its figures must be the recorded ones.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Sequence
from typing import Any

from workbench.request import CallRecord
from workbench.sharing.bundle import source_hash

__all__ = ["compare_calls", "compare_outputs", "normalize", "output_texts"]

_WIDGET = "application/vnd.jupyter.widget-view+json"
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


def output_texts(cell: Any) -> list[tuple[str, str]]:
    """A cell's outputs as ``(kind, normalized text)`` pairs, in order."""
    shown: list[tuple[str, str]] = []
    stdout = ""
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                stdout += _text(output.get("text", ""))
        elif kind in ("display_data", "execute_result"):
            for mime, value in sorted(output.get("data", {}).items()):
                if mime != _WIDGET:
                    shown.append((mime, normalize(_text(value))))
        elif kind == "error":
            shown.append(("error", normalize(f"{output.get('ename')}: {output.get('evalue')}")))
    return ([("stdout", normalize(stdout))] if stdout else []) + shown


def _label(index: int, cell: Any) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {index + 1} ({first[:60]!r})"


def _lines(text: str) -> list[str]:
    return text.replace("<tr>", "\n<tr>").splitlines()  # an HTML table row per line, so the diff names the row


def _diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(_lines(before), _lines(after), "recorded", "reproduced", n=0, lineterm="")
    body = [line for line in lines if not line.startswith(("---", "+++", "@@"))]
    return "\n".join(f"      {line[:160]}" for line in body[:8]) + ("\n      ..." if len(body) > 8 else "")


def compare_outputs(original: Any, reproduced: Any) -> list[str]:
    """Every output difference between two executions of the same notebook, one message each."""
    differences: list[str] = []
    if len(original.cells) != len(reproduced.cells):
        return [f"the notebook has {len(original.cells)} cells, the reproduction {len(reproduced.cells)}"]
    for index, (before, after) in enumerate(zip(original.cells, reproduced.cells, strict=True)):
        if before.cell_type != "code":
            continue
        old, new = output_texts(before), output_texts(after)
        if old == new:
            continue
        kinds_old, kinds_new = [k for k, _ in old], [k for k, _ in new]
        if kinds_old != kinds_new:
            differences.append(f"{_label(index, before)}: outputs {kinds_old} became {kinds_new}")
            continue
        for (kind, text_old), (_, text_new) in zip(old, new, strict=True):
            if text_old != text_new:
                differences.append(f"{_label(index, before)}: {kind} differs\n{_diff(text_old, text_new)}")
    return differences


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
        (index, r.target): r.call_id
        for index, rs in expected.items()
        for r in rs
        if r.error_type == "ReplayMissing"
    }
    for record in reproduced:
        index = _cell_index(reproduced_nb, record)
        if index is not None and record.error_type == "ReplayMissing" and (index, record.target) in missed:
            got.setdefault(index, []).append(dataclasses.replace(record, call_id=missed[index, record.target]))
        elif record.error_type == "ReplayMissing":
            where = _label(index, reproduced_nb.cells[index]) if index is not None else "a cell"
            differences.append(f"{where}: {record.target} made a call that the bundle never recorded (ReplayMissing)")
        elif index is not None:
            got.setdefault(index, []).append(record)
    for index in sorted(set(expected) | set(got)):
        want = [_source_id(r) for r in sorted(expected.get(index, []), key=lambda r: r.started_at)]
        have = [_source_id(r) for r in got.get(index, [])]
        label = _label(index, original.cells[index])
        if len(want) != len(have):
            differences.append(f"{label}: {len(want)} recorded call(s), {len(have)} on reproduction")
        for position, (a, b) in enumerate(zip(want, have, strict=False), 1):
            if a != b and a in by_id and b in by_id:
                changed = [f for f in FIGURES if getattr(by_id[a], f) != getattr(by_id[b], f)]
                if changed:
                    differences.append(f"{label}: call {position} replayed another recording ({', '.join(changed)})")
    return differences
