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
# Words just before a digit run: a phone word (up to two words back) makes a bare run count;
# a reference word right before it rules the run out.
# fmt: off
_PHONE_WORDS = frozenset({
    "phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "sms", "text", "ring",
    "dial", "number", "no", "nr", "téléphone", "telefon", "handy", "móvil", "cellulare", "portable",
})
_NOT_PHONE_WORDS = frozenset({
    "order", "invoice", "tracking", "track", "isbn", "issn", "ref", "reference", "ticket", "case",
    "account", "acct", "serial", "sku", "po", "id", "version", "v", "build", "release", "driver",
    "cuda", "patent", "item", "shipment", "parcel", "awb", "doi", "pin", "otp", "code",
})
# fmt: on
_FILLERS = frozenset({"no", "nr", "number", "#"})
_WORD = re.compile(r"[^\W\d_]+|#")
_GROUPS = re.compile(r"\d+")


def _context(before: str) -> tuple[bool, bool]:
    """(a phone word is near, a reference word or a digit-bearing token is right before)."""
    stripped = before.rstrip(" :")
    if before.endswith((" ", "-")) and stripped:
        token_start = len(stripped)
        while token_start and (stripped[token_start - 1].isalnum() or stripped[token_start - 1] in "_-"):
            token_start -= 1
        if any(c.isdigit() for c in stripped[token_start:]):
            return False, True  # a piece of a longer code: DE89 3704 0044 ..., ISBN-10 0-306-...
    words = _WORD.findall(before.lower())[-3:]
    last = [w for w in words if w not in _FILLERS][-1:]
    if last and last[0] in _NOT_PHONE_WORDS and words and words[-1] in (*_FILLERS, last[0]):
        return False, True
    return any(w in _PHONE_WORDS for w in words), False


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
        near_phone_word, ruled_out = _context(text[max(0, start - 30) : start])
        if ruled_out:
            continue
        if _looks_like_phone(candidate, near_phone_word) and _valid(candidate, regions):
            form = "international" if candidate.startswith(("+", "00")) else "national"
            yield Span(start, match.end(), "phone", form)
