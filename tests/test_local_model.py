"""The embedded SmolLM2 model through the runner: real llama.cpp, real tokens, honest figures."""

from __future__ import annotations

import pytest

import workbench
from workbench.records import Locality

PROMPT = "What is the capital of France? Answer in one short sentence."


def test_local_model_answers_with_measured_figures() -> None:
    result = workbench.run(PROMPT, ["local/smollm2"], temperature=0, seed=7, max_tokens=48)
    record = result["local/smollm2"]
    assert record.ok, record.error_message
    assert "Paris" in record.response, record.response  # a real answer from the real model, not just some text
    assert record.locality is Locality.DEVICE and record.provider == "llama.cpp"
    assert record.input_tokens and record.input_tokens > 10
    assert record.output_tokens and 0 < record.output_tokens <= 48
    assert not record.tokens_estimated
    assert record.ttft_s is not None and record.ttft_s > 0
    assert record.latency_s >= record.ttft_s
    # decode tokens/s as the README defines it: the tokens after the first, over the time after the first
    assert record.decode_tps == pytest.approx((record.output_tokens - 1) / (record.latency_s - record.ttft_s))
    # llama.cpp's own count, kept beside: at least every token after the first (a prompt it had cached
    # comes back as 0 prefill tokens and the last prompt token re-evaluated as a decode step)
    assert record.engine_metrics["decode_tokens"] >= record.output_tokens - 1
    assert record.cost_usd == 0.0 and "no per-call charge" in record.cost_basis
    assert record.prompt == ({"role": "user", "content": PROMPT},)


def test_temperature_zero_with_seed_repeats_exactly() -> None:
    first = workbench.run(PROMPT, ["local/smollm2"], temperature=0, seed=11, max_tokens=32)
    second = workbench.run(PROMPT, ["local/smollm2"], temperature=0, seed=11, max_tokens=32)
    assert first[0].ok and second[0].ok
    assert "Paris" in first[0].response  # two empty answers would be "equal" too
    assert first[0].response == second[0].response
    assert first[0].output_tokens == second[0].output_tokens


def test_max_tokens_is_honoured_and_counted_exactly() -> None:
    record = workbench.run(
        "Write a long story about a dragon.", ["local/smollm2"], temperature=0, seed=1, max_tokens=5
    )[0]
    assert record.ok and record.response.strip()
    assert record.output_tokens == 5
    assert record.engine_metrics["decode_tokens"] >= 4


def test_stop_sequence_is_honoured() -> None:
    prompt, asked = "Count from 1 to 10, separated by commas.", {"temperature": 0, "seed": 1, "max_tokens": 40}
    free = workbench.run(prompt, ["local/smollm2"], **asked)[0]
    stopped = workbench.run(prompt, ["local/smollm2"], **asked, stop=[","])[0]
    assert free.ok and stopped.ok
    assert free.response.count(",") >= 2, free.response  # without the stop the answer does go past a comma
    assert stopped.response == free.response.split(",")[0] != ""  # the same answer, cut before the first one


def test_two_calls_to_the_same_model_at_once_both_complete() -> None:
    local = workbench.resolve("local/smollm2")
    result = workbench.run(PROMPT, [local, local], temperature=0, seed=3, max_tokens=24)
    assert [r.ok for r in result] == [True, True]
    assert "Paris" in result[0].response and result[0].response == result[1].response
    assert result[0].call_id != result[1].call_id


def test_the_wait_for_the_shared_model_is_queue_time_not_time_to_first_token(isolated_store) -> None:
    local = workbench.resolve("local/smollm2")
    story = "Write a long story about a dragon."  # 48 tokens of decoding: the first answer takes a while
    result = workbench.run(story, [local, local], temperature=0, seed=3, max_tokens=48)
    first, second = sorted(result, key=lambda r: r.queue_s or 0.0)  # the engine takes one at a time
    assert first.ok and second.ok and first.output_tokens == second.output_tokens == 48
    assert first.queue_s == 0.0  # the model was free: no wait at all
    assert second.queue_s == pytest.approx(first.latency_s, rel=0.15, abs=0.05)  # it waited for the first answer
    assert first.ttft_s is not None and second.ttft_s is not None
    assert max(first.ttft_s, second.ttft_s) < 0.5 * second.queue_s  # engine-side: no queue in it
    assert second.ttft_s < 3 * first.ttft_s + 0.05  # and alike: same prompt, same engine
    for record in result:
        assert record.e2e_s == pytest.approx(record.queue_s + record.latency_s, abs=1e-6)
    stored = workbench.Store(isolated_store).records(run_id=result.run_id)
    assert sorted((r.queue_s, r.e2e_s) for r in stored) == sorted((r.queue_s, r.e2e_s) for r in result)


def test_store_records_every_call(isolated_store) -> None:
    result = workbench.run("Say hi.", ["local/smollm2"], max_tokens=8)
    stored = workbench.Store(isolated_store).records(run_id=result.run_id)
    assert stored == list(result.records)
