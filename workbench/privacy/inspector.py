"""One function that inspects a text: every detector, overlaps resolved, spans in order.

The guard and ``hybrid inspect`` both call :func:`inspect`, so what the command prints is
exactly what the guard sees.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from workbench.privacy.inspection import Inspection, Span
from workbench.privacy.keys import find_secrets
from workbench.privacy.phones import DEFAULT_REGIONS, find_phones
from workbench.privacy.pii import find_cards, find_emails, find_ibans, find_ips, find_ssns

__all__ = ["inspect"]

_DIGIT = re.compile(r"\d")

# When two findings overlap and are equally long, the first type here wins.
_PRIORITY = {
    kind: rank for rank, kind in enumerate(("secret", "iban", "payment_card", "email", "us_ssn", "ip_address", "phone"))
}


def _resolve(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Keep the longest of overlapping spans (then by type priority); return them by position."""
    kept: list[Span] = []  # sorted by start, never overlapping
    for span in sorted(spans, key=lambda s: (s.start - s.end, _PRIORITY[s.type], s.start)):
        at = bisect.bisect_left(kept, span)
        if (at == 0 or kept[at - 1].end <= span.start) and (at == len(kept) or span.end <= kept[at].start):
            kept.insert(at, span)
    return tuple(kept)


def inspect(text: str, *, regions: Sequence[str] = DEFAULT_REGIONS) -> Inspection:
    """Find personal data and secrets in ``text``: types, counts and spans, never the values.

    ``regions`` are the countries whose national phone formats count (``+`` forms always do).
    """
    spans: list[Span] = []
    if _DIGIT.search(text):
        spans += find_cards(text)
        spans += find_ibans(text)
        spans += find_ssns(text)
        spans += find_phones(text, regions)
        spans += find_ips(text)
    spans += find_emails(text)
    spans += find_secrets(text)
    return Inspection(_resolve(spans), len(text))
