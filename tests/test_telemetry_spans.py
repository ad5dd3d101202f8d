"""A call record as an OpenTelemetry span: names, times and attributes, and the switch that turns export on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.records import make_record
from workbench.records import CallRecord, Locality, Privacy
from workbench.telemetry import ExportSettings, export_settings, span_data

CARD = "4111 1111 1111 1111"
EMAIL = "ada.lovelace@example.com"
KEY = "sk-proj-Zt9xQ2wLm4Kd8Rf1Vb6Nc3Hs7Jp0Ty5U"


def cloud_record(**changes: object) -> CallRecord:
    fields: dict[str, object] = dict(
        target="openai/gpt-4o-mini@https://team:hunter2pass@gw.example.org:8443/v1?key=abc[temperature=0.3]",
        provider="openai",
        model="gpt-4o-mini",
        locality=Locality.CLOUD,
        cost_usd=0.00042,
        cost_basis="litellm price map",
        params={"temperature": 0.3, "max_tokens": 64, "seed": 7, "stop": ["\n\n"]},
        prompt=(
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f"Charge {CARD} and mail {EMAIL}; my key is {KEY}."},
        ),
        response=f"Done, {EMAIL}.",
        privacy=Privacy({"payment_card": 1, "email": 1, "secret": 1}, "cloud", "flag"),
        provenance={
            "request_hash": "h",
            "policy": "threshold",
            "threshold": 0.5,
            "route": {"side": "cloud", "reason": "score 0.7 >= 0.5", "score": 0.7, "role": "chosen"},
            "sweep": {"name": "faq", "item": "q-17", "repeat": 2},
        },
    )
    return make_record(**{**fields, **changes})


def test_a_finished_call_maps_to_the_genai_conventions_and_hybrid_figures() -> None:
    record = cloud_record()
    span = span_data(record)
    a = span.attributes
    assert span.name == "chat gpt-4o-mini"
    assert span.start_ns == int(record.started_at * 1e9)
    assert span.end_ns - span.start_ns == pytest.approx(0.5e9, abs=1e3)  # latency_s, no queue figures recorded
    assert span.error is None
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == "openai"
    assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == "gpt-4o-mini"
    assert (a["gen_ai.request.temperature"], a["gen_ai.request.max_tokens"], a["gen_ai.request.seed"]) == (0.3, 64, 7)
    assert a["gen_ai.request.stop_sequences"] == ("\n\n",)
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (12, 30)
    assert a["gen_ai.response.time_to_first_chunk"] == 0.02
    assert (a["server.address"], a["server.port"]) == ("gw.example.org", 8443)
    assert a["hybrid.target"] == "openai/gpt-4o-mini@gw.example.org:8443"
    assert (a["hybrid.cost.usd"], a["hybrid.cost.basis"]) == (0.00042, "litellm price map")
    assert (a["hybrid.locality"], a["hybrid.egress"]) == ("cloud", "sent")
    assert (a["hybrid.call_id"], a["hybrid.run_id"], a["hybrid.replayed"]) == (record.call_id, record.run_id, False)
    assert a["hybrid.privacy.types"] == ("email", "payment_card", "secret")
    assert (a["hybrid.privacy.count.email"], a["hybrid.privacy.action"]) == (1, "flag")
    assert a["hybrid.privacy.flagged_off_device"] is True
    assert (a["hybrid.route.policy"], a["hybrid.route.side"], a["hybrid.route.score"]) == ("threshold", "cloud", 0.7)
    assert (a["hybrid.sweep.name"], a["hybrid.sweep.item"], a["hybrid.sweep.repeat"]) == ("faq", "q-17", 2)
    assert "error.type" not in a
    assert all(isinstance(v, str | bool | int | float | tuple) for v in a.values())


def test_without_the_opt_in_no_text_and_no_value_of_a_finding_or_credential_is_in_the_span() -> None:
    span = span_data(cloud_record())
    text = json.dumps(span.attributes)
    assert not any(k.startswith(("gen_ai.input", "gen_ai.output", "gen_ai.system")) for k in span.attributes)
    for value in (CARD, EMAIL, KEY, "hunter2pass", "team:", "key=abc", "Be brief", "Done"):
        assert value not in text


def test_the_opt_in_adds_the_messages_with_findings_and_secrets_replaced() -> None:
    span = span_data(cloud_record(), content=True)
    messages = json.loads(str(span.attributes["gen_ai.input.messages"]))
    said = messages[0]["parts"][0]["content"]
    assert messages[0]["role"] == "user"
    assert "[CARD_1]" in said and "[EMAIL_1]" in said
    assert json.loads(str(span.attributes["gen_ai.system_instructions"])) == [{"type": "text", "content": "Be brief."}]
    answer = json.loads(str(span.attributes["gen_ai.output.messages"]))[0]
    assert answer["role"] == "assistant" and answer["parts"][0]["content"] == "Done, [EMAIL_1]."
    text = json.dumps(span.attributes)
    for value in (CARD, CARD.replace(" ", ""), EMAIL, KEY):
        assert value not in text


def test_a_failed_call_carries_error_type_and_its_redacted_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_API_KEY", KEY)
    record = cloud_record(error_type="AuthError", error_message=f"401: bad key {KEY}", response="", output_tokens=None)
    span = span_data(record)
    assert span.attributes["error.type"] == "AuthError"
    assert "gen_ai.response.model" not in span.attributes and "gen_ai.usage.output_tokens" not in span.attributes
    assert span.error is not None and span.error.startswith("401: bad key") and KEY not in span.error


def test_queue_time_counts_in_the_span_and_replay_and_judge_tags_carry_over() -> None:
    tags = {"replay": {"of": "c0"}, "judge": {"of": "c1", "grader": "g", "sweep": "s"}}
    record = make_record(queue_s=0.25, e2e_s=0.75, replayed=True, provenance=tags)
    span = span_data(record)
    assert span.end_ns - span.start_ns == pytest.approx(0.75e9, abs=1e3)
    a = span.attributes
    assert (a["hybrid.queue_s"], a["hybrid.replayed"], a["hybrid.egress"]) == (0.25, True, "replayed")
    assert (a["hybrid.replay.of"], a["hybrid.judge.of"], a["hybrid.judge.grader"]) == ("c0", "c1", "g")
    assert "server.address" not in a and a["hybrid.target"] == "local/smollm2"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"}, ExportSettings("http://c:4318/v1/traces")),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:1/x", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:2"},
         ExportSettings("http://c:1/x")),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "WORKBENCH_OTEL": "0"}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, None),
        ({"WORKBENCH_OTEL": "1"}, ExportSettings("http://localhost:4318/v1/traces")),
        ({"WORKBENCH_OTEL": "http://w:9", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
         ExportSettings("http://w:9/v1/traces")),
        ({"WORKBENCH_OTEL": "on", "WORKBENCH_OTEL_CONTENT": "1", "OTEL_EXPORTER_OTLP_HEADERS": "a=b"},
         ExportSettings("http://localhost:4318/v1/traces", content=True, headers="a=b")),
    ],
)  # fmt: skip
def test_the_standard_variables_or_workbench_otel_switch_export_on(
    env: dict[str, str], expected: ExportSettings | None
) -> None:
    assert export_settings(env) == expected


def test_importing_the_workbench_and_its_runner_never_imports_the_sdk() -> None:
    code = "import sys, workbench, workbench.runner.fanout, workbench.telemetry; " \
           "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
