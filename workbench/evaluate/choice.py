"""The multiple-choice grader (MMLU-style): which letter did the answer choose?

The answer is read in tiers, and the first tier that names a letter decides:

1. the whole answer is a letter: ``C``, ``(C)``, ``**C.**``;
2. a stated answer: ``The answer is (C)``, ``Answer: C``, ``\\boxed{C}``;
3. a line opens with an option: ``C) Paris``, ``(C) Paris``, ``C. Paris`` (several such lines: ambiguous);
4. a choice in words: ``I think it's B``, ``I'd go with option D``;
5. a capital letter standing alone in prose (not the pronoun "I", not the article "A").

A tier that names several letters (``A or C``) scores 0, with a reason: an ambiguous answer is not right.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Item
from workbench.evaluate.graders import Grade, lower_aligned

__all__ = ["ChoiceMatch", "chosen_letters"]

LETTERS = "ABCDEFGHIJ"
_OPEN = r"[*_(\[{\s]*"
_QUOTES = "'\u2019"
_END = rf"(?![\w{_QUOTES}])"
_LIST_SEP = r"\s*(?:,|/|&|\bor\b|\band\b)\s*"
_NOT_ARTICLE = frozenset({  # words that can follow the letter A but not the article "a"
    "is", "was", "seems", "appears", "looks", "fits", "matches", "remains", "would", "should", "must",
    "or", "and", "nor", "but", "because", "since", "as", "if", "than", "vs",
})


# Keywords are found in the lower-cased answer (fast literal alternations); the letter after them in the answer.
_STATED_KEY = re.compile(r"answer\s*(?:is|:|=|would be|should be|must be)|\\boxed\{")
_WORDS_KEY = re.compile(
    r"(?:it['\u2019]?s|it is|would be|should be|must be|go with|choose|pick|select|option|choice|letter)\b"
)


@dataclass(frozen=True)
class _Patterns:
    whole: re.Pattern[str]
    stated: re.Pattern[str]
    option_line: re.Pattern[str]
    words: re.Pattern[str]
    prose: re.Pattern[str]


@functools.lru_cache(maxsize=32)
def _patterns(letters: str) -> _Patterns:
    x = f"[{letters}]"
    several = rf"({x}{_END}(?:{_LIST_SEP}\(?{x}\)?{_END})*)"
    return _Patterns(
        whole=re.compile(rf"\W*({x})\W*"),
        stated=re.compile(rf"\s*:?\s*(?i:(?:option|choice|letter)\s+)?{_OPEN}{several}"),
        option_line=re.compile(rf"^[*_ \t]*(?:\(({x})\)|({x})[).:\]]){_END}", re.MULTILINE),
        words=re.compile(rf"\s+(?:either\s+|[a-z]+ly\s+)?{_OPEN}{several}"),
        # The letter first, then what precedes it: the engine can skip to candidate letters.
        prose=re.compile(rf"({x})(?<![\w{_QUOTES}\-]{x}){_END}(?!-\w)(\s+[a-z]+)?"),
    )


def _after_keys(key: re.Pattern[str], tail: re.Pattern[str], answer: str, lowered: str) -> Iterator[str]:
    for match in key.finditer(lowered):
        start = match.start()
        if start and lowered[start - 1].isalnum() and match.group(0)[0] != "\\":
            continue  # inside a word
        found = tail.match(answer, match.end())
        if found is not None:
            yield found.group(1)


def _from_prose(match: re.Match[str]) -> str | None:
    letter, following = match.group(1), match.group(2)
    if following is None:
        return letter
    word = following.strip()
    if letter == "I" or (letter == "A" and word not in _NOT_ARTICLE):
        return None  # the pronoun, or the article
    return letter


def chosen_letters(answer: str, letters: str = LETTERS) -> tuple[list[str], str]:
    """The distinct letters the deciding tier names (in order) and the tier's name; ``([], "")`` if none."""
    patterns = _patterns(letters)
    whole = patterns.whole.fullmatch(answer)
    if whole is not None:
        return [whole.group(1)], "the whole answer"
    lowered = lower_aligned(answer)
    tiers: tuple[tuple[str, Iterator[str]], ...] = (  # generators: a later tier is read only if needed
        ("a stated answer", _after_keys(_STATED_KEY, patterns.stated, answer, lowered)),
        ("an option line", (g for m in patterns.option_line.finditer(answer) for g in m.groups() if g)),
        ("a choice in words", _after_keys(_WORDS_KEY, patterns.words, answer, lowered)),
        ("a letter in the prose", (c for m in patterns.prose.finditer(answer) if (c := _from_prose(m)))),
    )
    for name, groups in tiers:
        found: list[str] = []
        for group in groups:
            found.extend(c for c in group if c in letters and c not in found)
        if found:
            return found, name
    return [], ""


class ChoiceMatch:
    """The letter the answer chose equals the reference column's letter (``C``, ``(C)``; a JSON int counts from 0)."""

    version = "1"

    def __init__(self, column: str, letters: str = LETTERS) -> None:
        if not letters or not letters.isalpha() or not letters.isupper() or len(set(letters)) != len(letters):
            raise ConfigError(f"Choice letters {letters!r}: give distinct capital letters, e.g. 'ABCD'.")
        self.column, self.letters = column, letters
        self.columns: tuple[str, ...] = (column,)
        self.name = f"choice:{column}"

    def expected(self, item: Item) -> str | None:
        """The reference letter, or ``None`` if the column holds no usable one."""
        value: Any = item.references.get(self.column)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.letters[value] if 0 <= value < len(self.letters) else None
        if not isinstance(value, str):
            return None
        text = re.sub(r"[\s()\[\]*.:]", "", value).upper()
        return text if len(text) == 1 and text in self.letters else None

    def check(self, item: Item) -> None:
        """The reference must be one of the letters (or an index into them)."""
        if self.expected(item) is None:
            value = item.references.get(self.column)
            raise ConfigError(
                f"{item.where}: grader {self.name} needs a letter {self.letters[0]}-{self.letters[-1]} "
                f"in column {self.column!r}, not {value!r} (an integer column counts from 0)."
            )

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when exactly one letter is chosen and it is the reference's."""
        expected = self.expected(item)
        if expected is None:
            raise ConfigError(f"{item.where}: grader {self.name} has no reference letter in column {self.column!r}.")
        found, how = chosen_letters(answer, self.letters)
        if not found:
            return Grade(0.0, f"no choice letter in the answer; expected {expected}")
        if len(found) > 1:
            return Grade(0.0, f"ambiguous: {how} names {', '.join(found)}; expected {expected}")
        verdict = "is" if found[0] == expected else "is not"
        return Grade(1.0 if found[0] == expected else 0.0, f"chose {found[0]} ({how}), which {verdict} {expected}")
