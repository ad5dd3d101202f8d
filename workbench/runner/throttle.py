"""Adaptive pacing for one target that answers 429: send near the rate it admits, never far above it.

A :class:`Throttle` starts unpaced. At the first 429 it paces sends at half the rate it was sending
at. Each later 429 (at most one per cooldown, since the calls already in flight answer the old
pace) lowers the pace to the smaller of 90% of itself and 97% of the rate the server was seen to
admit. After the cooldown the pace grows, 25% a second at first and twice as fast each further
second without a 429, so a pace set low while the client was still warming up recovers in seconds.
The refused request itself is not sent again before its ``Retry-After``: the caller re-sends it then
(:meth:`Ticket.not_before`). No library paces on a measured rate like this (``aiolimiter`` holds one
fixed rate), hence the few lines here.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque

from workbench.errors import RateLimitError

__all__ = ["Throttle", "Ticket"]

_SAMPLES = 32  # rates are measured over the last 32 sends and the last 32 successes
_COOLDOWN_S = 0.5
_DECREASE = 0.9
_UNDER_ADMITTED = 0.97
_GROWTH = 0.25  # the pace grows 25% a second
_DOUBLINGS = 4  # the growth doubles each second without a 429, four times at most
_FLOOR = 0.5  # requests a second: the slowest pace


class Throttle:
    """The pace of one target's sends: ``None`` until the first 429, then requests a second."""

    def __init__(self) -> None:
        self.rate: float | None = None
        self.refused = 0
        """429s seen so far."""
        self._admitted: deque[float] = deque(maxlen=_SAMPLES)
        self._sent: deque[float] = deque(maxlen=_SAMPLES)
        self._next = 0.0
        self._hold_until = 0.0
        self._grown_at = 0.0

    async def acquire(self) -> None:
        """Wait for this send's turn at the current pace (at once when unpaced)."""
        now = time.monotonic()
        self._sent.append(now)
        if self.rate is None:
            return
        at = max(now, self._next)
        self._next = at + 1.0 / self.rate
        if at > now:
            await asyncio.sleep(at - now)

    @staticmethod
    def _rate(times: deque[float], now: float) -> float:
        """Events a second over the recent ones kept in ``times`` (0 with fewer than two)."""
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / max(now - times[0], 1e-3)

    def answered(self, error: BaseException | None) -> None:
        """Learn from one finished attempt: a success speeds up, a 429 slows down; other errors say nothing."""
        now = time.monotonic()
        if error is None:
            self._admitted.append(now)
            if self.rate is not None and now >= self._hold_until:  # probe faster the longer no 429 came
                growth = _GROWTH * 2 ** min(_DOUBLINGS, int(now - self._hold_until))
                self.rate *= 1 + growth * min(now - self._grown_at, 1.0)
            self._grown_at = now
            return
        if not isinstance(error, RateLimitError):
            return
        self.refused += 1
        if now < self._hold_until:
            return
        admitted = self._rate(self._admitted, now)
        if self.rate is None:  # the first refusal: halve the rate it was sending at
            pace = self._rate(self._sent, now) / 2
        else:
            pace = min(self.rate * _DECREASE, admitted * _UNDER_ADMITTED) if admitted else self.rate / 2
        self.rate = max(_FLOOR, pace)
        self._next = min(self._next, now + 1.0 / self.rate)
        self._hold_until = now + _COOLDOWN_S

    def ticket(self) -> Ticket:
        """A handle for one call: it reports the call's outcome here and keeps its ``Retry-After``."""
        return Ticket(self)


class Ticket:
    """One call's link to its target's :class:`Throttle` (``RunOptions.throttle``)."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle
        self.retry_after: float | None = None
        self.refused = False

    def answered(self, error: BaseException | None) -> None:
        """Called by the runner once per attempt's outcome."""
        if isinstance(error, RateLimitError):
            self.refused = True
            self.retry_after = error.retry_after
        self.throttle.answered(error)

    def not_before(self, fallback_s: float, cap_s: float) -> float:
        """When (``time.monotonic``) the refused request may be sent again: its ``Retry-After``, else ``fallback_s``."""
        wait = self.retry_after if self.retry_after is not None and math.isfinite(self.retry_after) else fallback_s
        return time.monotonic() + min(wait, cap_s)
