"""Detectors for structured personal data: emails, payment cards, IBANs, IP addresses, US SSNs.

Each detector finds candidates with a cheap regex and keeps only those a validator accepts:
the Luhn checksum and an issuer's prefix and length for cards (python-stdnum), the ISO 7064
checksum and the country's format for IBANs (python-stdnum), :mod:`ipaddress` for IPs, and
the SSA numbering rules for SSNs. Detectors yield spans, never values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from stdnum import iban as stdnum_iban
from stdnum import luhn

from workbench.privacy.inspection import Span

__all__ = ["find_cards", "find_emails", "find_ibans", "find_ips", "find_ssns"]

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][\w.%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}(?![\w\-]|\.\w)"
)
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "pdf"})


def find_emails(text: str) -> Iterator[Span]:
    """Email addresses with a dotted domain and an alphabetic top-level domain."""
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        if match.group().rsplit(".", 1)[1].lower() in _FILE_SUFFIXES:
            continue  # icon@2x.png
        if "://" in text[text.rfind(" ", 0, match.start()) + 1 : match.start()]:
            continue  # the user part of a URL (https://token@host, postgres://user:pw@host)
        yield Span(match.start(), match.end(), "email")


# A run of 13-19 digits in groups separated by single spaces or dashes, not part of a longer run.
# Patterns start with a plain character class and check what precedes it with a lookbehind placed
# after it: a pattern that starts with a lookbehind or \b cannot use the regex engine's fast scan.
_CARD = re.compile(r"\d(?<!\d[ \-]\d)(?<![\d.,]\d)(?:[ \-]?\d){12,18}(?![ \-]?\d|[.,]\d)")
_ISSUERS: tuple[tuple[str, tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    ("visa", ((4, 4),), (13, 16, 19)),
    ("mastercard", ((51, 55), (2221, 2720)), (16,)),
    ("amex", ((34, 34), (37, 37)), (15,)),
    ("discover", ((6011, 6011), (644, 649), (65, 65)), (16, 17, 18, 19)),
    ("jcb", ((3528, 3589),), (16, 17, 18, 19)),
    ("diners", ((300, 305), (36, 36), (38, 39)), (14, 15, 16, 17, 18, 19)),
    ("unionpay", ((62, 62),), (16, 17, 18, 19)),
    ("maestro", ((50, 50), (56, 58), (6304, 6304), (67, 67)), (12, 13, 14, 15, 16, 17, 18, 19)),
)


def card_issuer(number: str) -> str | None:
    """The card scheme whose prefix and length fit ``number`` (digits only), if any."""
    for name, ranges, lengths in _ISSUERS:
        if len(number) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(number[:width]) <= high:
                return name
    return None


def find_cards(text: str) -> Iterator[Span]:
    """Payment card numbers: Luhn-valid, with a known issuer prefix and length."""
    for match in _CARD.finditer(text):
        raw = match.group()
        if " " in raw and "-" in raw:
            continue
        number = raw.replace(" ", "").replace("-", "")
        issuer = card_issuer(number)
        if issuer and luhn.is_valid(number):
            yield Span(match.start(), match.end(), "payment_card", issuer)


_IBAN = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,30}\b")


def _mod97_ok(raw: str) -> bool:
    """The ISO 7064 checksum alone: a cheap test before python-stdnum's full validation."""
    compact = raw.replace(" ", "")
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def find_ibans(text: str) -> Iterator[Span]:
    """IBANs whose country format and ISO 7064 mod 97 checksum are valid (printed or compact)."""
    for match in _IBAN.finditer(text):
        raw = match.group()
        # The regex may run into following capitalised words: shorten group by group.
        while len(raw) >= 15:
            if _mod97_ok(raw) and stdnum_iban.is_valid(raw):
                yield Span(match.start(), match.start() + len(raw), "iban", raw[:2])
                break
            cut = raw.rfind(" ")
            if cut < 0:
                break
            raw = raw[:cut]


_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_VERSION_CONTEXT = re.compile(r"(?:\bv|version|release|build|ver\.?)\s*$", re.IGNORECASE)


def find_ips(text: str) -> Iterator[Span]:
    """IPv4 addresses (not version numbers) and IPv6 addresses."""
    if "." in text:
        for match in _IPV4.finditer(text):
            try:
                ipaddress.IPv4Address(match.group())
            except ValueError:
                continue
            if _VERSION_CONTEXT.search(text, max(0, match.start() - 12), match.start()):
                continue
            yield Span(match.start(), match.end(), "ip_address", "ipv4")
    if "::" in text or text.count(":") >= 7:
        for match in _IPV6.finditer(text):
            raw = match.group()
            if raw != "::1" and sum(c.isalnum() for c in raw) < 4:
                continue  # a::b, std::
            try:
                ipaddress.IPv6Address(raw)
            except ValueError:
                continue
            yield Span(match.start(), match.end(), "ip_address", "ipv6")


_SSN = re.compile(r"\d(?<![\d\-]\d)\d\d(?<!000)(?<!666)(?<!9\d\d)([\- ])\d\d(?<!00)\1\d{4}(?<!0000)(?![\d\-]|[.,]\d)")
_SSN_BARE = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}(?!\d)")
_SSN_CONTEXT = re.compile(r"(?:\bssn|social security(?: number| no\.?)?|\bSS#)\W{0,6}$", re.IGNORECASE)


def find_ssns(text: str) -> Iterator[Span]:
    """US social security numbers: ``123-45-6789`` or ``123 45 6789``; nine bare digits after 'SSN'."""
    for match in _SSN.finditer(text):
        yield Span(match.start(), match.end(), "us_ssn")
    lowered = text.lower()
    if "ssn" not in lowered and "social security" not in lowered and "ss#" not in lowered:
        return
    for match in _SSN_BARE.finditer(text):
        if _SSN_CONTEXT.search(text, max(0, match.start() - 30), match.start()):
            yield Span(match.start(), match.end(), "us_ssn")
