"""A chat request and its sampling parameters: what a run sends, the same to every target."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError

__all__ = ["DEFAULT_MAX_TOKENS", "Message", "Request", "new_id"]

DEFAULT_MAX_TOKENS = 256
"""Most tokens per answer unless a run, a cell or a target says otherwise."""

Message = Mapping[str, str]
"""One chat message: ``{"role": "user" | "system" | "assistant", "content": "..."}``."""

_ROLES = frozenset({"system", "user", "assistant"})


def new_id() -> str:
    """A fresh random identifier for a run or a call."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Request:
    """A chat request and its sampling parameters, the same for every target of a run.

    ``None`` for a parameter means "the target's own default", and is recorded as such.
    """

    messages: tuple[Message, ...]
    temperature: float | None = None
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.messages:
            raise ConfigError("A request needs at least one message; pass a prompt string or a list of messages.")
        for message in self.messages:
            if message.get("role") not in _ROLES or not isinstance(message.get("content"), str):
                raise ConfigError(
                    f"Bad message {dict(message)!r}: each message needs a 'role' "
                    f"({', '.join(sorted(_ROLES))}) and a string 'content'."
                )
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise ConfigError(f"temperature={self.temperature:g} is out of range; use a value from 0 to 2.")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ConfigError(f"max_tokens={self.max_tokens} must be at least 1.")

    @classmethod
    def build(
        cls,
        prompt: str | Sequence[Message],
        *,
        system: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = DEFAULT_MAX_TOKENS,
        seed: int | None = None,
        stop: str | Sequence[str] | None = None,
    ) -> Request:
        """Make a request from a prompt string or a list of chat messages."""
        if isinstance(prompt, str):
            messages: list[Message] = [{"role": "user", "content": prompt}]
        else:
            messages = [dict(m) for m in prompt]
        if system is not None:
            messages.insert(0, {"role": "system", "content": system})
        stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
        return cls(tuple(messages), temperature, max_tokens, seed, stops)

    @property
    def params(self) -> dict[str, Any]:
        """The sampling parameters as a plain dict (``None`` values kept: they were chosen)."""
        return {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop),
        }

    @property
    def text(self) -> str:
        """All message contents joined, for inspection and size estimates."""
        return "\n".join(m["content"] for m in self.messages)
