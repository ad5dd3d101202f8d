"""The result of inspecting a text: entity types, counts and spans, never the values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ENTITY_TYPES", "STRUCTURED_TYPES", "Inspection", "Span"]

STRUCTURED_TYPES = ("email", "phone", "payment_card", "iban", "ip_address", "us_ssn")
"""Personal-data types with a checkable structure (a format, a checksum or a numbering plan)."""

ENTITY_TYPES = (*STRUCTURED_TYPES, "secret")
"""Every type the inspector reports; ``secret`` covers API keys, tokens, private keys, webhooks."""


@dataclass(frozen=True, order=True)
class Span:
    """Where one entity sits in the inspected text: ``text[start:end]``.

    ``detail`` names the kind within the type (``visa``, ``ipv6``, ``openai_key``), never the value.
    """

    start: int
    end: int
    type: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: type, detail, start, end."""
        return {"type": self.type, "detail": self.detail, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Inspection:
    """What :func:`workbench.privacy.inspect` found in one text, ordered by position.

    Holds offsets only, so printing, logging or storing an inspection never reveals a value.
    """

    spans: tuple[Span, ...] = ()
    length: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Entity type to number found, in :data:`ENTITY_TYPES` order."""
        found = Counter(span.type for span in self.spans)
        return {kind: found[kind] for kind in ENTITY_TYPES if found[kind]}

    @property
    def types(self) -> tuple[str, ...]:
        """The entity types found, in :data:`ENTITY_TYPES` order."""
        return tuple(self.counts)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def replace(self, text: str, replacement: Callable[[str, str], str]) -> str:
        """``text`` (the text inspected) with each span replaced by ``replacement(type, value)``."""
        pieces: list[str] = []
        position = 0
        for span in self.spans:
            pieces += [text[position : span.start], replacement(span.type, text[span.start : span.end])]
            position = span.end
        pieces.append(text[position:])
        return "".join(pieces)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``types``, ``counts``, ``spans`` and the text ``length``."""
        return {
            "length": self.length,
            "types": list(self.types),
            "counts": self.counts,
            "spans": [span.to_dict() for span in self.spans],
        }
