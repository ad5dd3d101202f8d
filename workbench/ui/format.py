"""One palette and one way to write each figure, for every display (panel, plots, tables, the sidebar's server).

The palette and the format settings live in ``style.json`` beside this module. The JupyterLab
sidebar receives its figures already formatted by :mod:`workbench.server`, which calls these
functions, so the browser never formats a number itself.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from importlib import resources
from typing import Any

from workbench.records.call import CallRecord, Egress, Locality

__all__ = [
    "count",
    "dollars",
    "egress_text",
    "entity_words",
    "gateway_cost_text",
    "locality_colour",
    "seconds",
    "style",
    "target_colour",
    "token_counts",
    "tokens_per_s",
]


@cache
def style() -> dict[str, Any]:
    """The shared palette and format settings (``workbench/ui/style.json``)."""
    return dict(json.loads(resources.files("workbench.ui").joinpath("style.json").read_text(encoding="utf-8")))


def locality_colour(locality: Locality | str) -> str:
    """The colour of a locality: green on device, amber on a private network, blue in the cloud."""
    return str(style()["locality"][Locality(locality).value])


def target_colour(index: int) -> str:
    """The colour of the ``index``-th target shown in a figure."""
    colours = style()["targets"]
    return str(colours[index % len(colours)])


def seconds(value: float | None) -> str:
    """``1.38 s``, or ``412 ms`` below a second; ``-`` when there is no figure."""
    if value is None:
        return "-"
    fmt = style()["seconds"]
    if value < fmt["ms_below"]:
        return f"{value * 1000:.{fmt['ms_decimals']}f} ms"
    return f"{value:.{fmt['s_decimals']}f} s"


def dollars(value: float | None) -> str:
    """``$0`` for nothing spent, ``$0.000153`` otherwise (trailing zeros dropped); ``unknown`` for ``None``."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    decimals = style()["dollars"]["decimals"]
    if 0 < abs(value) < 10**-decimals:
        return f"<${10**-decimals:.{decimals}f}"
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return f"${text}" if not text.startswith("-") else f"-${text[1:]}"


GATEWAY_DISAGREES = "differs"
"""The word beside a gateway's cost that disagrees with the workbench's own (``gateway_cost_disagrees``)."""


def gateway_cost_text(record: CallRecord) -> str | None:
    """``$0.000024``, ``$0.00012 (differs)`` beside the workbench's own cost; ``None`` when the gateway said nothing."""
    if record.gateway_cost_usd is None:
        return None
    text = dollars(record.gateway_cost_usd)
    return f"{text} ({GATEWAY_DISAGREES})" if record.gateway_cost_disagrees else text


def count(number: int, noun: str) -> str:
    """``1 call``, ``9 calls``, ``0 errors``: a count and its noun, plural when it is not one."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def tokens_per_s(value: float | None) -> str:
    """``41.3``; ``-`` when there is no figure."""
    return "-" if value is None else f"{value:.{style()['tokens_per_s']['decimals']}f}"


def token_counts(input_tokens: int | None, output_tokens: int | None, estimated: bool = False) -> str:
    """``12 in / 30 out``, ``(est.)`` when estimated; ``-`` when neither count is known."""
    if input_tokens is None and output_tokens is None:
        return "-"
    mark = " (est.)" if estimated else ""
    shown = [("?" if n is None else str(n)) for n in (input_tokens, output_tokens)]
    return f"{shown[0]} in / {shown[1]} out{mark}"


_ENTITY_WORDS = {
    "email": "email",
    "payment_card": "card number",
    "phone": "phone number",
    "iban": "IBAN",
    "ip_address": "IP address",
    "us_ssn": "social security number",
    "secret": "secret",
}


def entity_words(kinds: Any) -> str:
    """Entity types in words, sorted: ``card number, email``."""
    return ", ".join(sorted(_ENTITY_WORDS.get(str(k), str(k).replace("_", " ")) for k in kinds))


def egress_text(record: CallRecord) -> str:
    """The privacy line of one call, in words.

    ``stayed on device``; ``sent to cloud``; ``sent to cloud: card number, email``; ``not sent (blocked)``;
    with what was found and what the guard did when it redacted or kept the call local. A replayed
    call reads as the recorded one did (its ``source`` row says it was replayed).
    """
    if record.replayed:
        record = dataclasses.replace(record, replayed=False)
    privacy = record.privacy
    found = entity_words(privacy.entities) if privacy is not None and privacy.entities else ""
    egress = record.egress
    if egress is Egress.SENT:
        where = f"sent to {record.locality.label}"
        if privacy is not None and privacy.action == "redact" and found:
            return f"{where} with {found} redacted"
        return f"{where}: {found}" if found and record.flagged_off_device else where
    if egress is Egress.STAYED:
        return f"stayed on device ({found} found)" if found else "stayed on device"
    return f"{egress.value} ({found} found)" if found else egress.value
