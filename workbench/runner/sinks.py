"""Sinks receive a run as it happens: call starts, every text delta, every finished record.

The store, the panel and the live plots are sinks. The runner calls them on its event loop;
a sink that raises is logged and skipped, so a display bug never loses a record.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from workbench.records import CallRecord, CallStart

__all__ = ["BaseSink", "Sink"]


@runtime_checkable
class Sink(Protocol):
    """Receives the events of a run."""

    def on_call_start(self, start: CallStart) -> None:
        """A call to one target has begun."""

    def on_delta(self, call_id: str, text: str) -> None:
        """A piece of answer text arrived for ``call_id``."""

    def on_record(self, record: CallRecord) -> None:
        """A call finished (or failed); ``record`` is final."""


class BaseSink:
    """A sink that ignores everything; subclass it and override what you need."""

    def on_call_start(self, start: CallStart) -> None:
        """A call to one target has begun."""

    def on_delta(self, call_id: str, text: str) -> None:
        """A piece of answer text arrived for ``call_id``."""

    def on_record(self, record: CallRecord) -> None:
        """A call finished (or failed); ``record`` is final."""
