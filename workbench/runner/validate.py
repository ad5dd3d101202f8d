"""One check of a run's inputs, shared by ``workbench.run``, ``hybrid run`` and ``%%hybrid``.

Everything is checked before anything is sent: the prompt (not empty; bytes that are not UTF-8
become U+FFFD, with a note saying so), the targets (at least one; each spec resolved, which checks
its shape, its URL and its file), the sampling parameters (:class:`~workbench.records.Request`),
each target's own settings, and the run's timeout, retries and guard. A problem raises
:class:`~workbench.errors.ConfigError` with one line naming the fix: the CLI exits with status 2,
the magic raises a ``UsageError``, the Python API raises it as it is.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import ConfigError
from workbench.privacy.guard import GUARD_ACTIONS
from workbench.records import DEFAULT_MAX_TOKENS, Message, Request

if TYPE_CHECKING:
    from workbench.runner.pricing import Price
    from workbench.targets import Target

__all__ = ["CheckedRun", "check_run", "replace_undecodable"]

# Python carries bytes it could not decode (from argv, stdin, os.fsdecode) as lone surrogates.
_UNDECODABLE = re.compile("[\ud800-\udfff]")


class RunSettings(Protocol):
    """The options of a run this check reads (:class:`workbench.runner.fanout.RunOptions` has them)."""

    @property
    def timeout(self) -> float:
        """Seconds one call may take."""

    @property
    def retries(self) -> int:
        """Extra attempts after a retryable failure."""

    @property
    def guard(self) -> str:
        """The privacy action off the device."""

    @property
    def prices(self) -> Mapping[str, Price]:
        """Per-target price overrides, by spec."""


@dataclass(frozen=True)
class CheckedRun:
    """A run that passed the check: the request, each target with the request it gets, and notes to show."""

    request: Request
    calls: tuple[tuple[Target, Request], ...]
    notes: tuple[str, ...]


def replace_undecodable(text: str) -> tuple[str, int]:
    """``text`` with every byte that was not UTF-8 as U+FFFD, and how many were replaced."""
    return _UNDECODABLE.subn("\ufffd", text)


def _clean(text: str, what: str, notes: list[str]) -> str:
    fixed, count = replace_undecodable(text)
    if count:
        notes.append(
            f"The {what} held {count} byte{'s' if count > 1 else ''} that {'are' if count > 1 else 'is'} "
            "not UTF-8, sent as U+FFFD (\ufffd); save the text as UTF-8 to send it as written."
        )
    return fixed


def _messages(prompt: object, notes: list[str]) -> str | list[Message]:
    if isinstance(prompt, bytes):
        prompt = prompt.decode("utf-8", "surrogateescape")
    if isinstance(prompt, str):
        return _clean(prompt, "prompt", notes)
    if not isinstance(prompt, Sequence) or not all(isinstance(m, Mapping) for m in prompt):
        raise ConfigError(
            f"The prompt is a {type(prompt).__name__}; pass a string, or a list of messages "
            "like [{'role': 'user', 'content': '...'}]."
        )
    return [
        {**m, "content": _clean(m["content"], f"{m.get('role')} message", notes)}
        if isinstance(m.get("content"), str)
        else dict(m)
        for m in prompt
    ]


def _check_options(options: RunSettings) -> None:
    timeout = options.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        shown = f"{timeout:g}" if isinstance(timeout, float) else repr(timeout)  # 0 and 0.0 read the same
        raise ConfigError(f"timeout={shown} must be a number of seconds more than 0, e.g. timeout=30.")
    if isinstance(options.retries, bool) or not isinstance(options.retries, int) or options.retries < 0:
        raise ConfigError(f"retries={options.retries!r} must be a whole number, 0 or more.")
    if options.guard not in GUARD_ACTIONS:
        raise ConfigError(f"guard={options.guard!r} is not a guard action; use one of {', '.join(GUARD_ACTIONS)}.")


def _target_list(targets: object) -> list[Any]:
    if isinstance(targets, str):
        return [targets]
    if not isinstance(targets, Sequence) or not targets:
        raise ConfigError(
            "No target given: name at least one, e.g. ['local/smollm2'], or leave targets out for the default."
        )
    return list(targets)


def check_run(
    prompt: str | bytes | Sequence[Message],
    targets: str | Sequence[str | Target],
    options: RunSettings,
    *,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = DEFAULT_MAX_TOKENS,
    seed: int | None = None,
    stop: str | Sequence[str] | None = None,
    warn: bool = True,
) -> CheckedRun:
    """Check a run before anything is sent; raise :class:`ConfigError` naming the fix, else return it resolved.

    With ``warn``, each note (bytes replaced) is logged as one warning line, which reaches stderr.
    """
    from workbench.targets import resolve, split_settings

    notes: list[str] = []
    messages = _messages(prompt, notes)
    if system is not None:
        system = _clean(system, "system message", notes)
    request = Request.build(
        messages, system=system, temperature=temperature, max_tokens=max_tokens, seed=seed, stop=stop
    )
    if not any(m["content"].strip() for m in request.messages if m["role"] != "system"):
        raise ConfigError("The prompt is empty: give the text to send (in a notebook, below the %%hybrid line).")
    _check_options(options)
    calls: list[tuple[Target, Request]] = []
    for spec in _target_list(targets):
        target = resolve(spec, price=options.prices.get(spec)) if isinstance(spec, str) else spec
        _, settings = split_settings(target.spec)
        calls.append((target, settings.apply(request) if settings else request))
    for note in notes if warn else ():
        logging.getLogger("workbench").warning(note)
    return CheckedRun(request, tuple(calls), tuple(notes))
