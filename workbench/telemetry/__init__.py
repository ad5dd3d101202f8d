"""OpenTelemetry export: every call record as a span with the GenAI semantic conventions, over OTLP/HTTP.

Switched on by ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``, or ``WORKBENCH_OTEL``;
:mod:`~workbench.telemetry.settings`); :func:`span_data` is the record-to-span mapping
(:mod:`~workbench.telemetry.spans`), :class:`OtelSink` the exporting sink
(:mod:`~workbench.telemetry.exporter`, the only module that imports opentelemetry-sdk, on first
use), :func:`with_export` adds it to a run (:mod:`~workbench.telemetry.active`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.telemetry.active import export_sink, flush, with_export
    from workbench.telemetry.exporter import OtelSink
    from workbench.telemetry.settings import ExportSettings, export_settings
    from workbench.telemetry.spans import SpanData, span_data

__all__ = [
    "ExportSettings",
    "OtelSink",
    "SpanData",
    "export_settings",
    "export_sink",
    "flush",
    "span_data",
    "with_export",
]

_HOMES = {
    "ExportSettings": "workbench.telemetry.settings",
    "OtelSink": "workbench.telemetry.exporter",
    "SpanData": "workbench.telemetry.spans",
    "export_settings": "workbench.telemetry.settings",
    "export_sink": "workbench.telemetry.active",
    "flush": "workbench.telemetry.active",
    "span_data": "workbench.telemetry.spans",
    "with_export": "workbench.telemetry.active",
}

__getattr__ = lazy_names(__name__, _HOMES)
