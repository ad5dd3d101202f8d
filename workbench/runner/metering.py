"""Wall-clock figures of one call: queue time, time to first token, latency, decode tokens/s. Computed here only."""

from __future__ import annotations

import time

from workbench.records import EngineStarted, TextDelta, Usage

__all__ = ["Meter"]


class Meter:
    """Times one call from the moment it is submitted; text and usage are fed in as they arrive.

    A target whose engine serves one request at a time announces when the engine took this one
    (:meth:`engine_started`); the wait before that is the queue, and time to first token and
    latency are measured from it. Without an announcement the engine took the call at once.
    """

    def __init__(self) -> None:
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self._engine: float | None = None
        self._first: float | None = None
        self._end: float | None = None
        self._parts: list[str] = []
        self.usage: Usage | None = None

    def observe(self, event: EngineStarted | TextDelta | Usage) -> None:
        """Take in one event of the target's stream."""
        if isinstance(event, TextDelta):
            self.text_arrived(event.text)
        elif isinstance(event, EngineStarted):
            self.engine_started(event.at)
        else:
            self.usage = event

    def engine_started(self, at: float) -> None:
        """The engine took the request at ``at`` (``time.perf_counter()``); the first announcement counts."""
        if self._engine is None:
            self._engine = min(max(at, self._t0), time.perf_counter())

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
    def _start(self) -> float:
        return self._t0 if self._engine is None else self._engine

    @property
    def _now(self) -> float:
        return self._end if self._end is not None else time.perf_counter()

    @property
    def queue_s(self) -> float:
        """Seconds from submission until the engine took the request (0 when it took it at once)."""
        return self._start - self._t0

    @property
    def ttft_s(self) -> float | None:
        """Seconds from the engine taking the request to the first text; ``None`` if none came."""
        return None if self._first is None else self._first - self._start

    @property
    def latency_s(self) -> float:
        """Seconds from the engine taking the request to the end of the call."""
        return self._now - self._start

    @property
    def e2e_s(self) -> float:
        """Seconds from submission to the end of the call: queue plus latency."""
        return self._now - self._t0

    def decode_tps(self, output_tokens: int | None) -> float | None:
        """Tokens per second after the first one: ``(tokens - 1) / (latency - ttft)``."""
        ttft = self.ttft_s
        if output_tokens is None or output_tokens < 2 or ttft is None or self.latency_s <= ttft:
            return None
        return (output_tokens - 1) / (self.latency_s - ttft)
