"""Typed placeholders: ``[EMAIL_1]``, ``[CARD_2]``, ... in place of the entities an inspection found."""

from __future__ import annotations

from workbench.privacy.inspection import Inspection

__all__ = ["PLACEHOLDER_LABELS", "Redactor"]

PLACEHOLDER_LABELS = {
    "email": "EMAIL",
    "phone": "PHONE",
    "payment_card": "CARD",
    "iban": "IBAN",
    "ip_address": "IP",
    "us_ssn": "SSN",
    "secret": "SECRET",
}
"""The placeholder word for each entity type."""


class Redactor:
    """Replaces entities with numbered, typed placeholders.

    One redactor serves one request: the same value in two messages gets the same placeholder,
    so a model can still tell two people apart. The mapping lives only in memory.
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._next: dict[str, int] = {}

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._numbers:
            self._next[kind] = self._next.get(kind, 0) + 1
            self._numbers[key] = self._next[kind]
        return f"[{PLACEHOLDER_LABELS.get(kind, kind.upper())}_{self._numbers[key]}]"

    def redact(self, text: str, inspection: Inspection) -> str:
        """``text`` with every span of ``inspection`` (made from this text) replaced."""
        return inspection.replace(text, self._placeholder)
