"""Small pure pieces: locality from URLs, request validation, pricing rules, secret redaction."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from workbench.errors import ConfigError
from workbench.privacy import redact_secrets
from workbench.records import EngineStarted, Locality, Price, Request, TextDelta, Usage
from workbench.runner.metering import Meter
from workbench.runner.pricing import price_call
from workbench.targets import locality_of_url
from workbench.targets.errors import retry_after_seconds


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("http://127.0.0.1:8080/v1", Locality.DEVICE),
        ("http://localhost:11434", Locality.DEVICE),
        ("http://[::1]:8000", Locality.DEVICE),
        ("http://0.0.0.0:8000", Locality.DEVICE),
        ("http://192.168.1.20:8000/v1", Locality.PRIVATE_NETWORK),
        ("http://10.0.0.5", Locality.PRIVATE_NETWORK),
        ("https://gpu-box.internal/v1", Locality.PRIVATE_NETWORK),
        ("https://api.openai.com/v1", Locality.CLOUD),
        ("https://8.8.8.8/v1", Locality.CLOUD),
        (None, Locality.CLOUD),
    ],
)
def test_locality_follows_the_bytes(url: str | None, where: Locality) -> None:
    assert locality_of_url(url) is where


def test_request_validation_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="from 0 to 2"):
        Request.build("hi", temperature=3)
    with pytest.raises(ConfigError, match="at least 1"):
        Request.build("hi", max_tokens=0)
    with pytest.raises(ConfigError, match="role"):
        Request.build([{"role": "robot", "content": "x"}])
    request = Request.build("hi", system="be brief", stop="\n")
    assert request.messages[0]["role"] == "system" and request.stop == ("\n",)


def test_local_calls_are_priced_by_compute_when_asked() -> None:
    free = price_call(model="m", locality=Locality.DEVICE, input_tokens=1, output_tokens=1, busy_s=2.0)
    assert free.usd == 0.0 and "no compute price" in free.basis
    paid = price_call(
        model="m", locality=Locality.DEVICE, input_tokens=1, output_tokens=1, busy_s=36.0, compute_per_hour=2.0
    )
    assert paid.usd == pytest.approx(0.02) and "$2/h" in paid.basis


def test_cloud_cost_with_missing_tokens_is_unknown() -> None:
    cost = price_call(
        model="x", locality=Locality.CLOUD, input_tokens=None, output_tokens=None, busy_s=1, override=Price(1, 1)
    )
    assert cost.usd is None and cost.basis.startswith("unknown")


def test_redaction_removes_keys_and_url_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-abcdefgh12345")
    text = (
        "key sk-abcdefghijklmnop1234 at https://x.test/?key=AIzaSecretValue123 "
        "and tok-abcdefgh12345 plus custom-secret-99"
    )
    clean = redact_secrets(text, ("custom-secret-99",))
    for secret in ("sk-abcdefghijklmnop1234", "AIzaSecretValue123", "tok-abcdefgh12345", "custom-secret-99"):
        assert secret not in clean
    # only the secrets go: the words around them stay, so the message still says what happened
    assert [w for w in clean.split() if "[REDACTED]" not in w] == ["key", "at", "and", "plus"]
    assert clean.count("[REDACTED]") == 4


def test_retry_after_accepts_seconds_and_dates() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past: now
    in_a_minute = formatdate(time.time() + 60, usegmt=True)
    assert retry_after_seconds({"Retry-After": in_a_minute}) == pytest.approx(60, abs=2)
    assert retry_after_seconds({}) is None


def test_meter_keeps_the_wait_for_the_engine_out_of_ttft_and_latency() -> None:
    meter = Meter()
    time.sleep(0.05)
    meter.observe(EngineStarted(time.perf_counter()))
    time.sleep(0.02)
    meter.observe(TextDelta("a"))
    meter.observe(EngineStarted(time.perf_counter()))  # a retry's announcement does not move the start
    time.sleep(0.02)
    meter.observe(Usage(3, 2))
    meter.finish()
    assert meter.queue_s >= 0.05
    assert meter.ttft_s is not None and 0.02 <= meter.ttft_s < meter.queue_s
    assert meter.latency_s >= 0.04 and meter.latency_s < meter.e2e_s
    assert meter.e2e_s == pytest.approx(meter.queue_s + meter.latency_s)
    assert meter.usage == Usage(3, 2) and meter.response == "a"


def test_meter_without_an_engine_announcement_has_no_queue() -> None:
    meter = Meter()
    time.sleep(0.01)
    meter.text_arrived("a")
    meter.finish()
    assert meter.queue_s == 0.0
    assert meter.ttft_s is not None and meter.ttft_s >= 0.01
    assert meter.e2e_s == meter.latency_s
