"""Whether OpenTelemetry export is on, where spans go, and whether text goes with them: read from the environment.

Standard variables switch it on: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the full URL) or
``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base URL; ``/v1/traces`` is appended). ``WORKBENCH_OTEL``
overrides them for the workbench alone: ``0``/``off`` turns export off, ``1``/``on`` turns it on
(at the standard variables' endpoint, else ``http://localhost:4318``), a URL is a base URL like
``OTEL_EXPORTER_OTLP_ENDPOINT``. ``OTEL_SDK_DISABLED=true`` turns it off. Prompt and answer text
are exported only with ``WORKBENCH_OTEL_CONTENT=1``. Headers, timeout, compression and the service
name come from the standard ``OTEL_*`` variables, read by the SDK itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ExportSettings", "export_settings"]

_OFF = ("0", "off", "false", "no")
_ON = ("1", "on", "true", "yes")
_DEFAULT_BASE = "http://localhost:4318"
_TRACES_PATH = "/v1/traces"


@dataclass(frozen=True)
class ExportSettings:
    """Where spans go and what they carry."""

    endpoint: str
    """The full OTLP/HTTP traces URL (``.../v1/traces``)."""
    content: bool = False
    """Whether prompt and answer text go with the spans (secrets and personal data redacted)."""
    headers: str = field(default="", repr=False)
    """The ``OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`` value (the SDK reads and sends it): changing it makes a new sink."""


def _traces_url(base: str) -> str:
    return base.rstrip("/") + _TRACES_PATH


def export_settings(environ: Mapping[str, str] | None = None) -> ExportSettings | None:
    """The export settings the environment asks for, or ``None`` when export is off."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    switch = env.get("WORKBENCH_OTEL", "").strip()
    if switch.lower() in _OFF:
        return None
    if switch and switch.lower() not in _ON:
        endpoint = _traces_url(switch)
    elif traces := env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip():
        endpoint = traces
    elif base := env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip():
        endpoint = _traces_url(base)
    elif switch:
        endpoint = _traces_url(_DEFAULT_BASE)
    else:
        return None
    content = env.get("WORKBENCH_OTEL_CONTENT", "").strip().lower() in _ON
    headers = env.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or env.get("OTEL_EXPORTER_OTLP_HEADERS") or ""
    return ExportSettings(endpoint, content=content, headers=headers)
