"""A model's price per token: the one price type, for live calls, replays and routing alike."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Price"]


@dataclass(frozen=True)
class Price:
    """Dollars per million input and output tokens, and where the figures came from.

    ``Price(0.15, 0.60)`` is a price you give; :func:`workbench.runner.pricing.price_for` reads one
    from LiteLLM's bundled price map (``source`` then names the map's entry).
    """

    input_per_mtok: float
    output_per_mtok: float
    source: str = "per-target override"

    @property
    def input_per_token(self) -> float:
        """Dollars per input token."""
        return self.input_per_mtok / 1e6

    @property
    def output_per_token(self) -> float:
        """Dollars per output token."""
        return self.output_per_mtok / 1e6

    def describe(self) -> str:
        """``$0.15/M in, $0.60/M out (source)``."""
        return f"${self.input_per_mtok:g}/M in, ${self.output_per_mtok:g}/M out ({self.source})"
