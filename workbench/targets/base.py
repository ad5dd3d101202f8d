"""The target contract: one async method that streams an answer, plus what the runner and the run log must know.

A target says where its bytes go (``locality``), what it costs when it has its own price
(``price``), which secrets it sends (``secrets``, kept out of every record and message) and
where it runs (:meth:`Target.facts`, for provenance). :class:`BaseTarget` gives the defaults,
so a new backend writes ``prepare`` and ``stream`` and nothing else it does not need.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from workbench.records import EngineStarted, Locality, Price, Request, TextDelta, Usage

__all__ = ["BaseTarget", "EngineFacts", "Event", "Target", "locality_of_url"]

Event = EngineStarted | TextDelta | Usage
"""What a target yields: text pieces, then one :class:`Usage` at the end.

A target whose engine serves one request at a time (a shared in-process model behind a lock)
first yields :class:`EngineStarted` when the engine takes the request, so the wait for the
engine is recorded as queue time, not as time to first token.
"""


@dataclass(frozen=True)
class EngineFacts:
    """Where a target runs, as provenance records it."""

    device: str
    """The hardware in words: ``AMD EPYC 7B13 (2 cores)``, ``NVIDIA H200``, ``remote (openai)``."""
    model_file: Path | None = None
    """The weights file this process loads, hashed into provenance (``None``: a server holds the model)."""


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
    price: Price | None
    """This target's own price, over LiteLLM's map (``None``: the map for the cloud, nothing on own hardware)."""
    @property
    def secrets(self) -> tuple[str, ...]:
        """Secrets this target sends (an API key): removed from every record, message and log line."""
        ...

    def facts(self) -> EngineFacts:
        """Where it runs, for provenance (never a secret)."""
        ...

    async def prepare(self) -> None:
        """Load what the target needs (a model, a client library), before any call is timed."""
        ...

    def stream(self, request: Request) -> AsyncIterator[Event]:
        """Send ``request`` and yield the answer as it arrives."""
        ...


class BaseTarget:
    """The contract's defaults: no price of its own, no secrets, facts from the locality and provider.

    Subclass it and set ``spec``, ``provider``, ``model`` and ``locality``, then write ``prepare``
    and ``stream``.
    """

    spec: str
    provider: str
    model: str
    locality: Locality
    price: Price | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """None by default."""
        return ()

    def facts(self) -> EngineFacts:
        """``remote (PROVIDER)`` in the cloud, ``LOCALITY server (PROVIDER)`` elsewhere; no model file."""
        if self.locality is Locality.CLOUD:
            return EngineFacts(f"remote ({self.provider})")
        return EngineFacts(f"{self.locality.label} server ({self.provider})")

    async def prepare(self) -> None:
        """Nothing to load."""


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
