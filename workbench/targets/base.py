"""The target protocol: one async method that streams an answer, plus where the bytes go."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from workbench.records import EngineStarted, Locality, Request, TextDelta, Usage

__all__ = ["Event", "Target", "locality_of_url"]

Event = EngineStarted | TextDelta | Usage
"""What a target yields: text pieces, then one :class:`Usage` at the end.

A target whose engine serves one request at a time (a shared in-process model behind a lock)
first yields :class:`EngineStarted` when the engine takes the request, so the wait for the
engine is recorded as queue time, not as time to first token.
"""


@runtime_checkable
class Target(Protocol):
    """A model a request can be sent to.

    ``prepare`` runs once before a run's calls start, so loading is never timed as a call;
    ``stream`` yields :class:`TextDelta` pieces and finally one :class:`Usage` (after an
    :class:`EngineStarted` when the request may wait for a busy engine). Failures are
    raised as :class:`workbench.errors.TargetError` subclasses, which the runner records.
    """

    spec: str
    """The spec as the user wrote it: ``local/smollm2``, ``openai/gpt-4o-mini``, ..."""
    provider: str
    """Who serves it: ``llama.cpp``, ``mlc``, or the LiteLLM provider (``openai``, ...)."""
    model: str
    """The model name as the provider knows it."""
    locality: Locality
    """Where the request's bytes go."""

    async def prepare(self) -> None:
        """Load what the target needs (a model, a client library), before any call is timed."""
        ...

    def stream(self, request: Request) -> AsyncIterator[Event]:
        """Send ``request`` and yield the answer as it arrives."""
        ...


def locality_of_url(url: str | None) -> Locality:
    """Classify where an endpoint's bytes go: loopback is the device, private ranges the network.

    A host name is resolved only when it is ``localhost``-like or has no dots (a LAN name);
    anything else counts as the cloud, without a DNS lookup.
    """
    if not url:
        return Locality.CLOUD
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    if host in {"localhost", "localhost.localdomain"} or host.endswith(".localhost"):
        return Locality.DEVICE
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if "." in host or not host:
            return Locality.PRIVATE_NETWORK if host.endswith((".local", ".lan", ".internal")) else Locality.CLOUD
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except OSError:
            return Locality.PRIVATE_NETWORK
    if address.is_loopback or address.is_unspecified:
        return Locality.DEVICE
    if address.is_private or address.is_link_local:
        return Locality.PRIVATE_NETWORK
    return Locality.CLOUD
