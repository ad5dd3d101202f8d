"""The guard: flag, redact, block and local, by destination; the device always sees the original."""

from __future__ import annotations

import pytest

from workbench.errors import ConfigError
from workbench.privacy import action_for, destination, guard, inspect
from workbench.records import Locality, Request

EMAIL = "maria.k@example.org"
CARD = "4111 1111 1111 1111"
KEY = "sk-proj-Zt9xQ2wLm4Np8Rv6Ks3Jd1Hf5Gb7Yc0"


def request() -> Request:
    return Request.build(
        [
            {"role": "system", "content": f"Reply to {EMAIL} politely."},
            {"role": "user", "content": f"I am {EMAIL}; charge {CARD}; my key is {KEY}."},
        ]
    )


def test_flag_sends_unchanged_and_records_entities_and_provider() -> None:
    out = guard(request(), Locality.CLOUD, "flag", provider="openai")
    assert out.request == request()
    assert not out.blocked and not out.reroute_local
    assert out.privacy.entities == {"email": 2, "payment_card": 1, "secret": 1}
    assert out.privacy.destination == "cloud:openai"
    assert out.privacy.action == "flag"
    assert out.privacy.left_device


def test_redact_replaces_each_entity_with_a_consistent_typed_placeholder() -> None:
    out = guard(request(), Locality.CLOUD, "redact", provider="anthropic")
    sent = out.request.text
    for value in (EMAIL, CARD, KEY, "4111", "maria"):
        assert value not in sent
    assert out.request.messages[0]["content"] == "Reply to [EMAIL_1] politely."
    assert out.request.messages[1]["content"] == "I am [EMAIL_1]; charge [CARD_1]; my key is [SECRET_1]."
    assert out.request.messages[1]["role"] == "user"
    assert out.request.max_tokens == request().max_tokens
    assert out.privacy.action == "redact" and not out.privacy.left_device
    assert not out.blocked


def test_private_network_counts_as_off_device() -> None:
    out = guard(request(), Locality.PRIVATE_NETWORK, "redact", provider="ollama")
    assert EMAIL not in out.request.text
    assert out.privacy.destination == "private_network:ollama"


@pytest.mark.parametrize("action", ["flag", "redact", "block", "local"])
def test_device_target_sees_the_original_but_entities_are_recorded(action: str) -> None:
    out = guard(request(), Locality.DEVICE, action, provider="llama.cpp")
    assert out.request == request()
    assert not out.blocked and not out.reroute_local
    assert out.privacy.destination == "device"
    assert out.privacy.entities["email"] == 2
    assert not out.privacy.left_device


def test_block_and_local_say_why_without_values() -> None:
    blocked = guard(request(), Locality.CLOUD, "block", provider="openai")
    assert blocked.blocked and not blocked.reroute_local
    assert "cloud:openai" in blocked.reason and "2 email" in blocked.reason
    assert EMAIL not in blocked.reason and KEY not in blocked.reason
    local = guard(request(), Locality.CLOUD, "local", provider="openai")
    assert local.reroute_local and not local.blocked
    assert local.request == request()


def test_nothing_found_means_nothing_done() -> None:
    clean = Request.build("What is the capital of France?")
    for action in ("redact", "block", "local"):
        out = guard(clean, Locality.CLOUD, action, provider="openai")
        assert out.request == clean and not out.blocked and not out.reroute_local
        assert out.privacy.entities == {} and out.reason == ""


def test_guard_counts_match_inspect() -> None:
    text = request().messages[1]["content"]
    assert guard(Request.build(text), Locality.CLOUD).privacy.entities == inspect(text).counts


def test_unknown_action_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="flag, redact, block, local"):
        guard(request(), Locality.CLOUD, "drop")


def test_action_for_global_and_per_target_policies() -> None:
    policy = {"openai/gpt-4o": "block", "anthropic": "redact", "*": "local"}
    assert action_for("openai/gpt-4o", policy) == "block"
    assert action_for("anthropic/claude-3-5-haiku", policy) == "redact"
    assert action_for("gemini/gemini-2.0-flash", policy) == "local"
    assert action_for("gemini/x", {"openai": "block"}) == "flag"
    assert action_for("x/y", "redact") == "redact"
    assert action_for("x/y", None) == "flag"
    with pytest.raises(ConfigError):
        action_for("x/y", {"*": "nope"})


def test_destination_names() -> None:
    assert destination(Locality.CLOUD, "openai") == "cloud:openai"
    assert destination(Locality.CLOUD) == "cloud"
    assert destination(Locality.DEVICE, "mlc") == "device"


def test_placeholders_number_distinct_values_per_type() -> None:
    text = "a@example.com wrote to b@example.com and again to a@example.com"
    out = guard(Request.build(text), Locality.CLOUD, "redact")
    assert out.request.text == "[EMAIL_1] wrote to [EMAIL_2] and again to [EMAIL_1]"
