"""Ranked search with typo tolerance (``refman search``, ``Library.search``).

A search runs the query as typed, best first (``SortKey.RELEVANCE``). When that finds
fewer than ``FEW`` references, each positive word that itself matches fewer than ``FEW``
is widened to the near misses the index knows: words of the index's vocabulary (and
authors' family names) within ``max_edits`` edits (insertions, deletions, substitutions,
swapped neighbours: rapidfuzz's OSA distance), the closest and most common first, at most
``MAX_EXPANSIONS`` per word. So ``contrastiv distilation`` also searches "distillation",
and ``fneg`` "feng". References the exact query found come first, then those only the
near misses found. The vocabulary is read once and kept until the index changes
(``search_index.vocabulary_stamp``).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from refman.domain.query import ReferenceQuery, SortKey
from refman.domain.search_query import (
    AnyOf,
    Node,
    QuerySyntaxError,
    Term,
    format_query,
    parse_query,
    positive_terms,
    replace_terms,
)
from refman.storage import search_index
from refman.storage.search_index import Vocabulary
from refman.storage.store import Store

FEW = 5
"""Fewer results than this (for the query, and for a word alone) count as "few"."""
MAX_EXPANSIONS = 3
"""Near misses searched per word at most."""
MIN_FUZZY_LENGTH = 3
"""Shorter words are not widened (every two-letter word is one edit from hundreds)."""
_FUZZY_FIELDS = frozenset({None, "title", "authors", "abstract", "venue"})


def max_edits(word: str) -> int:
    """How many edits a near miss of ``word`` may be away: 1 up to 5 letters, else 2."""
    return 1 if len(word) <= 5 else 2


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found: reference ids best first; ``expansions`` maps each widened
    word to the near misses searched with it; ``terms`` are the folded words and phrases
    that made references match (near misses included), for highlighting; ``error`` is
    the query's syntax error (then nothing was searched)."""

    ids: list[int] = field(default_factory=list)
    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    error: QuerySyntaxError | None = None


@dataclass(slots=True)
class _Candidates:
    """The vocabulary arranged for near-miss lookups: words by length."""

    vocabulary: Vocabulary
    by_length: dict[int, list[str]]
    families_by_length: dict[int, list[str]]

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> _Candidates:
        by_length: dict[int, list[str]] = defaultdict(list)
        for term in vocabulary.terms:
            by_length[len(term)].append(term)
        families: dict[int, list[str]] = defaultdict(list)
        for family in vocabulary.families:
            families[len(family)].append(family)
            if family not in vocabulary.terms:
                by_length[len(family)].append(family)
        return cls(vocabulary, dict(by_length), dict(families))


class Searcher:
    """Searches one store; keeps the index's vocabulary between searches."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._candidates: _Candidates | None = None
        self._lock = threading.Lock()

    def search(self, query_text: str, *, limit: int | None = None) -> SearchResult:
        """References matching ``query_text`` best first (the first ``limit``), widened
        to near misses when the query finds few; a malformed query gives ``error``."""
        try:
            node = parse_query(query_text)
        except QuerySyntaxError as exc:
            return SearchResult(error=exc)
        wanted = None if limit is None else max(limit, FEW)
        ids = self._ids(query_text, wanted)
        terms = positive_terms(node)
        words = tuple(t.text for t in terms)
        if len(ids) >= FEW or not terms:
            return SearchResult(ids=ids[:limit], terms=words)
        expansions = self._expansions(terms)
        if not expansions:
            return SearchResult(ids=ids[:limit], terms=words)
        widened = _widened(node, expansions)
        found = set(ids)
        more = [i for i in self._ids(format_query(widened), wanted) if i not in found]
        alternatives = tuple(a for alts in expansions.values() for a in alts)
        return SearchResult(
            ids=[*ids, *more][:limit],
            expansions={t.text: alts for t, alts in expansions.items()},
            terms=words + alternatives,
        )

    def _ids(self, query_text: str, limit: int | None) -> list[int]:
        query = ReferenceQuery(text=query_text, sort=SortKey.RELEVANCE)
        return self.store.query_ids(query, limit=limit)

    def _expansions(self, terms: list[Term]) -> dict[Term, tuple[str, ...]]:
        """Near misses for each positive word that alone matches few references."""
        found: dict[Term, tuple[str, ...]] = {}
        for term in terms:
            if term.phrase or term.field not in _FUZZY_FIELDS:
                continue
            if len(term.text) < MIN_FUZZY_LENGTH:
                continue
            alone = ReferenceQuery(text=format_query(term))  # (any order: counted)
            if len(self.store.query_ids(alone, limit=FEW)) >= FEW:
                continue
            near = self.near_misses(term.text, authors=term.field == "authors")
            if near:
                found[term] = near
        return found

    def near_misses(self, word: str, *, authors: bool = False) -> tuple[str, ...]:
        """Words of the library within ``max_edits(word)`` edits of ``word`` (authors'
        family names only with ``authors``), closest and most common first; words that
        ``word`` already starts are left out (the search finds them as it is)."""
        candidates = self._current_candidates()
        buckets = candidates.families_by_length if authors else candidates.by_length
        edits = max_edits(word)
        choices = [
            term
            for length in range(len(word) - edits, len(word) + edits + 1)
            for term in buckets.get(length, ())
            if not term.startswith(word)
        ]
        matches = process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        docs = candidates.vocabulary.terms
        chosen: list[str] = []
        for term, _distance, _index in sorted(
            matches, key=lambda m: (m[1], -docs.get(m[0], 0), m[0])
        ):
            if not any(term.startswith(c) or c.startswith(term) for c in chosen):
                chosen.append(term)  # (a word another near miss starts adds nothing)
            if len(chosen) == MAX_EXPANSIONS:
                break
        return tuple(chosen)

    def _current_candidates(self) -> _Candidates:
        """The vocabulary, read again when the index changed since it was read."""
        stamp = search_index.vocabulary_stamp(self.store.engine)
        with self._lock:
            if self._candidates is None or self._candidates.vocabulary.stamp != stamp:
                self._candidates = _Candidates.of(search_index.vocabulary(self.store.engine))
            return self._candidates


def _widened(node: Node, expansions: dict[Term, tuple[str, ...]]) -> Node:
    """``node`` with each expanded term replaced by "it OR its near misses"."""

    def widen(term: Term) -> Node:
        near = expansions.get(term)
        if not near:
            return term
        return AnyOf((term, *(Term(word, term.field) for word in near)))

    return replace_terms(node, widen)
