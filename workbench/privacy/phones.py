"""Phone numbers, in international (``+44 20 7946 0958``, ``0044 ...``) and national forms.

A cheap regex finds digit runs that could be dialled; libphonenumber (``phonenumbers``) decides
whether each one is a valid number, in its own country for ``+``/``00`` forms, or in one of
:data:`DEFAULT_REGIONS` for national forms. National forms also need to look like a phone number:
grouped with separators or introduced by a phone word; dates, order and tracking numbers,
ISBNs and version strings are turned away before libphonenumber is asked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

import phonenumbers

from workbench.privacy.inspection import Span

__all__ = ["DEFAULT_REGIONS", "find_phones"]

# libphonenumber's metadata has more patterns than the re module caches (512); without its own
# cache, validation recompiles them on every call (~10 ms per 10 KB prompt, measured).
_enable_cache = getattr(phonenumbers, "enable_pattern_cache", None)
if _enable_cache is not None:
    _enable_cache()

DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "BR", "JP")
"""Countries whose national forms (no ``+``) are recognised, tried in this order."""

# Starts with a character class (fast scan), then checks the character before it.
_CANDIDATE = re.compile(r"[+(\d](?<![\w+\-./#][+(\d])[\d().\- ]{5,21}\d(?![\w\-/]|[.:]\d)")
_WELL_FORMED = re.compile(r"\+?\(?\d")
_DATE = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}|\d{4}(?:\d{4})?")
_PHONE_WORD = re.compile(
    r"(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|ring|dial|number|no\.?|nr\.?|"
    r"téléphone|telefon|handy|móvil|cellulare)\W{0,4}(?:\w+\W{1,3}){0,2}$",
    re.IGNORECASE,
)
_NOT_PHONE_WORD = re.compile(
    r"(?:order|invoice|tracking|track|isbn(?:-1[03])?|issn|ref|reference|ticket|case|account|acct|serial|"
    r"sku|po|id|version|v|build|release|driver|cuda|patent|item|shipment|parcel|awb|doi|pin|otp|code)"
    r"\s*(?:no\.?|number|#|:)?\s*$",
    re.IGNORECASE,
)
_GROUPS = re.compile(r"\d+")
_DIGIT_TOKEN_BEFORE = re.compile(r"\w*\d\w*[ \-]$")


@functools.cache
def _screen(region: str) -> tuple[str, re.Pattern[str], frozenset[int]]:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.general_desc is None:
        raise ValueError(f"Unknown phone region {region!r}; use ISO 3166 codes such as 'US', 'GB'.")
    desc = meta.general_desc
    return (
        meta.national_prefix or "",
        re.compile(desc.national_number_pattern or ""),
        frozenset(desc.possible_length or ()),
    )


def _may_be_national(digits: str, region: str) -> bool:
    """A cheap screen with the region's general number pattern, before the full parse."""
    prefix, pattern, lengths = _screen(region)
    for nsn in (digits[len(prefix) :] if prefix and digits.startswith(prefix) else None, digits):
        if nsn and len(nsn) in lengths and pattern.fullmatch(nsn):
            return True
    return False


def _valid(raw: str, regions: Sequence[str]) -> bool:
    international = raw.startswith(("+", "00"))
    number = "+" + raw[2:] if raw.startswith("00") else raw
    if not international:
        digits = "".join(_GROUPS.findall(raw))
        regions = [region for region in regions if _may_be_national(digits, region)]
    for region in (None,) if international else regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        # Checking the country's main region first avoids trying every region sharing a code (+1: 25).
        home = region or phonenumbers.region_code_for_country_code(parsed.country_code or 0)
        if phonenumbers.is_valid_number_for_region(parsed, home) or (
            international and phonenumbers.is_valid_number(parsed)
        ):
            return True
    return False


def _looks_like_phone(candidate: str, context: bool) -> bool:
    """Shape checks that turn away digit runs which are not written like phone numbers."""
    groups = _GROUPS.findall(candidate)
    digits = sum(map(len, groups))
    if not 7 <= digits <= 15 or _DATE.fullmatch(candidate):
        return False
    if candidate.startswith(("+", "00")) or context:
        return True
    if len(groups[-1]) < 2:
        return False  # 0-306-40615-2 is an ISBN
    if len(groups) == 1:
        return False  # a bare digit run: an order number as often as a phone
    if "." in candidate and digits < 10:
        return False  # 535.104.05 is a version
    # 8 336 817 is a number with thousands separators
    return not (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]) and "(" not in candidate)


def find_phones(text: str, regions: Sequence[str] = DEFAULT_REGIONS) -> Iterator[Span]:
    """Valid phone numbers; national forms only when grouped like a phone number or named one."""
    for match in _CANDIDATE.finditer(text):
        start, candidate = match.start(), match.group()
        if candidate.count("(") != candidate.count(")") or not _WELL_FORMED.match(candidate):
            continue
        if not 7 <= sum(c.isdigit() for c in candidate) <= 15:
            continue
        before = text[max(0, start - 30) : start]
        if _NOT_PHONE_WORD.search(before) or _DIGIT_TOKEN_BEFORE.search(before):
            continue  # an order number, or a piece of a longer code
        if _looks_like_phone(candidate, bool(_PHONE_WORD.search(before))) and _valid(candidate, regions):
            form = "international" if candidate.startswith(("+", "00")) else "national"
            yield Span(start, match.end(), "phone", form)
