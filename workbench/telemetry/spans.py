"""One call record as one span: its name, real start and end times, and attributes. Pure; no OpenTelemetry import.

Attributes follow the OpenTelemetry GenAI semantic conventions (``gen_ai.*``, ``server.*``,
``error.type``); the workbench's own figures go under ``hybrid.*``: cost and its basis, locality,
egress, privacy findings as types and counts (never values), the route decision, sweep and judge
tags, replay, ids. Prompt and answer text (``gen_ai.input.messages`` / ``gen_ai.output.messages``)
only when asked for, with secrets and personal data replaced by typed placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workbench.privacy import Redactor, inspect, redact_secrets
from workbench.records import CallRecord, Message

__all__ = ["SpanData", "span_data"]

AttributeValue = str | bool | int | float | tuple[str, ...]

# LiteLLM's provider names where the conventions know the provider by another name.
_PROVIDERS = {
    "azure": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "bedrock": "aws.bedrock",
    "gemini": "gcp.gemini",
    "vertex_ai": "gcp.vertex_ai",
    "mistral": "mistral_ai",
    "xai": "x_ai",
    "watsonx": "ibm.watsonx.ai",
}


@dataclass(frozen=True)
class SpanData:
    """What one span carries; :mod:`workbench.telemetry.exporter` hands it to the SDK."""

    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, AttributeValue]
    error: str | None
    """The status description of a failed call (its redacted message), ``None`` when it succeeded."""


def _put(attributes: dict[str, AttributeValue], key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is ``None``; lists become tuples of strings, other objects strings."""
    if value is None:
        return
    if isinstance(value, list | tuple):
        attributes[key] = tuple(str(v) for v in value)
    elif isinstance(value, str | bool | int | float):
        attributes[key] = value
    else:
        attributes[key] = str(value)


def _server(target: str) -> tuple[str, str | None, int | None]:
    """``(target named without settings or URL credentials, host, port)`` from a spec such as ``openai/m@URL``."""
    base = target.split("[", 1)[0].strip()
    name, _, url = base.partition("@")
    if not url.startswith(("http://", "https://")):  # no URL (a file path may hold '@')
        return base, None, None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return name, None, None
    shown = f"{name}@{host}" + (f":{port}" if port else "") if host else name
    return shown, host, port


def _tag(provenance: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = provenance.get(key)
    return value if isinstance(value, Mapping) else {}


def _tags(attributes: dict[str, AttributeValue], record: CallRecord) -> None:
    """The route decision, sweep, judge and replay tags kept in the record's provenance."""
    provenance = record.provenance or {}
    _put(attributes, "hybrid.route.policy", provenance.get("policy"))
    _put(attributes, "hybrid.route.threshold", provenance.get("threshold"))
    for key in ("side", "reason", "score", "role"):
        _put(attributes, f"hybrid.route.{key}", _tag(provenance, "route").get(key))
    for key in ("name", "item", "repeat"):
        _put(attributes, f"hybrid.sweep.{key}", _tag(provenance, "sweep").get(key))
    for key in ("of", "grader", "sweep"):
        _put(attributes, f"hybrid.judge.{key}", _tag(provenance, "judge").get(key))
    _put(attributes, "hybrid.replay.of", _tag(provenance, "replay").get("of"))


def _privacy(attributes: dict[str, AttributeValue], record: CallRecord) -> None:
    privacy = record.privacy
    if privacy is None:
        return
    _put(attributes, "hybrid.privacy.action", privacy.action)
    _put(attributes, "hybrid.privacy.destination", privacy.destination)
    _put(attributes, "hybrid.privacy.types", sorted(privacy.entities))
    for kind, count in privacy.entities.items():
        attributes[f"hybrid.privacy.count.{kind}"] = int(count)
    attributes["hybrid.privacy.flagged_off_device"] = record.flagged_off_device


def _content(attributes: dict[str, AttributeValue], record: CallRecord) -> None:
    """Input and output messages in the conventions' JSON form, secrets and personal data replaced."""
    redactor = Redactor()

    def clean(text: str) -> str:
        return redact_secrets(redactor.redact(text, inspect(text)))

    def message(m: Message) -> dict[str, Any]:
        return {"role": m["role"], "parts": [{"type": "text", "content": clean(m["content"])}]}

    if record.prompt is not None:
        system = [message(m)["parts"][0] for m in record.prompt if m["role"] == "system"]
        rest = [message(m) for m in record.prompt if m["role"] != "system"]
        if system:
            attributes["gen_ai.system_instructions"] = json.dumps(system, ensure_ascii=False)
        attributes["gen_ai.input.messages"] = json.dumps(rest, ensure_ascii=False)
    if record.response:
        answer = [{"role": "assistant", "parts": [{"type": "text", "content": clean(record.response)}]}]
        attributes["gen_ai.output.messages"] = json.dumps(answer, ensure_ascii=False)


def span_data(record: CallRecord, *, content: bool = False) -> SpanData:
    """The span for ``record``; ``content`` adds the prompt and answer text (redacted)."""
    target, host, port = _server(record.target)
    params = record.params or {}
    a: dict[str, AttributeValue] = {"gen_ai.operation.name": "chat"}
    _put(a, "gen_ai.provider.name", _PROVIDERS.get(record.provider, record.provider))
    _put(a, "gen_ai.request.model", record.model)
    if record.ok:
        _put(a, "gen_ai.response.model", record.model)
    for key in ("max_tokens", "temperature", "seed"):
        _put(a, f"gen_ai.request.{key}", params.get(key))
    if params.get("stop"):
        _put(a, "gen_ai.request.stop_sequences", params["stop"])
    _put(a, "gen_ai.usage.input_tokens", record.input_tokens)
    _put(a, "gen_ai.usage.output_tokens", record.output_tokens)
    _put(a, "gen_ai.response.time_to_first_chunk", record.ttft_s)
    _put(a, "server.address", host)
    _put(a, "server.port", port)
    _put(a, "error.type", record.error_type)
    _put(a, "hybrid.call_id", record.call_id)
    _put(a, "hybrid.run_id", record.run_id)
    _put(a, "hybrid.target", target)
    _put(a, "hybrid.locality", record.locality.value)
    _put(a, "hybrid.egress", record.egress.value)
    _put(a, "hybrid.cost.usd", record.cost_usd)
    _put(a, "hybrid.cost.basis", record.cost_basis)
    _put(a, "hybrid.usage.estimated", record.tokens_estimated)
    for key in ("queue_s", "latency_s", "e2e_s", "decode_tps"):
        _put(a, f"hybrid.{key}", getattr(record, key))
    _put(a, "hybrid.attempts", record.attempts)
    _put(a, "hybrid.replayed", record.replayed)
    for key in ("call_id", "cost_usd"):  # set by a LiteLLM proxy target, where this workbench has one
        _put(a, f"hybrid.gateway.{key}", getattr(record, f"gateway_{key}", None))
    _tags(a, record)
    _privacy(a, record)
    if content:
        _content(a, record)
    seconds = record.e2e_s if record.e2e_s is not None else record.latency_s
    start_ns = int(record.started_at * 1e9)
    end_ns = start_ns + int((seconds or 0.0) * 1e9)
    error = redact_secrets(record.error_message or record.error_type or "") if not record.ok else None
    return SpanData(f"chat {record.model}", start_ns, end_ns, a, error)
