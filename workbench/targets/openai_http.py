"""Stream a chat completion from an OpenAI-compatible server over aiohttp (``openai/NAME@URL``).

The OpenAI SDK builds its request through httpx's pool and a pydantic object per chunk: ~2.4 ms of
CPU per streamed call on the loopback bench server, against ~0.3 ms for aiohttp reading the same
server-sent events (bench/bench_sweep.py). Each ``data:`` line is parsed into :class:`Fields`,
which :mod:`workbench.targets.chunks` reads as it reads the SDK's chunks. A status other than 2xx
raises :class:`HTTPStatusError`, shaped as :func:`workbench.targets.errors.translate` expects.

One session per event loop, server and key, kept open so connections are reused; it is closed
when its loop shuts down its async generators (``asyncio.run`` does), or at exit while its loop
still runs (the workbench's background loop).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import aiohttp

__all__ = ["Fields", "HTTPStatusError", "StreamError", "stream_chat"]

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], aiohttp.ClientSession]] = (
    weakref.WeakKeyDictionary()
)
_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
    weakref.WeakKeyDictionary()
)


class Fields(dict[str, Any]):
    """A JSON object whose fields read as attributes too; a missing one reads as ``None``."""

    __getattr__ = dict.get


class HTTPStatusError(Exception):
    """The server answered with a status other than 2xx; ``response.headers`` carries its headers."""

    def __init__(self, status_code: int, headers: Mapping[str, str], body: str) -> None:
        super().__init__(f"Error code: {status_code} - {body}")
        self.status_code = status_code
        self.response = Fields(headers=headers)


class StreamError(Exception):
    """The server sent an ``error`` object inside the stream."""


async def _close_with_loop(sessions: dict[tuple[str, str], aiohttp.ClientSession]) -> AsyncGenerator[None, None]:
    """Suspended for the loop's life; the loop's ``shutdown_asyncgens`` resumes it to close the sessions."""
    try:
        yield
    finally:
        for session in sessions.values():
            await session.close()
        sessions.clear()


async def _session(base_url: str, api_key: str, connect_timeout_s: float) -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    sessions = _sessions.setdefault(loop, {})
    if loop not in _keepers:
        keeper = _keepers[loop] = _close_with_loop(sessions)
        await keeper.__anext__()
    key = (base_url, api_key)
    if key not in sessions:
        sessions[key] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s),
        )
    return sessions[key]


@atexit.register
def _close_at_exit() -> None:
    """Close the sessions of loops still running in other threads, so none is reported unclosed."""
    for loop, sessions in list(_sessions.items()):
        if loop.is_running() and sessions:
            future = asyncio.run_coroutine_threadsafe(_close_all(sessions), loop)
            with contextlib.suppress(Exception):  # at exit a loop that does not answer is left as it is
                future.result(timeout=2)


async def _close_all(sessions: dict[tuple[str, str], aiohttp.ClientSession]) -> None:
    for session in list(sessions.values()):
        await session.close()
    sessions.clear()


async def stream_chat(
    base_url: str, api_key: str, body: Mapping[str, Any], *, connect_timeout_s: float
) -> AsyncIterator[Fields]:
    """POST ``body`` to ``BASE_URL/chat/completions`` and yield each streamed chunk."""
    session = await _session(base_url, api_key, connect_timeout_s)
    async with session.post(base_url.rstrip("/") + "/chat/completions", json=body) as response:
        if response.status >= 300:
            text = await response.text(errors="replace")
            raise HTTPStatusError(response.status, response.headers, text[:2000])
        async for line in response.content:
            if not line.startswith(b"data:"):
                continue  # blank separators, comments, event names
            data = line[5:].strip()
            if data == b"[DONE]":
                break
            chunk = json.loads(data, object_hook=Fields)
            if chunk.get("error") is not None:
                error = chunk["error"]
                raise StreamError(str(error.get("message") if isinstance(error, dict) else error))
            yield chunk
