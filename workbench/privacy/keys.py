"""Secret detectors: provider API keys, cloud access keys, tokens, private keys, webhook URLs,
credentials in URLs, and high-entropy values in key-like context (``api_key = "..."``).

Provider formats are matched by their documented prefixes and lengths; a generic value counts
only next to a key word and when it looks random (Shannon entropy, character classes), so
``token = get_token()`` or ``password: <your password>`` are not flagged.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from workbench.privacy.inspection import Span

__all__ = ["PROVIDER_PATTERNS", "entropy", "find_secrets"]

# No pattern starts with \b: a leading \b disables the regex engine's literal-prefix search
# (25x slower here); find_secrets checks the left boundary itself.
PROVIDER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("anthropic_key", r"sk-ant-[A-Za-z0-9]{2,8}-[A-Za-z0-9_\-]{32,}"),
        ("openai_key", r"sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
        ("aws_access_key", r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}\b"),
        ("github_token", r"gh[pousr]_[A-Za-z0-9]{36,255}\b"),
        ("github_token", r"github_pat_[A-Za-z0-9_]{50,255}\b"),
        ("gitlab_token", r"glpat-[A-Za-z0-9_\-]{20,}"),
        ("google_api_key", r"AIza[0-9A-Za-z_\-]{35}"),
        ("slack_token", r"xox[abposr]-[A-Za-z0-9\-]{10,}"),
        ("stripe_key", r"k_(?:live|test)_[0-9A-Za-z]{20,}"),
        ("huggingface_token", r"hf_[A-Za-z0-9]{30,}\b"),
        ("groq_key", r"gsk_[A-Za-z0-9]{40,}\b"),
        ("xai_key", r"xai-[A-Za-z0-9]{40,}\b"),
        ("npm_token", r"npm_[A-Za-z0-9]{36}\b"),
        ("sendgrid_key", r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b"),
        ("twilio_key", r"SK[0-9a-f]{32}\b"),
        ("mailgun_key", r"key-[0-9a-z]{32}\b"),
        ("jwt", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        ("private_key", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z ]*-----)?"),
        ("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]{20,}"),
        ("discord_webhook", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]+"),
        ("teams_webhook", r"https://[\w\-]+\.webhook\.office\.com/webhookb2/[\w@\-/]+"),
        ("zapier_webhook", r"https://hooks\.zapier\.com/hooks/catch/\d+/[A-Za-z0-9]+/?"),
    )
)

# Values that follow a key word: ``api_key = "..."``, ``"token": "..."``, ``password: ...``.
# Matched on the lower-cased text (much faster than IGNORECASE), so the pattern is lower case.
_KEY_WORD = re.compile(
    r"(?:api[_\-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|access[_\-]?key|credential|"
    r"auth(?:orization)?|private[_\-]?key|client[_\-]?secret|signing[_\-]?key)[\w\-]*[\"']?"
    r"\s*(?::|=|=>|:=|\bis\b)\s*[\"']?(?:bearer\s+|basic\s+)?([^\s\"',;`<>(){}\[\]]{8,})"
)
_BEARER = re.compile(r"bearer\s+([a-z0-9._~+/=\-]{16,})")
_URL_SECRET = re.compile(
    r"(?i)[?&](?:key|api[_\-]?key|apikey|token|access_token|auth|sig|signature|password|secret)=([^&\s\"'#]{8,})"
)
_URL_PASSWORD = re.compile(r"://[^\s/:@]+:([^\s/@]{4,})@")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|your[_\-]?.*|<.*|\$\{?.*|%\(.*|changeme|example.*|placeholder|redacted|"
    r"\[redacted\]|none|null|true|false|undefined|os\.environ.*|process\.env.*|getenv.*)$"
)


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _looks_random(value: str) -> bool:
    if _PLACEHOLDER.match(value) or (value.isalpha() and value.islower() and len(value) < 16):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    if len(value) >= 16 and entropy(value) >= 3.5 and classes >= 2:
        return True
    return classes >= 3 and entropy(value) >= 2.5


def find_secrets(text: str) -> Iterator[Span]:
    """Secrets in ``text``: provider keys by format, and random-looking values in key-like context."""
    for name, pattern in PROVIDER_PATTERNS:
        for match in pattern.finditer(text):
            start = match.start()
            if name == "stripe_key":
                start -= 1
                if start < 0 or text[start] not in "rs":
                    continue
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue
            yield Span(start, match.end(), "secret", name)
    for detail, pattern in (("url_credential", _URL_SECRET), ("url_password", _URL_PASSWORD)):
        for match in pattern.finditer(text):
            yield Span(match.start(1), match.end(1), "secret", detail)
    lowered = text.lower()
    if len(lowered) != len(text):  # a few non-ASCII letters change length when lower-cased
        lowered = "".join(c.lower()[0] for c in text)
    for detail, pattern in (("bearer_token", _BEARER), ("keyword_value", _KEY_WORD)):
        for match in pattern.finditer(lowered):
            if match.start() and lowered[match.start() - 1].isalpha() and detail == "bearer_token":
                continue
            value = text[match.start(1) : match.end(1)].rstrip(".")
            if _looks_random(value):
                yield Span(match.start(1), match.start(1) + len(value), "secret", detail)
