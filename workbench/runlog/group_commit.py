"""Group commit: durable appends awaited from an event loop, written off it.

Each caller awaits its own record, as with a blocking ``Store.append``: when the await returns the
record is committed (``synchronous=FULL``), or the caller gets the write's exception (for a run
log, :class:`~workbench.errors.NotRecorded`, with the records already in the spool). The write and
its fsync run in a worker thread, so the loop streams other calls meanwhile; records handed in
while a write is under way go together in the next transaction, one fsync for all of them.
Nothing is acknowledged before it is committed, so a kill -9 loses only calls still awaiting.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

from workbench.records import CallRecord

__all__ = ["GroupCommit"]

_Waiter = tuple[CallRecord, "asyncio.Future[None]", asyncio.AbstractEventLoop]


class GroupCommit:
    """Queue records from any event loop; one long-lived worker thread writes each queued batch with ``write``."""

    def __init__(self, write: Callable[[Sequence[CallRecord]], None]) -> None:
        self._write = write
        self._ready = threading.Condition()
        self._queue: list[_Waiter] = []
        self._writer: threading.Thread | None = None

    async def append(self, record: CallRecord) -> None:
        """Return once ``record`` is written (with whatever was queued beside it); raise what the write raised."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._ready:
            self._queue.append((record, done, loop))
            if self._writer is None or not self._writer.is_alive():  # first use, or a forked child
                # started once: a thread per batch made the loop wait for each thread's start (~0.5 ms)
                self._writer = threading.Thread(target=self._drain, name="workbench-runlog-writer", daemon=True)
                self._writer.start()
            self._ready.notify()
        await done

    def _drain(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                batch, self._queue = self._queue, []
            outcome: Exception | None = None
            try:
                self._write([record for record, _, _ in batch])
            except Exception as exc:  # every waiter of the batch hears it
                outcome = exc
            for _, done, loop in batch:
                if not loop.is_closed():
                    loop.call_soon_threadsafe(_settle, done, outcome)


def _settle(done: asyncio.Future[None], outcome: Exception | None) -> None:
    if done.done():  # the waiter was cancelled; its record was written all the same
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)
