"""One target's queue in a sweep: the cells still to send, the refused ones waiting out their Retry-After, the pace.

A cell the server refused with 429 goes back into its lane with a time before which it is not sent
again (its ``Retry-After``); meanwhile the lane's workers send other cells at the pace of the
target's :class:`~workbench.runner.throttle.Throttle`, so a rate-limited server is kept busy near the
rate it admits and no cell fails for being refused. A cell refused ``RESENDS`` times ends failed
(``--retry-errors`` sends it again).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Iterable

from workbench.runner.throttle import Throttle

__all__ = ["RESENDS", "Lane"]

RESENDS = 30
"""How many times one cell refused with 429 is sent again before it is kept as failed."""


class Lane:
    """The cells of one target still to send, in order, and the refused ones due again later."""

    def __init__(self, cells: Iterable[tuple[str, int]]) -> None:
        self.queue: deque[tuple[str, int]] = deque(cells)
        self.throttle = Throttle()
        self._later: list[tuple[float, int, str, int, int]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self.queue) + len(self._later)

    def again(self, item_id: str, repeat: int, tries: int, not_before: float) -> None:
        """Send this refused cell again, not before ``not_before`` (``time.monotonic``)."""
        heapq.heappush(self._later, (not_before, next(self._order), item_id, repeat, tries))

    async def next(self) -> tuple[str, int, int] | None:
        """The next cell to send, with how many times it was refused; ``None`` when the lane is empty."""
        while True:
            now = time.monotonic()
            if self._later and self._later[0][0] <= now:
                _, _, item_id, repeat, tries = heapq.heappop(self._later)
                return item_id, repeat, tries
            if self.queue:
                item_id, repeat = self.queue.popleft()
                return item_id, repeat, 0
            if not self._later:
                return None
            await asyncio.sleep(self._later[0][0] - now)
