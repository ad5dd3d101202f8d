"""A routing decision: which side a request goes to, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Decision", "Side"]

Side = Literal["edge", "cloud"]
"""``edge``: a local target (on the device or the private network); ``cloud``: a cloud target."""


@dataclass(frozen=True)
class Decision:
    """Where a policy sends one request, and the reason in words.

    ``score`` is the policy's escalation score (higher means more reason to use the cloud);
    ``None`` for policies that do not score.
    """

    side: Side
    reason: str
    score: float | None = None

    def __post_init__(self) -> None:
        if self.side not in ("edge", "cloud"):
            raise ValueError(f"side must be 'edge' or 'cloud', not {self.side!r}")
