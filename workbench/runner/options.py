"""How a run behaves beyond the request itself: timeouts, retries, guard, prices, replay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.runlog.replay import default_mode, default_source
from workbench.runner.pricing import Price
from workbench.runner.throttle import Ticket

__all__ = ["RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """How a run behaves, beyond the request itself."""

    timeout: float = 120.0
    """Seconds one call may take, retries included."""
    retries: int = 2
    """Extra attempts after a retryable failure before the first token."""
    backoff: float = 0.5
    """First retry delay in seconds (doubling), unless the server sent Retry-After."""
    max_retry_after: float = 30.0
    """Longest Retry-After the runner honours."""
    guard: str = "flag"
    """Privacy action for off-device targets: flag, redact, block or local."""
    local_target: str = "local/smollm2"
    """Where the ``local`` guard action sends a call instead."""
    store_prompts: bool = True
    """Keep the prompt on each record (turn off for sensitive traffic)."""
    compute_per_hour: float | None = None
    """Dollars per hour of your own device, to price local calls; ``None``: no per-call charge."""
    prices: dict[str, Price] = field(default_factory=dict)
    """Per-target price overrides, by spec."""
    routing: Mapping[str, Any] | None = None
    """Set by live routing (:mod:`workbench.routing.live`): policy, threshold and the decision, kept in provenance."""
    tags: Mapping[str, Any] | None = None
    """Labels kept in each record's provenance, e.g. ``{"sweep": {"name": ..., "item": ..., "repeat": 0}}``."""
    replay: str = field(default_factory=default_mode)
    """off, on or strict: answer recorded calls from the run log (:mod:`workbench.runlog.replay`); $WORKBENCH_REPLAY."""
    replay_from: str | None = field(default_factory=default_source)
    """A run log to answer replayed calls from, read only, instead of the one written to; $WORKBENCH_REPLAY_FROM."""
    secret_environment: tuple[str, ...] | None = None
    """The environment's secret values, read once by a sweep (:func:`~workbench.privacy.environment_secrets`) and
    removed from what each call records; ``None``: the environment is read at each call."""
    throttle: Ticket | None = None
    """Set by a sweep per call: told its outcome; a 429 is then not retried in the call, the sweep re-sends it."""
