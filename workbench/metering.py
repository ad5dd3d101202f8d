"""Wall-clock figures of one call: time to first token, latency, decode tokens/s. Computed here only."""

from __future__ import annotations

import time

from workbench.request import Usage

__all__ = ["Meter"]


class Meter:
    """Times one call from the moment it is sent; text and usage are fed in as they arrive."""

    def __init__(self) -> None:
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self._first: float | None = None
        self._end: float | None = None
        self._parts: list[str] = []
        self.usage: Usage | None = None

    def text_arrived(self, text: str) -> None:
        """Record a piece of answer text."""
        if self._first is None:
            self._first = time.perf_counter()
        self._parts.append(text)

    def finish(self) -> None:
        """The call is over (answered or failed)."""
        self._end = time.perf_counter()

    @property
    def text(self) -> bool:
        """Whether any answer text has arrived."""
        return bool(self._parts)

    @property
    def response(self) -> str:
        """The answer so far."""
        return "".join(self._parts)

    @property
    def ttft_s(self) -> float | None:
        """Seconds from sending to the first text; ``None`` if none came."""
        return None if self._first is None else self._first - self._t0

    @property
    def latency_s(self) -> float:
        """Seconds from sending to the end of the call."""
        return (self._end if self._end is not None else time.perf_counter()) - self._t0

    def decode_tps(self, output_tokens: int | None) -> float | None:
        """Tokens per second after the first one: ``(tokens - 1) / (latency - ttft)``."""
        ttft = self.ttft_s
        if output_tokens is None or output_tokens < 2 or ttft is None or self.latency_s <= ttft:
            return None
        return (output_tokens - 1) / (self.latency_s - ttft)
