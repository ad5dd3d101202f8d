"""A call as the sidebar shows it: figures formatted by :mod:`workbench.ui.format`, texts scrubbed and masked.

The browser formats no figure: each call carries its figures as text (``text``), beside the raw
values a sort or a filter needs. Every text goes through :func:`workbench.privacy.redact_secrets`,
and personal data is masked (:func:`workbench.server.masking.mask`) unless the caller asks to
reveal it and the call's data stayed on the device.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from workbench.privacy import redact_secrets
from workbench.privacy.secrets import redact_deep
from workbench.records import CallRecord, Egress
from workbench.server.masking import mask
from workbench.ui.format import entity_words, seconds, tokens_per_s
from workbench.ui.table import figure_rows

__all__ = ["PREVIEW_CHARS", "detail", "row", "scrub", "shown"]

PREVIEW_CHARS = 80
"""Length of the prompt preview in a page of calls."""

# A preview is redacted and masked over a window longer than any key or card it could start, then
# cut: a value that begins inside the preview lies whole inside the window, so it is found first.
_PREVIEW_WINDOW = 400


@functools.lru_cache(maxsize=16_384)
def _redacted(text: str) -> str:
    # Remembered: a recorded text never changes, and neither do the server process's environment
    # secrets, so a polling sidebar does not pay for redacting the same page again.
    return redact_secrets(text)


def scrub(value: Any) -> Any:
    """``value`` with secrets removed from every string in it, at any depth."""
    return redact_deep(value, _redacted)


def shown(text: str | None, *, reveal: bool = False) -> str | None:
    """``text`` as the sidebar shows it: secrets removed, and personal data masked unless ``reveal``."""
    if text is None:
        return None
    redacted = _redacted(text)
    return redacted if reveal else mask(redacted)


def _preview(record: CallRecord) -> str:
    """The last prompt message, redacted and masked, on one line, cut to :data:`PREVIEW_CHARS`."""
    if not record.prompt:
        return ""
    text = str(record.prompt[-1].get("content", ""))
    window = " ".join(str(shown(text[:_PREVIEW_WINDOW])).split())
    cut = len(window) > PREVIEW_CHARS or len(text) > _PREVIEW_WINDOW
    return window[: PREVIEW_CHARS - 1] + "…" if cut else window


_FIGURE_KEYS = {"ttft": "time to first token", "latency": "latency", "tokens_per_s": "tokens/s", "tokens": "tokens",
                "cost": "cost", "egress": "privacy"}  # fmt: skip


def _figures(record: CallRecord) -> dict[str, str]:
    """The call's figures as text, as the notebook writes them (:func:`workbench.ui.table.figure_rows`)."""
    rows = dict(figure_rows(record))
    return {key: rows[label] for key, label in _FIGURE_KEYS.items()}


def row(record: CallRecord) -> dict[str, Any]:
    """One call in a page of the sidebar: raw values to sort and filter by, figures as text, a masked preview."""
    privacy = record.privacy
    return {
        "call_id": record.call_id,
        "run_id": record.run_id,
        "target": _redacted(record.target),
        "model": _redacted(record.model),
        "locality": record.locality.value,
        "locality_label": record.locality.label,
        "started_at": record.started_at,
        "egress": record.egress.value,
        "sent": record.sent,
        "replayed": record.replayed,
        "timed": record.timed,
        "ok": record.ok,
        "error_type": record.error_type,
        "ttft_s": record.ttft_s if record.timed else None,
        "latency_s": record.latency_s if record.timed else None,
        "cost_usd": record.cost_usd,
        "entities": dict(privacy.entities) if privacy else {},
        "privacy_action": privacy.action if privacy else None,
        "flagged_off_device": record.flagged_off_device,
        "text": _figures(record),
        "preview": _preview(record),
    }


def _facts(record: CallRecord) -> list[tuple[str, str]]:
    """The detail view's labelled figures, every one formatted here."""
    figures = _figures(record)
    privacy = record.privacy
    facts = [
        ("where", record.locality.label),
        ("data", figures["egress"]),
        ("time to first token", figures["ttft"]),
        ("latency", figures["latency"]),
        ("tokens/s", figures["tokens_per_s"]),
        ("tokens", figures["tokens"]),
        ("cost", f"{figures['cost']} ({record.cost_basis})"),
    ]
    if privacy is not None and privacy.entities:
        facts.append(("privacy", f"{entity_words(privacy.entities)} found; guard: {privacy.action}"))
    if record.replayed:
        facts.append(("source", "replayed: the recorded answer and figures, nothing sent"))
    facts.append(("attempts", str(record.attempts)))
    facts.append(("parameters", ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(record.params.items()))))
    for name, value in sorted(record.engine_metrics.items()):
        facts.append((f"engine {name}", _metric(name, value)))
    facts += [("model", record.model), ("run", record.run_id)]
    return [(label, str(_redacted(text))) for label, text in facts]


def _metric(name: str, value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if "per_s" in name or name.endswith("tps"):
        return tokens_per_s(float(value))
    if name.endswith("_s"):
        return seconds(float(value))
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def detail(record: CallRecord, *, reveal: bool = False) -> dict[str, Any]:
    """One call in full for the detail view: its texts (masked unless ``reveal``) and its facts as text.

    ``reveal`` is honoured only for a call whose data stayed on the device (egress ``stayed on
    device``): see :attr:`revealable`.
    """
    revealable = record.egress is Egress.STAYED
    plain = reveal and revealable
    return {
        **row(record),
        "prompt": [
            {"role": str(m.get("role", "")), "content": shown(str(m.get("content", "")), reveal=plain)}
            for m in (record.prompt or ())
        ],
        "prompt_stored": record.prompt is not None,
        "response": shown(record.response, reveal=plain),
        "error_message": shown(record.error_message, reveal=plain),
        "params": scrub(dict(record.params)),
        "privacy": scrub(dataclasses.asdict(record.privacy)) if record.privacy else None,
        "engine_metrics": scrub(dict(record.engine_metrics)),
        "cost_basis": record.cost_basis,
        "attempts": record.attempts,
        "facts": _facts(record),
        "revealable": revealable,
        "masked": not plain,
    }
