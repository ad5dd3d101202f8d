"""A model behind the team's LiteLLM proxy: ``proxy/MODEL@http://HOST:4000``.

The proxy holds the provider keys and the budgets; the workbench sends the team's virtual key
(``LITELLM_PROXY_API_KEY``, from the environment or a ``.env`` file) over the OpenAI SDK, which
the proxy speaks. Besides the answer, the proxy reports its own id for the call
(``x-litellm-call-id``) and what it charged: in the ``x-litellm-response-cost`` header for a whole
answer, in the last chunk's ``usage.cost`` for a streamed one (whose cost header is sent before the
cost is known). Both go on the :class:`Usage` event, for the record.

Its bytes go to the cloud unless the spec says otherwise (``[locality=edge]`` for a proxy in front
of the team's own GPU servers): the proxy's own address says nothing about where it forwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import weakref
from collections.abc import AsyncIterator
from typing import Any

from workbench.errors import AuthError, MissingKeyError, TargetError
from workbench.records import Locality, Price, Request, TextDelta, Usage
from workbench.targets.base import BaseTarget, Event
from workbench.targets.chunks import openai_events
from workbench.targets.errors import translate

__all__ = ["KEY_VARIABLE", "ProxyTarget"]

KEY_VARIABLE = "LITELLM_PROXY_API_KEY"
"""Where the team's virtual key is read from (the environment, or a ``.env`` file)."""
CONNECT_TIMEOUT_S = 10.0

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], Any]] = (
    weakref.WeakKeyDictionary()
)


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _usage_cost(usage: Any) -> float | None:
    """LiteLLM's ``usage.cost``, an extra field the OpenAI SDK keeps in ``model_extra``."""
    cost = getattr(usage, "cost", None)
    if cost is None:
        cost = (getattr(usage, "model_extra", None) or {}).get("cost")
    return _number(cost)


class ProxyTarget(BaseTarget):
    """A model named ``model`` on a LiteLLM proxy at ``url``, called with the team's virtual key."""

    provider = "litellm-proxy"

    def __init__(
        self,
        spec: str,
        model: str,
        url: str,
        *,
        api_key: str | None = None,
        price: Price | None = None,
        locality: Locality | None = None,
        stream: bool = True,
    ) -> None:
        self.spec = spec
        self.model = model
        self.url = url
        self._api_key = api_key
        self.price = price
        self.locality = locality or Locality.CLOUD
        self.streams = stream

    def __repr__(self) -> str:
        return f"ProxyTarget({self.spec!r})"

    @property
    def _key(self) -> str | None:
        return self._api_key or os.environ.get(KEY_VARIABLE) or None

    @property
    def secrets(self) -> tuple[str, ...]:
        """The virtual key, kept out of every record, message and log line."""
        key = self._key
        return (key,) if key else ()

    @property
    def key_hint(self) -> str:
        """What to set when the proxy rejects the key."""
        return f"{KEY_VARIABLE} (environment or .env file) or api_key=..."

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        """Send ``request`` to the proxy; yield the answer, then usage with what the proxy reported."""
        key = self._key
        if key is None:
            raise MissingKeyError(
                f"{self.spec} needs the team's virtual key in {KEY_VARIABLE}: set it in the environment or a .env "
                "file (never in the notebook), or pass api_key=..."
            )
        kwargs: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in request.messages]}
        for name in ("temperature", "max_tokens", "seed"):
            if getattr(request, name) is not None:
                kwargs[name] = getattr(request, name)
        if request.stop:
            kwargs["stop"] = list(request.stop)
        if self.streams:
            kwargs.update(stream=True, stream_options={"include_usage": True})
        try:
            raw = await self._client(key).chat.completions.with_raw_response.create(**kwargs)
        except Exception as exc:
            raise self._error(exc) from None
        call_id = raw.headers.get("x-litellm-call-id") or None
        if not self.streams:
            async for event in self._whole(raw, call_id):
                yield event
            return
        reported: dict[str, float | None] = {"cost": None}

        async def watched(chunks: Any) -> AsyncIterator[Any]:
            async for chunk in chunks:
                if getattr(chunk, "usage", None) is not None:
                    reported["cost"] = _usage_cost(chunk.usage)
                yield chunk

        async for event in openai_events(
            watched(raw.parse()), spec=self.spec, key_hint=self.key_hint, secrets=self.secrets
        ):
            if isinstance(event, Usage):
                event = dataclasses.replace(event, gateway_call_id=call_id, gateway_cost_usd=reported["cost"])
            yield event

    async def _whole(self, raw: Any, call_id: str | None) -> AsyncIterator[Event]:
        """The events of a non-streamed answer: its text at once, then usage and the cost header."""
        completion = raw.parse()
        text = completion.choices[0].message.content if completion.choices else None
        if text:
            yield TextDelta(text)
        usage = completion.usage
        cost = _number(raw.headers.get("x-litellm-response-cost"))
        yield Usage(
            usage.prompt_tokens if usage is not None else None,
            usage.completion_tokens if usage is not None else None,
            estimated=usage is None,
            gateway_call_id=call_id,
            gateway_cost_usd=cost,
        )

    def _client(self, key: str) -> Any:
        """The OpenAI SDK's client for the proxy: one per event loop and key, kept open."""
        import openai

        clients = _clients.setdefault(asyncio.get_running_loop(), {})
        if (self.url, key) not in clients:
            timeout = openai.Timeout(None, connect=CONNECT_TIMEOUT_S)
            clients[self.url, key] = openai.AsyncOpenAI(base_url=self.url, api_key=key, max_retries=0, timeout=timeout)
        return clients[self.url, key]

    def _error(self, exc: Exception) -> TargetError:
        """A workbench error for a failed request; a rejected key is named by its variable, never echoed."""
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        kind = body.get("type") if isinstance(body, dict) else None
        if status in (401, 403) or kind == "no_db_connection":
            # A proxy without a key database accepts only its master key and answers any other with a 400.
            return AuthError(
                f"{self.spec}: the proxy rejected the virtual key (HTTP {status}); "
                f"set the team's key in {KEY_VARIABLE} (environment or .env file)."
            )
        message = body.get("message") if isinstance(body, dict) else None
        # The proxy's own words, on one line: its first paragraph names the provider's error.
        said = " ".join(message.split("\n\n", 1)[0].split()) if isinstance(message, str) and message.strip() else None
        return translate(
            exc, spec=self.spec, key_hint=self.key_hint, started_text=False, secrets=self.secrets, detail=said
        )
