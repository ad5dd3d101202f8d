"""Per-target settings written after a spec, so one model can be compared with a variant of itself.

    local/smollm2[temperature=0.9]
    local/smollm2[system="Answer in one short sentence.", max_tokens=40]
    openai/gpt-4o-mini@http://127.0.0.1:8080/v1[seed=7]
    proxy/llama-70b@http://gpu-box:4000[locality=edge, stream=no]

``temperature``, ``max_tokens``, ``seed`` and ``system`` override the run's own for that target only;
``locality`` (where a served model's bytes go) and ``stream`` (``no``: ask a proxy for the whole
answer at once) describe the target itself, and :func:`workbench.targets.resolve` reads them. The record's
``target`` keeps the spec as written, settings included, so every view labels the column by them. Values are
separated by commas; quote a value that holds a comma (shell-like quoting, via :mod:`shlex`).
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError
from workbench.records import Locality, Message, Request

__all__ = ["ALLOWED", "TargetSettings", "split_settings"]

_KEY = re.compile(r"\[\s*[A-Za-z_][\w-]*\s*=")


@dataclass(frozen=True)
class TargetSettings:
    """What one target does differently from the rest of its run; ``None``: the run's value."""

    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    system: str | None = None
    locality: Locality | None = None
    stream: bool | None = None

    def apply(self, request: Request) -> Request:
        """``request`` as this target gets it: these settings in place of the run's."""
        changes: dict[str, Any] = {
            name: value
            for name in ("temperature", "max_tokens", "seed")
            if (value := getattr(self, name)) is not None
        }
        if self.system is not None:
            system: Message = {"role": "system", "content": self.system}
            rest = [m for m in request.messages if m["role"] != "system"]
            changes["messages"] = (system, *rest)
        return dataclasses.replace(request, **changes)


def _temperature(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 2:
        raise ValueError("use a value from 0 to 2")
    return value


def _max_tokens(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("use a whole number of at least 1")
    return value


def _system(text: str) -> str:
    if not text.strip():
        raise ValueError("give the system message's text")
    return text


def _locality(text: str) -> Locality:
    value = {"edge": Locality.PRIVATE_NETWORK.value}.get(text.strip().lower(), text.strip().lower())
    return Locality(value)  # ValueError for any other word


def _yes_no(text: str) -> bool:
    words = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    if text.strip().lower() not in words:
        raise ValueError("use yes or no")
    return words[text.strip().lower()]


ALLOWED: dict[str, tuple[Callable[[str], Any], str]] = {
    "temperature": (_temperature, "a number from 0 to 2"),
    "max_tokens": (_max_tokens, "a whole number of at least 1"),
    "seed": (int, "a whole number"),
    "system": (_system, "the system message's text (quote it if it holds a comma)"),
    "locality": (_locality, "cloud, edge (the team's own servers: private_network) or device"),
    "stream": (_yes_no, "yes or no"),
}
"""Each setting a target accepts: how its value is read, and what the value must be."""

_EXAMPLE = "local/smollm2[temperature=0.9]"


def _start(spec: str) -> int:
    """Where the settings' ``[`` is, or -1. A ``[`` right after ``//`` opens an IPv6 host, not settings."""
    for at in (i for i, char in enumerate(spec) if char == "["):
        if not spec[:at].endswith("//"):
            return at
    return -1


def split_settings(spec: str) -> tuple[str, TargetSettings | None]:
    """``(spec without its settings, the settings)``; ``None`` when the spec has no ``[...]``."""
    at = _start(spec)
    if at < 0:
        return spec, None
    base, body = spec[:at], spec[at:]
    if not body.endswith("]") or not _KEY.match(body):
        raise ConfigError(
            f"Target {spec!r}: write settings as KEY=VALUE in brackets at the end, e.g. {_EXAMPLE!r} "
            f"(settings: {', '.join(ALLOWED)})."
        )
    lexer = shlex.shlex(body[1:-1], posix=True)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = ",", True, ""
    try:
        items = [item.strip() for item in lexer]
    except ValueError as exc:
        raise ConfigError(f"Target {spec!r}: {exc} in its settings; close the quote.") from None
    values: dict[str, Any] = {}
    for item in filter(None, items):
        key, sep, text = (part.strip() for part in item.partition("="))
        if not sep or key not in ALLOWED:
            raise ConfigError(f"Target {spec!r}: unknown setting {key!r}; the settings are {', '.join(ALLOWED)}.")
        if key in values:
            raise ConfigError(f"Target {spec!r}: {key} is set twice; keep one.")
        parse, wanted = ALLOWED[key]
        try:
            values[key] = parse(text)
        except ValueError:
            raise ConfigError(f"Target {spec!r}: {key}={text!r} is not valid; {key} takes {wanted}.") from None
    return base.strip(), TargetSettings(**values)
