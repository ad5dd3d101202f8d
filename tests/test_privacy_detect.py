"""Detectors: each entity type found in its usual forms, hard negatives left alone, values never shown."""

from __future__ import annotations

import json

import pytest

from workbench.privacy import ENTITY_TYPES, inspect


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in inspect(text).spans]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("write to ann.lee+x@mail.example.co.uk today", "email", "ann.lee+x@mail.example.co.uk"),
        ("call +44 20 7946 0958 now", "phone", "+44 20 7946 0958"),
        ("call (212) 736-5000 now", "phone", "(212) 736-5000"),
        ("Festnetz 030 12345678.", "phone", "030 12345678"),
        ("from abroad 0044 161 496 0000.", "phone", "0044 161 496 0000"),
        ("pay with 4111 1111 1111 1111 please", "payment_card", "4111 1111 1111 1111"),
        ("amex 3782-822463-10005", "payment_card", "3782-822463-10005"),
        ("to DE89 3704 0044 0532 0130 00 Thanks", "iban", "DE89 3704 0044 0532 0130 00"),
        ("to GB82WEST12345698765432.", "iban", "GB82WEST12345698765432"),
        ("host 203.0.113.7:8080", "ip_address", "203.0.113.7"),
        ("v6 2001:db8::8a2e:370:7334 here", "ip_address", "2001:db8::8a2e:370:7334"),
        ("SSN 536-22-1847.", "us_ssn", "536-22-1847"),
        ("ssn: 536221847", "us_ssn", "536221847"),
        ("key AKIAABCDEFGHIJKLMNOP ok", "secret", "AKIAABCDEFGHIJKLMNOP"),
        ("x sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 y", "secret", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"),
        ('password = "Xq7!rT9#pL2m"', "secret", "Xq7!rT9#pL2m"),
        ("GET /v1?key=AbC123xYz789QwErTy&x=1", "secret", "AbC123xYz789QwErTy"),
    ],
)
def test_finds_entity_with_exact_span(text: str, kind: str, value: str) -> None:
    assert found(text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 fails Luhn",
        "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
        "upgrade to version 1.2.3.4 or v2.10.0.1",
        "ISBN 978-0-306-40615-7",
        "Order #4839201745 and order number 4155550132",
        "dates 2024-03-15, 15/04/2024, 03.05.2024 at 10:30:45",
        "MAC 00:1A:2B:3C:4D:5E and std::vector and a::b",
        "token = get_token() and api_key = os.environ['OPENAI_API_KEY'] and password: <your password>",
        "icon@2x.png and lodash@4.17.21 and @jane",
        "ssn area 000-12-3456 and 666-12-3456 are never issued",
    ],
)
def test_hard_negatives_are_not_flagged(text: str) -> None:
    assert found(text) == []


def test_overlaps_keep_the_longer_entity() -> None:
    # An IBAN's digits look like a phone number and a card; only the IBAN is reported.
    assert [s.type for s in inspect("IBAN GB33BUKB20201555555555").spans] == ["iban"]


def test_inspection_counts_spans_and_json_never_hold_values() -> None:
    text = "jane@example.com, +44 20 7946 0958, jane@example.com, 4111111111111111"
    result = inspect(text)
    assert result.counts == {"email": 2, "phone": 1, "payment_card": 1}
    assert result.types == ("email", "phone", "payment_card")
    assert result.length == len(text)
    shown = json.dumps(result.to_dict()) + repr(result) + str(result)
    for value in ("jane@example.com", "7946", "4111111111111111", "example"):
        assert value not in shown
    assert set(result.counts) <= set(ENTITY_TYPES)


def test_empty_and_plain_text() -> None:
    assert not inspect("")
    assert inspect("The quick brown fox jumps over the lazy dog.").counts == {}


def test_phone_context_and_regions() -> None:
    assert found("phone: 2125550187") == [("phone", "2125550187")]
    assert found("ref 2125550187") == []  # a bare run without a phone word
    assert found("grew from 8 336 817 to 8 804 190") == []  # thousands separators
    assert found("ISBN-10 0-306-40615-2") == []
    us = "call (212) 736-5000"
    assert inspect(us, regions=("GB",)).counts == {}
    assert inspect(us, regions=("US",)).counts == {"phone": 1}
    with pytest.raises(ValueError, match="Unknown phone region"):
        inspect(us, regions=("XX",))


@pytest.mark.parametrize("text", ["1" * 100_000, "1 " * 50_000, "token=" + "a" * 100_000, "a@" * 50_000, ":" * 100_000])
def test_long_adversarial_input_stays_linear(text: str) -> None:
    import time

    start = time.perf_counter()
    inspect(text)
    assert time.perf_counter() - start < 2.0  # ~40 ms here; a regex that backtracks takes minutes
