"""Any model LiteLLM knows: ``openai/gpt-4o-mini``, ``anthropic/...``, or ``openai/NAME@URL`` for any
OpenAI-compatible server.

LiteLLM is imported lazily (7-10 s) and told to use its bundled price map, so nothing is
downloaded. Its own retries are switched off: the runner retries, before the first token only.

``openai/NAME@URL`` streams over aiohttp directly (:mod:`workbench.targets.openai_http`): LiteLLM
adds ~9 ms of CPU per call there (its logging object, a cost calculation and a chunk rebuild in a
worker thread after every stream) and the OpenAI SDK ~2 ms (httpx's pool, a pydantic object per
chunk), for nothing the workbench reads; LiteLLM is not even imported for such a target.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx

from workbench.errors import MissingKeyError
from workbench.records import Locality, Price, Request
from workbench.targets.base import BaseTarget, Event, locality_of_url
from workbench.targets.chunks import openai_events
from workbench.targets.errors import translate
from workbench.targets.litellm_loader import load_litellm
from workbench.targets.openai_http import stream_chat

__all__ = ["LiteLLMTarget", "import_litellm", "token_estimator"]

_warm_lock = threading.Lock()
_warmed = False
CONNECT_TIMEOUT_S = 10.0
NO_KEY = "no-key-needed"
"""Sent to OpenAI-compatible servers on your own machine or network, which need no key."""


def import_litellm() -> Any:
    """:func:`load_litellm`, then warm its streaming path once, before any call is timed.

    LiteLLM imports much of itself on the first call (0.5 s here); one mocked streaming call
    (``mock_response``: no network) pays that up front, on a loop of its own.
    """
    global _warmed
    litellm = load_litellm()
    with _warm_lock:
        if not _warmed:
            _run_on_own_loop(lambda: _mock_stream(litellm))
            _warmed = True
    return litellm


def _run_on_own_loop(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion here, or in a helper thread where this thread runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make())
        return
    thread = threading.Thread(target=lambda: asyncio.run(make()), daemon=True)
    thread.start()
    thread.join()


async def _mock_stream(litellm: Any) -> None:
    response = await litellm.acompletion(
        model="openai/warm-up",
        messages=[{"role": "user", "content": "warm-up"}],
        mock_response="ok",
        stream=True,
        stream_options={"include_usage": True},
    )
    async for _ in response:
        pass


def token_estimator(model: str, request: Request) -> Callable[[str], tuple[int, int]]:
    """``answer -> (input, output)`` token counts by LiteLLM's tokenizer for ``model``: an estimate."""

    def estimate(answer: str) -> tuple[int, int]:
        litellm = load_litellm()
        messages = [dict(m) for m in request.messages]
        return litellm.token_counter(model=model, messages=messages), litellm.token_counter(model=model, text=answer)

    return estimate


class LiteLLMTarget(BaseTarget):
    """A model called through LiteLLM, streaming with usage."""

    def __init__(
        self,
        spec: str,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        price: Price | None = None,
        locality: Locality | None = None,
    ) -> None:
        self.spec = spec
        self.model = model
        self.provider = model.split("/", 1)[0] if "/" in model else "litellm"
        self.api_base = api_base
        self._api_key = api_key
        self.price = price
        self.locality = locality or (locality_of_url(api_base) if api_base else Locality.CLOUD)

    def __repr__(self) -> str:
        base = f", api_base={self.api_base!r}" if self.api_base else ""
        return f"LiteLLMTarget({self.spec!r}{base})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Secrets this target holds, to strip from any message."""
        return (self._api_key,) if self._api_key else ()

    def missing_keys(self) -> list[str]:
        """Environment variables the provider needs and that are not set (empty when a key or server is given)."""
        if self._api_key or self.api_base:
            return []
        litellm = import_litellm()
        try:
            report = litellm.validate_environment(model=self.model)
        except Exception:
            return []
        return list(report.get("missing_keys") or [])

    @property
    def key_hint(self) -> str:
        """What to set when the provider rejects the key."""
        provider_var = f"{self.provider.upper()}_API_KEY"
        return f"{provider_var} (environment or .env file) or api_key=..."

    @property
    def _direct(self) -> bool:
        """An OpenAI-compatible server at a URL: called over HTTP directly, not through LiteLLM."""
        return self.api_base is not None and self.provider == "openai"

    async def prepare(self) -> None:
        """Import LiteLLM (seconds, once per process) before the clock starts; no thread hop once done."""
        if not _warmed and not self._direct:
            await asyncio.to_thread(import_litellm)

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        """Stream the answer from LiteLLM, usage included."""
        missing = self.missing_keys()
        if missing:
            raise MissingKeyError(
                f"{self.spec} needs {' and '.join(missing)}: set it in the environment or a .env file "
                "(never in the notebook), or pass api_key=..."
            )
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for name in ("temperature", "max_tokens", "seed"):
            if getattr(request, name) is not None:
                kwargs[name] = getattr(request, name)
        if request.stop:
            kwargs["stop"] = list(request.stop)
        direct = self._direct
        try:
            response = await (self._over_http(kwargs) if direct else self._through_litellm(kwargs))
        except Exception as exc:
            raise translate(
                exc, spec=self.spec, key_hint=self.key_hint, started_text=False, secrets=self.secrets
            ) from None

        def reported() -> bool:
            if direct:  # the SDK passes on only what the server sent
                return True
            # LiteLLM keeps the server's own usage chunks; its final usage is an estimate without them.
            return any(getattr(chunk, "usage", None) is not None for chunk in getattr(response, "chunks", ()))

        async for event in openai_events(
            response,
            spec=self.spec,
            key_hint=self.key_hint,
            secrets=self.secrets,
            estimate_tokens=token_estimator(self.model, request),
            usage_reported=reported,
        ):
            yield event

    async def _through_litellm(self, kwargs: dict[str, Any]) -> Any:
        litellm = import_litellm()
        if self.api_base:
            kwargs.update(api_base=self.api_base, api_key=self._api_key or NO_KEY)
        elif self._api_key:
            kwargs["api_key"] = self._api_key
        # A host that drops packets fails in seconds; the runner's timeout bounds the whole call.
        timeout = httpx.Timeout(None, connect=CONNECT_TIMEOUT_S)
        return await litellm.acompletion(**kwargs, num_retries=0, max_retries=0, timeout=timeout)

    async def _over_http(self, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        """The server's stream of chunks from ``api_base`` (:func:`stream_chat`); a failure raises as it is read."""
        body = {**kwargs, "model": self.model.split("/", 1)[1]}
        return stream_chat(str(self.api_base), self._api_key or NO_KEY, body, connect_timeout_s=CONNECT_TIMEOUT_S)
