"""What a call announces while it runs: its start, text pieces, the engine taking it, and token usage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.records.call import Locality

__all__ = ["CallStart", "EngineStarted", "TextDelta", "Usage"]


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, as streamed by a target."""

    text: str


@dataclass(frozen=True)
class EngineStarted:
    """Yielded by a target whose engine serves one request at a time, when the engine takes this one.

    ``at`` is ``time.perf_counter()`` in this process at that moment. The wait before it is the
    call's queue time; time to first token and latency are measured from it.
    """

    at: float


@dataclass(frozen=True)
class Usage:
    """Token counts for one call; ``estimated`` when the engine did not report them.

    A gateway in front of the model (a LiteLLM proxy) may report its own id for the call and what
    it charged; ``None`` where there is no gateway or it reported nothing.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    estimated: bool = False
    engine_metrics: Mapping[str, float] = field(default_factory=dict)
    gateway_call_id: str | None = None
    gateway_cost_usd: float | None = None


@dataclass(frozen=True)
class CallStart:
    """Announced to sinks when a call begins, before any text."""

    call_id: str
    run_id: str
    target: str
    provider: str
    model: str
    locality: Locality
