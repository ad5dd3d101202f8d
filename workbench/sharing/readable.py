"""An output's words as a reader sees them (no HTML tags, no JSON syntax), and short quotes of them.

:mod:`workbench.sharing.compare` diffs these words, so a difference names the words that changed
("recorded 'Red', now 'Chartreuse.'") instead of the markup around them.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

__all__ = ["excerpt", "readable_words"]

_SKIPPED_TAGS = frozenset({"script", "style"})


class _TextOf(HTMLParser):
    """Collects the text of an HTML fragment, each element's text apart from its neighbours'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skipping += tag in _SKIPPED_TAGS

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in _SKIPPED_TAGS and self._skipping > 0

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def _leaves(value: Any) -> list[str]:
    """A JSON value's strings and numbers, in order (a plot's labels and values, not its braces)."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [] if value is None else [str(value)]


def readable_words(form: str, text: str) -> list[str]:
    """The words of one output form: ``text/html`` without its tags, JSON forms without their syntax."""
    if form == "text/html":
        parser = _TextOf()
        parser.feed(text)
        parser.close()
        return " ".join(parser.chunks).split()
    if form.endswith("json"):
        try:
            return " ".join(_leaves(json.loads(text))).split()
        except ValueError:
            pass
    return text.split()


def excerpt(words: list[str], limit: int = 60) -> str:
    """The words joined and quoted, cut to about ``limit`` characters."""
    text = " ".join(words)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return repr(text)
