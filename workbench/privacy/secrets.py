"""Secret redaction: no key, or any part of one, reaches an output, the store or a log."""

from __future__ import annotations

import os
import re

__all__ = ["redact_secrets"]

_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}|(?<=[?&](?:key|api_key|apikey|token|access_token)=)[^&\s\"']+"
    r"|(?<=Bearer )[A-Za-z0-9._\-]{8,})"
)
_ENV_HINTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def _environment_secrets() -> list[str]:
    return [
        value
        for name, value in os.environ.items()
        if any(hint in name.upper() for hint in _ENV_HINTS) and len(value) >= 8
    ]


def redact_secrets(text: str, known: list[str] | tuple[str, ...] = ()) -> str:
    """Replace API keys, tokens and the values of secret-looking environment variables.

    ``known`` adds secrets to remove (for example an ``api_key`` passed to a target).
    """
    for secret in sorted({*known, *_environment_secrets()}, key=len, reverse=True):
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[REDACTED]")
    return _KEY_PATTERNS.sub("[REDACTED]", text)
