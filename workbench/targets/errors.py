"""Translate OpenAI-style client exceptions (LiteLLM's subclass the OpenAI SDK's) into workbench errors."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from typing import Any

from workbench.errors import (
    AuthError,
    CallTimeout,
    ConnectError,
    OfflineError,
    RateLimitError,
    ServerError,
    StreamDropped,
    TargetError,
)
from workbench.privacy import redact_secrets

__all__ = ["retry_after_seconds", "translate"]

_OFFLINE_HINTS = (
    "Name or service not known",
    "Temporary failure in name resolution",
    "nodename nor servname",
    "Network is unreachable",
)


def retry_after_seconds(headers: Any) -> float | None:
    """The server's ``Retry-After`` hint in seconds (delta or HTTP date), if it sent one."""
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return headers or getattr(exc, "litellm_response_headers", None)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or during, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def translate(
    exc: BaseException,
    *,
    spec: str,
    key_hint: str,
    started_text: bool,
    secrets: tuple[str, ...] = (),
    detail: str | None = None,
) -> TargetError:
    """A :class:`TargetError` subclass for ``exc``, its message stripped of secrets.

    ``key_hint`` names what to set on an auth failure; ``started_text`` says whether the
    answer had begun, which turns a broken connection into :class:`StreamDropped`. ``detail``
    replaces the exception's own text after the error's first sentence (say, a server's message).
    """
    if isinstance(exc, TargetError):
        return exc
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    detail = redact_secrets(f"{name}: {exc}" if detail is None else detail, secrets)[:500]
    if started_text:
        return StreamDropped(f"{spec} stopped streaming mid-answer. {detail}")
    if "Timeout" in name:
        return CallTimeout(f"{spec} did not answer in time. {detail}")
    # LiteLLM reports a refused connection as a 500: look down the exception chain first.
    causes = list(_chain(exc))
    if any("Connect" in type(c).__name__ or isinstance(c, ConnectionError | OSError) for c in causes):
        if any(hint in str(c) for c in causes for hint in _OFFLINE_HINTS):
            return OfflineError(f"{spec} is unreachable: no network route (offline?). {detail}")
        return ConnectError(f"{spec} could not be reached; is the server running? {detail}")
    if status in (401, 403):
        return AuthError(f"{spec} rejected the credentials (HTTP {status}); check {key_hint}. {detail}")
    if status == 429:
        return RateLimitError(f"{spec} is rate limited (HTTP 429). {detail}", retry_after_seconds(_headers(exc)))
    if isinstance(status, int) and status >= 500:
        return ServerError(f"{spec} failed on the server (HTTP {status}). {detail}")
    return TargetError(f"{spec} failed: {detail}")
