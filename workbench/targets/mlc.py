"""MLC-LLM: ``mlc/MODEL`` in process (``mlc_llm.AsyncMLCEngine``), ``mlc/MODEL@URL`` an ``mlc_llm serve`` server.

MLC reports its own timings in the final chunk's ``usage.extra`` (ttft_s, prefill and decode
tokens/s, end_to_end_latency_s); they are kept as engine metrics beside the wall clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from workbench.errors import MissingEngineError
from workbench.records import Locality, Request
from workbench.targets.base import BaseTarget, EngineFacts, Event, locality_of_url
from workbench.targets.chunks import openai_events
from workbench.targets.device import gpu_name
from workbench.targets.errors import translate
from workbench.targets.litellm import NO_KEY, token_estimator

__all__ = ["INSTALL_HINT", "MLCEngineTarget", "MLCServerTarget"]

INSTALL_HINT = (
    "mlc_llm is not installed. It is not on PyPI: install the build for your platform from MLC's "
    "own index, e.g. `pip install --pre -f https://mlc.ai/wheels mlc-llm-nightly-cu123 mlc-ai-nightly-cu123` "
    "(see https://llm.mlc.ai/docs/install/mlc_llm.html), or serve the model with `mlc_llm serve` "
    "and use the target 'mlc/MODEL@http://HOST:PORT'."
)
_engines: dict[str, Any] = {}
_engine_lock = asyncio.Lock()


def _openai_kwargs(request: Request, model: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    for name in ("temperature", "max_tokens", "seed"):
        if getattr(request, name) is not None:
            kwargs[name] = getattr(request, name)
    if request.stop:
        kwargs["stop"] = list(request.stop)
    return kwargs


class MLCEngineTarget(BaseTarget):
    """An MLC-compiled model run in this process by ``mlc_llm.AsyncMLCEngine`` (loaded once)."""

    provider = "mlc"
    locality = Locality.DEVICE

    def __init__(self, spec: str, model: str) -> None:
        self.spec = spec
        self.model = model

    async def _engine(self) -> Any:
        async with _engine_lock:
            if self.model not in _engines:
                try:
                    from mlc_llm import AsyncMLCEngine
                except ImportError as exc:
                    raise MissingEngineError(INSTALL_HINT) from exc
                _engines[self.model] = AsyncMLCEngine(self.model)
            return _engines[self.model]

    def facts(self) -> EngineFacts:
        """This machine's GPU."""
        return EngineFacts(gpu_name() or "GPU (name unknown)")

    async def prepare(self) -> None:
        """Start the engine (once per process) before the clock starts."""
        await self._engine()

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        """Stream from the in-process engine."""
        engine = await self._engine()
        try:
            chunks = await engine.chat.completions.create(**_openai_kwargs(request, self.model))
        except Exception as exc:
            raise translate(exc, spec=self.spec, key_hint="the model path", started_text=False) from None
        async for event in openai_events(chunks, spec=self.spec, key_hint="the model path"):
            yield event


class MLCServerTarget(BaseTarget):
    """A model served by ``mlc_llm serve`` (or any OpenAI-compatible server) at ``base_url``."""

    provider = "mlc"

    def __init__(self, spec: str, model: str, base_url: str, api_key: str | None = None) -> None:
        self.spec = spec
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url.rstrip("/").endswith("/v1") else base_url.rstrip("/") + "/v1"
        self.locality = locality_of_url(base_url)
        self._api_key = api_key

    @property
    def secrets(self) -> tuple[str, ...]:
        """The server's key, when one was given."""
        return (self._api_key,) if self._api_key else ()

    def _openai(self) -> Any:
        """A client for this call: an async HTTP client belongs to the event loop that made it."""
        try:
            from openai import AsyncOpenAI
        except ImportError as exc:
            raise MissingEngineError(
                "The MLC server path needs the OpenAI client: `pip install 'hybrid-workbench[mlc]'`."
            ) from exc
        return AsyncOpenAI(base_url=self.base_url, api_key=self._api_key or NO_KEY, max_retries=0)

    async def prepare(self) -> None:
        """Nothing to load: the server holds the model."""

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        """Stream from the server over its OpenAI-compatible API."""
        secrets = self.secrets
        try:
            chunks = await self._openai().chat.completions.create(**_openai_kwargs(request, self.model))
        except Exception as exc:
            raise translate(
                exc, spec=self.spec, key_hint="the server's api_key", started_text=False, secrets=secrets
            ) from None
        estimate = token_estimator(self.model, request)
        async for event in openai_events(
            chunks, spec=self.spec, key_hint="the server's api_key", secrets=secrets, estimate_tokens=estimate
        ):
            yield event
