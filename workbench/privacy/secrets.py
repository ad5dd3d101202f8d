"""Secret redaction: no key, or any part of one, reaches an output, the store or a log.

:func:`redact_secrets` removes, from any text (an error message, a URL, a prompt to be stored):

- the known secrets passed in, and the values of secret-looking environment variables;
- any run of key characters that shares 8 or more characters with one of those (a key
  that a provider echoed truncated or masked, like ``sk-proj-****abcd1234``);
- every secret the detectors of :mod:`workbench.privacy.keys` find (provider key formats,
  tokens, private keys, webhook URLs, ``?key=`` in URLs, values after ``api_key=`` ...).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workbench.privacy.keys import find_secrets

__all__ = ["REDACTED", "environment_secrets", "redact_deep", "redact_secrets"]

REDACTED = "[REDACTED]"
"""What a secret is replaced with."""

_ENV_HINTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_MIN_SECRET = 8
_FRAGMENT = 8
_KEYISH_RUN = re.compile(rf"[A-Za-z0-9_\-+/=.]{{{_FRAGMENT},}}")


# Settings that name a place, not a secret (LiteLLM sets TIKTOKEN_CACHE_DIR to a site-packages path).
_PLACE_SUFFIXES = ("_DIR", "_PATH", "_FILE", "_HOME", "_URL_PATH")


def environment_secrets() -> list[str]:
    """Values of secret-looking environment variables (``*KEY*``, ``*TOKEN*``, ...), at least 8 characters.

    Names ending in ``_DIR``, ``_PATH``, ``_FILE`` or ``_HOME``, and values that are existing paths,
    are places, not secrets.
    """
    return [
        value
        for name, value in os.environ.items()
        if any(hint in name.upper() for hint in _ENV_HINTS)
        and not name.upper().endswith(_PLACE_SUFFIXES)
        and len(value) >= _MIN_SECRET
        and not (value.startswith(("/", "~")) and os.path.exists(os.path.expanduser(value)))
    ]


def _fragments(secrets: list[str]) -> set[str]:
    return {s[i : i + _FRAGMENT] for s in secrets for i in range(len(s) - _FRAGMENT + 1)}


def redact_secrets(
    text: str, known: list[str] | tuple[str, ...] = (), *, environment: Sequence[str] | None = None
) -> str:
    """Replace API keys, tokens and the values of secret-looking environment variables.

    ``known`` adds secrets to remove (for example an ``api_key`` passed to a target). ``environment`` is
    :func:`environment_secrets` read once by the caller (a sweep reads it at its start); ``None`` reads it now.
    """
    found = environment_secrets() if environment is None else environment
    secrets = sorted({s for s in (*known, *found) if s and len(s) >= _MIN_SECRET}, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    if secrets:
        fragments = _fragments(secrets)

        def scrub(match: re.Match[str]) -> str:
            run = match.group()
            hit = any(run[i : i + _FRAGMENT] in fragments for i in range(len(run) - _FRAGMENT + 1))
            return REDACTED if hit else run

        text = _KEYISH_RUN.sub(scrub, text)
    spans = sorted(find_secrets(text), key=lambda s: (s.start, -s.end))
    pieces: list[str] = []
    position = 0
    for span in spans:
        if span.start < position:
            continue
        pieces += [text[position : span.start], REDACTED]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_deep(value: Any, redact: Callable[[str], str] = redact_secrets) -> Any:
    """``value`` (JSON-like: mappings, lists, tuples) with ``redact`` applied to every string in it, keys too."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact_deep(k, redact): redact_deep(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_deep(v, redact) for v in value]
    return value
