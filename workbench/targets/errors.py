"""Translate OpenAI-style client exceptions (LiteLLM's subclass the OpenAI SDK's) into workbench errors."""

from __future__ import annotations

import email.utils
import time
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

_OFFLINE_HINTS = ("Name or service not known", "Temporary failure in name resolution", "nodename nor servname")


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


def translate(
    exc: BaseException, *, spec: str, key_hint: str, started_text: bool, secrets: tuple[str, ...] = ()
) -> TargetError:
    """A :class:`TargetError` subclass for ``exc``, its message stripped of secrets.

    ``key_hint`` names what to set on an auth failure; ``started_text`` says whether the
    answer had begun, which turns a broken connection into :class:`StreamDropped`.
    """
    if isinstance(exc, TargetError):
        return exc
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    detail = redact_secrets(f"{name}: {exc}", secrets)[:500]
    if status in (401, 403):
        return AuthError(f"{spec} rejected the credentials (HTTP {status}); check {key_hint}. {detail}")
    if status == 429:
        return RateLimitError(f"{spec} is rate limited (HTTP 429). {detail}", retry_after_seconds(_headers(exc)))
    if isinstance(status, int) and status >= 500:
        return ServerError(f"{spec} failed on the server (HTTP {status}). {detail}")
    if "Timeout" in name:
        return CallTimeout(f"{spec} did not answer in time. {detail}")
    if started_text:
        return StreamDropped(f"{spec} stopped streaming mid-answer. {detail}")
    if "Connection" in name or isinstance(exc, (ConnectionError, OSError)):
        if any(hint in str(exc) for hint in _OFFLINE_HINTS):
            return OfflineError(f"{spec} is unreachable: no network route (offline?). {detail}")
        return ConnectError(f"{spec} could not be reached; is the server running? {detail}")
    return TargetError(f"{spec} failed: {detail}")
