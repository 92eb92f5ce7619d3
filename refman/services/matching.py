"""Recognising the same paper twice: identifiers first, then similar titles."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

from refman.domain.text import Work

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


def works_compatible(a: Work, b: Work) -> bool:
    """Whether two records with matching titles are the same work: compatible years, the
    same first author (when both have one) and the same kind (a book is not its review,
    a manual not the article about it)."""
    return (
        years_compatible(a[0], b[0])
        and (not a[1] or not b[1] or a[1] == b[1])
        and (not a[2] or not b[2] or a[2] == b[2])
    )


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


_QUALIFIERS = frozenset("un non in im ir il dis anti semi self weakly multi single".split())


def opposite_words(a_key: str, b_key: str) -> bool:
    """Whether two title keys differ by a word and its negated or qualified form
    ("supervised" / "unsupervised", "linear" / "nonlinear", "balanced" / "imbalanced"):
    two papers, which ``titles_match``'s fragment rule takes for one word."""
    a_words, b_words = set(a_key.split()), set(b_key.split())
    for x in a_words - b_words:
        for y in b_words - a_words:
            longer, shorter = (x, y) if len(x) > len(y) else (y, x)
            if longer.endswith(shorter) and longer[: -len(shorter)] in _QUALIFIERS:
                return True
    return False


def titles_match(a_key: str, b_key: str) -> bool:
    """Whether two normalised titles (see ``title_key``) name the same paper."""
    if a_key == b_key:
        return True
    if _NUMBERISH.findall(a_key) != _NUMBERISH.findall(b_key):
        return False
    if opposite_words(a_key, b_key):
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
        self._exact: dict[str, list[tuple[T, Work]]] = defaultdict(list)
        self._postings: dict[str, list[str]] = defaultdict(list)

    def add(self, key: str, work: Work, target: T, tokens: set[str] | None = None) -> None:
        """Remember that ``target`` has title ``key`` (``tokens``: ``_tokens(key)`` if the
        caller has them)."""
        if not key:
            return
        entries = self._exact[key]
        if not entries:
            postings = self._postings
            for token in _tokens(key) if tokens is None else tokens:
                postings[token].append(key)
        entries.append((target, work))

    def find(self, key: str, work: Work, tokens: set[str] | None = None) -> T | None:
        """The target whose title matches ``key`` as the same work (``works_compatible``)
        (``tokens``: ``_tokens(key)`` if the caller has them)."""
        if not key:
            return None
        for target, other in self._exact.get(key, ()):
            if works_compatible(work, other):
                return target
        get = self._postings.get
        found = [
            (len(posting), token, posting)
            for token in (_tokens(key) if tokens is None else tokens)
            if (posting := get(token)) is not None
        ]
        if not found:
            return None
        if len(found) > _BLOCK_TOKENS:
            found.sort()  # the shortest postings first (tokens differ: lists never compared)
            del found[_BLOCK_TOKENS:]
        # One C call over the rarest words' titles (a title in two of them is scored twice,
        # which is cheaper than building a set of candidates in Python).
        candidates = found[0][2]
        for _size, _token, posting in found[1:]:
            candidates = candidates + posting
        hits = process.extract(
            key,
            candidates,
            scorer=fuzz.ratio,
            score_cutoff=TITLE_SIMILARITY_THRESHOLD,
            limit=None,
        )
        if not hits:
            return None
        scores: dict[str, float] = {}
        for candidate, score, _index in hits:
            if candidate != key:
                scores.setdefault(candidate, score)
        for candidate in sorted(scores, key=scores.__getitem__, reverse=True):
            if titles_match(key, candidate):
                for target, other in self._exact[candidate]:
                    if works_compatible(work, other):
                        return target
        return None


class RecordMatcher:
    """Recognises the records of one import: the same arXiv id, DOI or (for real titles)
    a matching title with a compatible year as a reference of the library or as an
    earlier record of the import.

    Targets are integers: a library reference's id (positive), or ``-(n + 1)`` for the
    ``n``-th new reference of this import (counted from 0 in record order). The matcher
    works on keys only, so it runs where the records are read (in a reader process for a
    large import) and the writer never waits for it. It takes over (and extends) the
    dictionaries it is given."""

    def __init__(
        self,
        by_arxiv: dict[str, int],
        by_doi: dict[str, int],
        by_title: dict[str, list[tuple[int, Work]]],
    ) -> None:
        self.by_arxiv = by_arxiv
        self.by_doi = by_doi
        self.titles: TitleIndex[int] = TitleIndex()
        for key, entries in by_title.items():
            for ref_id, work in entries:
                self.titles.add(key, work, ref_id)
        self.new_count = 0

    def match(self, arxiv_id: str, doi: str, key: str, work: Work) -> int | None:
        """The target of a record (``doi`` lower-cased; ``key`` the title key of a real,
        not provisional, title, else ""), or None when it is a new reference (which
        later records then match as ``-(n + 1)``)."""
        target: int | None = None
        if arxiv_id and arxiv_id in self.by_arxiv:
            target = self.by_arxiv[arxiv_id]
        elif doi and doi in self.by_doi:
            target = self.by_doi[doi]
        tokens = _tokens(key) if key else None
        if target is None and key:
            target = self.titles.find(key, work, tokens)
        found = target
        if target is None:
            self.new_count += 1
            target = -self.new_count
        if arxiv_id:
            self.by_arxiv.setdefault(arxiv_id, target)
        if doi:
            self.by_doi.setdefault(doi, target)
        if key:
            self.titles.add(key, work, target, tokens)
        return found
