"""Personal data masked in every text the sidebar shows: what the privacy inspector finds is replaced.

A card number keeps its last four digits (``•••• 4242``); every other finding becomes its type in
words (``[email]``, ``[phone number]``). The run log is not changed: it keeps what
``store_prompts`` said. Keys and tokens are removed before this, by
:func:`workbench.privacy.redact_secrets`, and are never revealed.
"""

from __future__ import annotations

import functools

from workbench.privacy import inspect
from workbench.ui.format import entity_words

__all__ = ["mask"]


def _masked(kind: str, value: str) -> str:
    if kind == "payment_card":
        digits = [c for c in value if c.isdigit()]
        return "•••• " + "".join(digits[-4:])
    return f"[{entity_words([kind])}]"


@functools.lru_cache(maxsize=16_384)
def mask(text: str) -> str:
    """``text`` with every entity the privacy inspector finds in it masked."""
    found = inspect(text)
    return found.replace(text, _masked) if found else text
