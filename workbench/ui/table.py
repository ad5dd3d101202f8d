"""Records rendered as a DataFrame, a side-by-side text table and HTML. Rendering only: no figure is computed here."""

from __future__ import annotations

import html
from collections.abc import Sequence

from workbench.records.call import CallRecord
from workbench.ui.format import dollars, egress_text, gateway_cost_text, seconds, token_counts, tokens_per_s

__all__ = ["figure_rows", "records_html", "records_text"]


_SHOWN_QUEUE_S = 0.0005
"""A queue shorter than this shows as ``0 ms``, so it is not shown at all."""


def figure_rows(record: CallRecord) -> list[tuple[str, str]]:
    """The labelled figures of one record, formatted for display; ``-`` for each figure of a call never sent."""
    sent = record.timed
    rows = [("where", record.locality.label)]
    if sent and record.queue_s is not None and record.queue_s >= _SHOWN_QUEUE_S:
        rows.append(("queued for engine", seconds(record.queue_s)))
    rows += [
        ("time to first token", seconds(record.ttft_s) if sent else "-"),
        ("latency", seconds(record.latency_s) if sent else "-"),
        ("tokens/s", tokens_per_s(record.decode_tps) if sent else "-"),
        ("tokens", token_counts(record.input_tokens, record.output_tokens, record.tokens_estimated) if sent else "-"),
        ("cost", dollars(record.cost_usd) if sent else "-"),
    ]
    gateway = gateway_cost_text(record)
    if gateway is not None:  # the proxy's own figure, never in place of the workbench's
        rows.append(("proxy's cost", gateway))
    rows += [("privacy", egress_text(record))]
    route = record.provenance.get("route") if record.provenance else None
    if isinstance(route, dict):
        rows.append(("route", f"{route.get('role')}: {route.get('reason')}"))
    if record.replayed:
        rows.append(("source", "recorded (replayed)"))
    return rows


def _comparison(records: Sequence[CallRecord]) -> list[list[str]]:
    """Rows of the side-by-side comparison: the answer (or error), then each labelled figure."""
    answers = [r.response if r.ok else f"ERROR {r.error_type}: {r.error_message}" for r in records]
    values = [dict(figure_rows(r)) for r in records]
    labels: list[str] = []  # every row any column has, each after the row it follows there
    for value in values:
        after = -1
        for label in value:
            if label not in labels:
                labels.insert(after + 1, label)
            after = labels.index(label)
    return [["answer", *answers], *([label, *(v.get(label, "-") for v in values)] for label in labels)]


def records_text(records: Sequence[CallRecord], width: int = 120) -> str:
    """The answers and figures side by side, one column per target, as plain text (wrapped to ``width``)."""
    from tabulate import tabulate

    column = max(16, (width - 24) // max(1, len(records)) - 3)
    return str(
        tabulate(
            _comparison(records),
            headers=["", *(r.target for r in records)],
            tablefmt="simple_grid",
            maxcolwidths=[None, *([column] * len(records))],
            disable_numparse=True,
        )
    )


def records_html(records: Sequence[CallRecord]) -> str:
    """The same side-by-side comparison as an HTML table (for nbconvert and non-widget frontends)."""
    head = "".join(
        f"<th>{html.escape(r.target)}<br><small>{html.escape(r.locality.label)}</small></th>" for r in records
    )
    rows = []
    for label, *cells in _comparison(records):
        style = " style='white-space:pre-wrap;vertical-align:top'" if label == "answer" else ""
        tds = "".join(f"<td{style}>{html.escape(cell)}</td>" for cell in cells)
        rows.append(f"<tr><th>{html.escape(label)}</th>{tds}</tr>")
    return f"<table class='workbench-run'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
