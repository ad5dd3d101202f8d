"""A sweep's spending cap: never send a call that could carry recorded cost plus calls in flight past it.

Before each call the worst case it could cost is reserved: ``max_tokens`` x the output price plus an
upper bound of its input tokens (the prompt's UTF-8 bytes, plus a chat template's overhead per
message: a byte-level tokenizer never makes more tokens than bytes) x the input price. When the call
is recorded the reservation is replaced by what it cost (kept whole when the cost is unknown).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workbench.errors import ConfigError
from workbench.records import DEFAULT_MAX_TOKENS, Message, Price
from workbench.runner.pricing import cloud_price
from workbench.targets import Target, split_settings

__all__ = ["TEMPLATE_TOKENS", "Budget", "worst_case_usd"]

TEMPLATE_TOKENS = 16
"""Tokens a chat template may add per message (role markers, separators), counted into the worst case."""


def _input_bound(messages: Sequence[Message]) -> int:
    return sum(len(str(m["content"]).encode()) + TEMPLATE_TOKENS for m in messages)


def worst_case_usd(
    target: Target,
    messages: Sequence[Message],
    max_tokens: int | None,
    *,
    price: Price | None,
    compute_per_hour: float | None,
    timeout: float,
) -> float:
    """The most one call of ``target`` with these messages can be charged (see the module docstring)."""
    _, settings = split_settings(target.spec)
    most = (settings.max_tokens if settings and settings.max_tokens else max_tokens) or DEFAULT_MAX_TOKENS
    own = price or target.price
    if target.locality.edge and own is None:
        return 0.0 if compute_per_hour is None else compute_per_hour * timeout / 3600
    found = own or cloud_price(target.model)
    if found is None:  # checked by Budget.check first
        return math.inf
    return _input_bound(messages) * found.input_per_token + most * found.output_per_token


@dataclass
class Budget:
    """Dollars a sweep may spend (``None``: no cap), what its calls cost so far, and what is reserved."""

    limit_usd: float | None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    stopped: bool = False
    _held: dict[str, float] = field(default_factory=dict)

    def check(self, targets: Sequence[Target], prices: Mapping[str, Price]) -> None:
        """Refuse, in one line, a target whose price is unknown when there is a cap."""
        if self.limit_usd is None:
            return
        if not math.isfinite(self.limit_usd) or self.limit_usd < 0:
            raise ConfigError(f"budget_usd={self.limit_usd!r} must be a number of dollars, 0 or more.")
        for target in targets:
            known = prices.get(target.spec) or target.price
            if known is None and not target.locality.edge and cloud_price(target.model) is None:
                raise ConfigError(
                    f"Target {target.spec!r} has no known price, so a budget cannot cap it; give its price "
                    f"(--price '{target.spec}=IN,OUT' in dollars per million tokens, or prices={{spec: Price(...)}})."
                )

    def __post_init__(self) -> None:
        self._changed: asyncio.Condition | None = None

    async def reserve(self, key: str, worst_usd: float) -> bool:
        """Hold ``worst_usd`` for a call about to be sent; ``False`` (and stop) when it cannot fit under the cap.

        While calls are in flight a call that does not fit waits for them to be recorded (their real
        cost is usually below the worst case); it stops the sweep only when it would not fit with none.
        """
        if self.limit_usd is None:
            return True
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            while not self.stopped:
                if self.spent_usd + self.reserved_usd + worst_usd <= self.limit_usd:
                    self._held[key] = worst_usd
                    self.reserved_usd += worst_usd
                    return True
                if not self._held:
                    self.stopped = True
                    self._changed.notify_all()
                    break
                await self._changed.wait()
            return False

    async def settle(self, key: str, cost_usd: float | None) -> None:
        """Replace a call's reservation by what it cost (the whole reservation when the cost is unknown)."""
        held = self._held.pop(key, 0.0)
        self.reserved_usd -= held
        self.spent_usd += held if cost_usd is None else cost_usd
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
