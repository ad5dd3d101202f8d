"""A sink that exports every finished record as an OpenTelemetry span over OTLP/HTTP, off the caller's path.

``on_record`` only queues the record. A worker thread turns it into a span
(:func:`workbench.telemetry.spans.span_data`) and hands it to opentelemetry-sdk's
``BatchSpanProcessor``, whose own thread sends batches with the OTLP HTTP exporter. A collector
that is down, refuses or hangs costs the caller nothing: spans are dropped after the SDK's retries
and one warning line says so. The SDK is imported only when a sink is made.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workbench.records import CallRecord
from workbench.runner.sinks import BaseSink
from workbench.telemetry.settings import ExportSettings
from workbench.telemetry.spans import SpanData, span_data

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = ["FLUSH_TIMEOUT_S", "OtelSink"]

log = logging.getLogger("workbench")

FLUSH_TIMEOUT_S = 3.0
"""The longest a flush (at process exit, or asked for) waits for the collector."""

# The SDK logs each failed batch and each span dropped from a full queue; the sink says it once instead.
_SDK_LOGGERS = ("opentelemetry.exporter.otlp.proto.http.trace_exporter", "opentelemetry.sdk._shared_internal")


def shown_endpoint(endpoint: str) -> str:
    """The endpoint as messages name it: scheme, host, port and path, never credentials or a query."""
    parts = urlsplit(endpoint)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _reporting(inner: SpanExporter, sink: OtelSink) -> SpanExporter:
    """``inner`` that tells ``sink`` whether each export went through, and warns (once) when one did not."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class Reporting(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            result = inner.export(spans)
            sink.failing = result is not SpanExportResult.SUCCESS
            if sink.failing:
                sink.warn(
                    f"OpenTelemetry export to {sink.endpoint} failed; spans are dropped until it answers (check "
                    "OTEL_EXPORTER_OTLP_ENDPOINT or WORKBENCH_OTEL; WORKBENCH_OTEL=0 turns export off)."
                )
            return result

        def shutdown(self) -> None:
            inner.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return inner.force_flush(timeout_millis)

    return Reporting()


class OtelSink(BaseSink):
    """Exports each finished record as one span; make one per endpoint (see :func:`export_sink`)."""

    def __init__(self, settings: ExportSettings) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.settings = settings
        self.endpoint = shown_endpoint(settings.endpoint)
        self._warned = False
        self.failing = False
        """Whether the last export failed (or a flush timed out): the exit flush then does not wait."""
        for name in _SDK_LOGGERS:
            logging.getLogger(name).addFilter(_Quiet())
        resource = Resource.create()
        if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
            resource = resource.merge(Resource({"service.name": "hybrid-workbench"}))
        # No exit hook of the SDK's own: its shutdown waits up to 30 s for a collector that is down.
        self._provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        exporter = _reporting(OTLPSpanExporter(endpoint=settings.endpoint), self)
        self._provider.add_span_processor(BatchSpanProcessor(exporter))
        self._tracer = self._provider.get_tracer("workbench")
        self._queue: queue.SimpleQueue[CallRecord | threading.Event] = queue.SimpleQueue()
        self._start_worker()

    def _start_worker(self) -> None:
        self._pid = os.getpid()
        threading.Thread(target=self._work, name="workbench-otel", daemon=True).start()

    def warn(self, message: str) -> None:
        """Log ``message`` as a warning, unless this sink has already warned."""
        if not self._warned:
            self._warned = True
            log.warning(message)

    def on_record(self, record: CallRecord) -> None:
        """Queue ``record`` for export; returns at once."""
        if self._pid != os.getpid():  # a forked child has no worker thread
            self._start_worker()
        self._queue.put(record)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self._emit(span_data(item, content=self.settings.content))
            except Exception as exc:  # a record the conversion cannot read must not stop the others
                self.warn(f"OpenTelemetry export skipped a call: {type(exc).__name__}; the others go on.")

    def _emit(self, data: SpanData) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        span = self._tracer.start_span(data.name, kind=SpanKind.CLIENT, start_time=data.start_ns,
                                       attributes=data.attributes)  # fmt: skip
        if data.error is not None:
            span.set_status(Status(StatusCode.ERROR, data.error))
        span.end(end_time=data.end_ns)

    def flush(self, timeout_s: float = FLUSH_TIMEOUT_S, *, wait_if_failing: bool = True) -> bool:
        """Send what is queued; wait at most ``timeout_s`` (not at all when the collector is known to be failing and
        ``wait_if_failing`` is false). ``False`` (and one warning) when it did not finish."""
        converted = threading.Event()
        self._queue.put(converted)
        sent = threading.Event()
        if self.failing and not wait_if_failing:
            timeout_s = 0.0
        deadline = time.monotonic() + timeout_s

        def send() -> None:
            if converted.wait(max(deadline - time.monotonic(), 0.0)):
                self._provider.force_flush()
                sent.set()

        threading.Thread(target=send, name="workbench-otel-flush", daemon=True).start()
        if sent.wait(max(deadline - time.monotonic(), 0.0)):
            return True
        self.failing = True
        self.warn(f"OpenTelemetry export to {self.endpoint} did not finish within {timeout_s:g} s; "
                   "the spans not yet sent are dropped.")  # fmt: skip
        return False
