"""Turn an OpenAI-style stream of chat chunks into workbench events.

LiteLLM, the OpenAI SDK and MLC-LLM's engine all stream objects shaped like
``chunk.choices[0].delta.content`` with a final ``chunk.usage``; this is the one place that
reads them.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from workbench.errors import StreamDropped
from workbench.records import TextDelta, Usage
from workbench.targets.base import Event
from workbench.targets.errors import translate

__all__ = ["openai_events"]


def _engine_metrics(usage: Any) -> dict[str, float]:
    """MLC-LLM puts its own timings in ``usage.extra``; keep the numeric ones."""
    extra = getattr(usage, "extra", None)
    if extra is None:
        extra = (getattr(usage, "model_extra", None) or {}).get("extra")
    if not isinstance(extra, dict):
        return {}
    return {k: float(v) for k, v in extra.items() if isinstance(v, int | float) and not isinstance(v, bool)}


async def openai_events(
    chunks: AsyncIterable[Any],
    *,
    spec: str,
    key_hint: str,
    secrets: tuple[str, ...] = (),
    estimate_tokens: Callable[[str], tuple[int, int]] | None = None,
    usage_reported: Callable[[], bool] = lambda: True,
) -> AsyncIterator[Event]:
    """Yield :class:`TextDelta` per content piece and one :class:`Usage` at the end.

    A stream that ends with no ``finish_reason`` was cut: :class:`StreamDropped`. Token counts
    come from the final usage chunk; without one, ``estimate_tokens(answer)`` gives
    ``(input, output)`` counts marked estimated. ``usage_reported()`` says whether the server
    itself sent the usage (LiteLLM fills in its own estimate when it did not).
    """
    answer: list[str] = []
    finish_reason = None
    usage = None
    try:
        async for chunk in chunks:
            if getattr(chunk, "usage", None) is not None:
                usage = chunk.usage
            for choice in getattr(chunk, "choices", None) or []:
                content = getattr(choice.delta, "content", None) if choice.delta else None
                if content:
                    answer.append(content)
                    yield TextDelta(content)
                finish_reason = getattr(choice, "finish_reason", None) or finish_reason
    except Exception as exc:
        raise translate(exc, spec=spec, key_hint=key_hint, started_text=bool(answer), secrets=secrets) from None
    if finish_reason is None:
        raise StreamDropped(f"{spec}: the stream ended before the answer was complete ({len(answer)} pieces received).")
    if usage is not None and getattr(usage, "completion_tokens", None) is not None:
        yield Usage(usage.prompt_tokens, usage.completion_tokens, not usage_reported(), _engine_metrics(usage))
    elif estimate_tokens is not None:
        prompt_tokens, completion_tokens = estimate_tokens("".join(answer))
        yield Usage(prompt_tokens, completion_tokens, True)
    else:
        yield Usage(None, None, True)
