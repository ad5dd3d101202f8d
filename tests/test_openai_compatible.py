"""The cloud path, over real HTTP to a real OpenAI-compatible server on loopback (llama.cpp's server
with SmolLM2): LiteLLM targets and the MLC server path, with streaming usage and cost basis."""

from __future__ import annotations

import sys

import pytest

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench.records import Locality, Price

PROMPT = "Name one planet of the solar system."


def test_litellm_streams_and_flags_usage_the_server_did_not_report(llama_server: str) -> None:
    served = workbench.run(PROMPT, [f"openai/smollm2@{llama_server}"], temperature=0, seed=5, max_tokens=24)[0]
    assert served.ok, served.error_message
    assert served.locality is Locality.DEVICE and served.provider == "openai"
    assert served.response.strip()
    assert served.ttft_s and served.latency_s >= served.ttft_s
    assert served.cost_usd == 0.0 and "own hardware" in served.cost_basis
    # llama.cpp's server sends no usage when streaming; LiteLLM fills in its own count, which is
    # therefore an estimate, and must say so.
    assert served.tokens_estimated
    assert served.output_tokens and served.input_tokens


def test_server_reported_usage_is_kept_exact(scripted: ScriptedServer) -> None:
    record = workbench.run(PROMPT, [f"openai/ok@{scripted.url}"], max_tokens=24)[0]
    assert record.ok and record.response == "Hello from the scripted server."
    assert (record.input_tokens, record.output_tokens, record.tokens_estimated) == (12, 6, False)


def test_cloud_model_priced_from_litellm_map(llama_server: str) -> None:
    # A loopback stand-in for the cloud, declared as such: the bytes' route is the user's to state.
    target = workbench.resolve(f"openai/gpt-4o-mini@{llama_server}", locality="cloud")
    record = workbench.run(PROMPT, [target], temperature=0, seed=5, max_tokens=24)[0]
    assert record.ok and record.locality is Locality.CLOUD
    assert "LiteLLM" in record.cost_basis and "price map" in record.cost_basis
    assert "estimated token counts" in record.cost_basis
    from workbench.runner.pricing import cloud_price

    expected = cloud_price("openai/gpt-4o-mini")
    assert expected is not None
    dollars = (record.input_tokens * expected.input_per_mtok + record.output_tokens * expected.output_per_mtok) / 1e6
    assert dollars > 0 and record.cost_usd == pytest.approx(dollars)


def test_unknown_cloud_price_is_unknown_not_zero(llama_server: str) -> None:
    target = workbench.resolve(f"openai/no-such-model-xyz@{llama_server}", locality="cloud")
    record = workbench.run(PROMPT, [target], max_tokens=8)[0]
    assert record.ok and record.cost_usd is None and record.cost_basis.startswith("unknown")


def test_per_target_price_override(llama_server: str) -> None:
    target = workbench.resolve(f"openai/smollm2@{llama_server}", locality="cloud", price=Price(1.0, 2.0))
    record = workbench.run(PROMPT, [target], max_tokens=8)[0]
    assert record.ok and record.input_tokens and record.output_tokens  # no tokens would make any price $0
    assert record.cost_usd == pytest.approx((record.input_tokens * 1.0 + record.output_tokens * 2.0) / 1e6)
    assert "override" in record.cost_basis


def test_mlc_server_path_streams_from_an_openai_compatible_server(llama_server: str) -> None:
    record = workbench.run(PROMPT, [f"mlc/smollm2@{llama_server}"], temperature=0, seed=5, max_tokens=16)[0]
    assert record.ok, record.error_message
    assert record.provider == "mlc" and record.locality is Locality.DEVICE
    assert record.response and record.output_tokens and record.tokens_estimated  # the server sent no usage


def test_mlc_in_process_without_mlc_llm_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlc_llm", None)  # `import mlc_llm` fails here, installed or not
    record = workbench.run("hi", ["mlc/HF://mlc-ai/Llama-3.2-3B-Instruct-q4f16_1-MLC"])[0]
    assert record.error_type == "MissingEngineError"
    assert "mlc.ai/wheels" in record.error_message and "mlc_llm serve" in record.error_message
