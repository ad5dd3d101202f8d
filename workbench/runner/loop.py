"""One background event loop, so blocking calls work even where a loop already runs (Jupyter)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="workbench-loop", daemon=True).start()
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, T], *, grace_s: float = 10.0) -> T:
    """Run ``coroutine`` on the workbench loop thread and wait for it.

    Ctrl-C (or a kernel interrupt) cancels it and waits up to ``grace_s`` for it to wind down,
    so that interrupted calls are recorded before ``KeyboardInterrupt`` is raised again.
    """
    finished = threading.Event()

    async def tracked() -> T:
        try:
            return await coroutine
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(tracked(), _background_loop())
    try:
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        finished.wait(grace_s)
        raise
