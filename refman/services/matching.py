"""Recognising the same paper twice: identifiers first, then similar titles."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

TITLE_SIMILARITY_THRESHOLD = 90.0
"""rapidfuzz ``ratio`` (0-100) on normalised titles at or above which two titles may name
one paper. Character similarity alone cannot tell a typo from a swapped word ("Vision" ->
"Video" still scores 95.8), so a second rule looks at the words that differ: each must be
a near-spelling of a differing word on the other side (``WORD_SIMILARITY_THRESHOLD``), a
fragment of the other title with its spaces removed ("auto encoders" / "autoencoders"), or
a stop word ("&" -> "and"). Numbers and roman numerals must agree exactly ("Part I" /
"Part II"). The table in tests/unit/services/test_matching.py justifies both thresholds."""

WORD_SIMILARITY_THRESHOLD = 75.0
"""``ratio`` at or above which two differing words count as one word misspelt
("actualy"/"actually" 93, "generalisation"/"generalization" 93, "vison"/"vision" 91) rather
than two words ("video"/"vision" 55, "dense"/"sparse" 36, "audio"/"vision" 36)."""

_STOP_WORDS = frozenset("a an and the of for in on to with by from at as is are".split())
_MIN_FRAGMENT = 4
T = TypeVar("T")

_NUMBERISH = re.compile(r"\d+|\b[ivx]+\b")
_MIN_BLOCK_TOKEN = 4
_BLOCK_TOKENS = 3


def years_compatible(a: int | None, b: int | None) -> bool:
    """Preprint and publication may differ by a year; unknown years are compatible."""
    return a is None or b is None or abs(a - b) <= 1


def _words_explained(mine: set[str], theirs: set[str], their_text: str) -> bool:
    """Whether every word only in ``mine`` is a variant of something on the other side."""
    for word in mine:
        if word in _STOP_WORDS:
            continue
        if len(word) >= _MIN_FRAGMENT and word in their_text:
            continue
        if any(fuzz.ratio(word, other, score_cutoff=WORD_SIMILARITY_THRESHOLD) for other in theirs):
            continue
        return False
    return True


def titles_match(a_key: str, b_key: str) -> bool:
    """Whether two normalised titles (see ``title_key``) name the same paper."""
    if a_key == b_key:
        return True
    if _NUMBERISH.findall(a_key) != _NUMBERISH.findall(b_key):
        return False
    if not fuzz.ratio(a_key, b_key, score_cutoff=TITLE_SIMILARITY_THRESHOLD):
        return False
    a_words, b_words = set(a_key.split()), set(b_key.split())
    only_a, only_b = a_words - b_words, b_words - a_words
    return _words_explained(only_a, only_b, b_key.replace(" ", "")) and _words_explained(
        only_b, only_a, a_key.replace(" ", "")
    )


def _tokens(key: str) -> set[str]:
    tokens = {t for t in key.split() if len(t) >= _MIN_BLOCK_TOKEN}
    return tokens or set(key.split()[:1])


class TitleIndex(Generic[T]):
    """Titles of known references, found exactly or by fuzzy match.

    Every word of a title indexes it; a fuzzy query compares only the titles sharing one
    of its rarest words, so a typo in one word still finds the title through another and
    no query scans the whole library."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[T, int | None]]] = defaultdict(list)
        self._postings: dict[str, list[str]] = defaultdict(list)

    def add(self, key: str, year: int | None, target: T) -> None:
        """Remember that ``target`` has title ``key``."""
        if not key:
            return
        entries = self._exact[key]
        if not entries:
            for token in _tokens(key):
                self._postings[token].append(key)
        entries.append((target, year))

    def find(self, key: str, year: int | None) -> T | None:
        """The target whose title matches ``key`` with a compatible year, if any."""
        if not key:
            return None
        for target, other_year in self._exact.get(key, ()):
            if years_compatible(year, other_year):
                return target
        postings = sorted((self._postings[t] for t in _tokens(key) if t in self._postings), key=len)
        candidates: set[str] = set()
        for posting in postings[:_BLOCK_TOKENS]:
            candidates.update(posting)
        candidates.discard(key)
        if not candidates:
            return None
        hits = process.extract(
            key,
            list(candidates),
            scorer=fuzz.ratio,
            score_cutoff=TITLE_SIMILARITY_THRESHOLD,
            limit=None,
        )
        for candidate, _score, _index in sorted(hits, key=lambda hit: -hit[1]):
            if titles_match(key, candidate):
                for target, other_year in self._exact[candidate]:
                    if years_compatible(year, other_year):
                        return target
        return None
