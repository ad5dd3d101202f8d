"""The process's export sinks: made on first use from the environment, added to every run, flushed at exit.

:func:`with_export` is what the runner calls: the run's sinks, plus the export sink when the
environment switches export on (:mod:`workbench.telemetry.settings`). One sink per endpoint
lives for the whole process; :func:`flush` sends what is queued, bounded, and runs at exit.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Sequence

from workbench.runner.sinks import Sink
from workbench.telemetry.exporter import FLUSH_TIMEOUT_S, OtelSink, shown_endpoint
from workbench.telemetry.settings import ExportSettings, export_settings

__all__ = ["export_sink", "flush", "with_export"]

log = logging.getLogger("workbench")

_lock = threading.Lock()
_sinks: dict[ExportSettings, OtelSink | None] = {}


def export_sink(settings: ExportSettings | None = None) -> OtelSink | None:
    """The export sink for ``settings`` (default: the environment's), or ``None`` when export is off or cannot start."""
    settings = export_settings() if settings is None else settings
    if settings is None:
        return None
    if settings in _sinks:
        return _sinks[settings]
    with _lock:
        if settings not in _sinks:
            if not _sinks:
                atexit.register(flush, wait_if_failing=False)
            try:
                _sinks[settings] = OtelSink(settings)
            except ImportError:
                _sinks[settings] = None
                log.warning(
                    "OpenTelemetry export to %s is switched on, but opentelemetry-sdk is not installed: "
                    "pip install 'hybrid-workbench[otel]' (or set WORKBENCH_OTEL=0).",
                    shown_endpoint(settings.endpoint),
                )
    return _sinks[settings]


def with_export(sinks: Sequence[Sink]) -> list[Sink]:
    """``sinks``, plus the export sink when export is on."""
    sink = export_sink()
    return [*sinks, sink] if sink is not None else list(sinks)


def flush(timeout_s: float = FLUSH_TIMEOUT_S, *, wait_if_failing: bool = True) -> bool:
    """Send every queued span, waiting at most ``timeout_s`` per endpoint; ``False`` if one did not finish.

    At exit it runs with ``wait_if_failing=False``: a collector known to be down delays nothing.
    """
    sinks = [sink for sink in list(_sinks.values()) if sink is not None]
    return all([sink.flush(timeout_s, wait_if_failing=wait_if_failing) for sink in sinks])
