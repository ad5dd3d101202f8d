"""``openai/NAME@URL`` streams over HTTP directly (aiohttp, no LiteLLM or OpenAI SDK), with the figures LiteLLM gave."""

from __future__ import annotations

from typing import Any

import pytest

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench.targets.litellm import import_litellm


@pytest.fixture
def through(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The models ``litellm.acompletion`` was called for (it still makes each call)."""
    litellm = import_litellm()
    models: list[str] = []
    real = litellm.acompletion

    async def counted(**kwargs: Any) -> Any:
        models.append(kwargs["model"])
        return await real(**kwargs)

    monkeypatch.setattr(litellm, "acompletion", counted)
    return models


def test_an_openai_compatible_server_is_called_without_litellm_and_reports_its_own_usage(through: list[str]) -> None:
    with ScriptedServer() as server:
        result = workbench.run("hi", [workbench.resolve(f"openai/ok@{server.url}")], store=False, max_tokens=8)
        (record,) = result.records
        assert server.received[-1]["body"]["model"] == "ok"
    assert through == []
    assert record.error_type is None and record.response == "Hello from the scripted server."
    assert (record.input_tokens, record.output_tokens, record.tokens_estimated) == (12, 6, False)
    assert record.ttft_s is not None and 0 < record.ttft_s <= record.latency_s


@pytest.mark.parametrize("provider", ["hosted_vllm"])
def test_other_providers_at_a_url_still_stream_through_litellm(provider: str, through: list[str]) -> None:
    """The LiteLLM path itself (every cloud model, and servers of other providers) over real HTTP on loopback."""
    with ScriptedServer() as server:
        (record,) = workbench.run("hi", [workbench.resolve(f"{provider}/ok@{server.url}")], store=False, max_tokens=8)
        assert server.received[-1]["body"]["model"] == "ok"
    assert through == [f"{provider}/ok"]
    assert record.error_type is None and record.response == "Hello from the scripted server."
    assert record.output_tokens == 6 and record.ttft_s is not None and 0 < record.ttft_s <= record.latency_s


def test_the_scripted_server_answers_a_request_that_does_not_stream() -> None:
    """promptfoo's default OpenAI provider (bench/bench_sweep.py) asks for one JSON answer, not a stream."""
    import openai

    with ScriptedServer() as server:
        client = openai.OpenAI(base_url=server.url, api_key="no-key-needed", max_retries=0)
        answer = client.chat.completions.create(model="delay-0.0", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "Hello from the scripted server."
    assert answer.usage is not None and answer.usage.completion_tokens == 6
