"""Duplicates: finding references that are one paper, and merging them (undoably).

The finder clusters the library's live references by arXiv id (version-less; an arXiv DOI
``10.48550/arXiv.<id>`` or an arxiv.org URL counts as the id), DOI (case-insensitive), a
matching title (``matching.titles_match``) of the same work (``matching.works_compatible``:
a year apart at most, the same first author, the same kind), and, for a reference whose
title is provisional, a near-identical abstract. It never compares all pairs: titles are
blocked by their rarest words (as ``matching.TitleIndex``), abstracts by a content-defined
sample of their word trigrams. Two references with different arXiv ids or different DOIs
are never a title or abstract match, and pairs marked "not a duplicate" are never put in
one cluster.

A merge keeps one reference (the master) and moves the others to the Trash with a marker
(``merged_references``); what it changed is returned as a ``MergeRecord`` that
``unmerge_references`` reverses exactly.
"""

from __future__ import annotations

import contextlib
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz, process

from refman.domain import Person, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.domain.text import Work, split_arxiv_version, title_key, work_of
from refman.services.errors import UserError
from refman.services.importing import merge_into
from refman.services.matching import TITLE_SIMILARITY_THRESHOLD, titles_match, works_compatible
from refman.storage.store import ConflictError, DuplicateKeys, NotFoundError, UnitOfWork

ARXIV, DOI, TITLE, ABSTRACT = "arxiv id", "doi", "title", "abstract"
REASONS = (ARXIV, DOI, TITLE, ABSTRACT)
"""Why references were clustered, strongest first."""

ABSTRACT_CHARS = 500
"""How much of an abstract (folded, punctuation-free) is compared."""
MIN_ABSTRACT_CHARS = 100
"""Shorter abstracts ("No abstract available.") are not compared."""
ABSTRACT_SIMILARITY_THRESHOLD = 90.0
"""rapidfuzz ``ratio`` of two abstracts' starts at or above which a provisional-title
reference is the paper of the other: the same text with a few words edited (a typo, a
revised sentence) scores 93-99; two abstracts sharing a first sentence and nothing else
about 60, two abstracts of one field written from the same words about 55."""

IDENTIFIER_CONFIDENCE = 1.0
CONFLICTING_TITLES_CONFIDENCE = 0.8
"""An identifier match whose two real titles have nothing in common (a DOI pasted into
the wrong reference?) is reported at this confidence instead."""
MISSING_AUTHORS_FACTOR = 0.9
"""A title match where a side has no authors is less sure: the authors were not checked."""
YEAR_FACTOR = 0.95
"""... and where a year is missing or the years differ by one."""
ABSTRACT_FACTOR = 0.95
"""An abstract match is less sure than a title match of the same similarity."""

_MIN_BLOCK_TOKEN = 4
_PROBE_TOKENS = 3
_PROBE_BUDGET = 2000
"""A title is compared with the titles sharing one of its two rarest words, and those
sharing the third rarest when that adds few (a typo in one word is still found through
the others; a title of common words only does not compare itself with thousands)."""
_SAMPLE_MASK = 7
"""An abstract's trigrams whose hash is 0 modulo 8 index it (about one in eight, chosen
by content, so two near-identical abstracts sample the same trigrams)."""
_LARGE_GROUP = 100
_LARGE_GROUP_WINDOW = 10
_COMMON_POSTING = 64
"""A sampled trigram shared by more abstracts than this ("in this paper") is not a sign
of anything and is skipped."""
_SHARED_SAMPLES = 2
"""Abstracts are compared when they share this many sampled trigrams (one, when an
abstract has that few): a near-identical abstract shares nearly all of its six or so,
two unrelated ones written from the same common phrases seldom more than one, and
comparing those (a hundred times more pairs) would be most of a scan's time."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """References the finder takes for one paper.

    ``reason`` is why its least certain link matched (one of ``REASONS``), ``confidence``
    that link's confidence (0..1), ``reasons`` every reason found among its members,
    strongest first."""

    ids: tuple[int, ...]
    reason: str
    confidence: float
    reasons: tuple[str, ...] = ()


# ------------------------------------------------------------------------------ finder
def arxiv_key(identifier: str) -> str:
    """An arXiv id for comparing: lower case, without ``arXiv:`` and version suffix."""
    text = identifier.strip().lower().removeprefix("arxiv:")
    return split_arxiv_version(text)[0]


def doi_key(doi: str) -> str:
    """A DOI for comparing: lower case, without a resolver prefix."""
    text = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        text = text.removeprefix(prefix)
    return text.strip()


_ARXIV_DOI_PREFIX = "10.48550/arxiv."
_ARXIV_URL_MARKERS = ("arxiv.org/abs/", "arxiv.org/pdf/")


def _arxiv_from_url(url: str) -> str:
    lowered = url.strip().lower()
    for marker in _ARXIV_URL_MARKERS:
        at = lowered.find(marker)
        if at >= 0:
            rest = lowered[at + len(marker) :].split("?")[0].split("#")[0].removesuffix(".pdf")
            return arxiv_key(rest.rstrip("/"))
    return ""


class _WordIds(dict[str, int]):
    """Stable integer ids of words (CRC-32), so trigram hashes do not depend on Python's
    per-process string hashing and a scan gives the same clusters every time."""

    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode())
        return value


class _Finder:
    """One scan: the keys of the live references, turned into weighted edges, then into
    clusters (``clusters``)."""

    def __init__(self, keys: Sequence[DuplicateKeys], not_duplicates: set[tuple[int, int]]):
        self.keys = keys
        self.not_duplicates = not_duplicates
        self.works: list[Work] = [work_of(k.year, k.first_author, k.entry_type) for k in keys]
        self.arxiv: list[frozenset[str]] = []
        self.doi: list[str] = []
        # (confidence, reason priority, index a, index b)
        self.edges: list[tuple[float, int, int, int]] = []

    # --- identifiers -----------------------------------------------------------------
    def identifiers(self) -> None:
        by_arxiv: dict[str, list[int]] = defaultdict(list)
        by_doi: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(self.keys):
            found: set[str] = set()
            if k.arxiv_id:
                found.add(arxiv_key(k.arxiv_id))
            doi = doi_key(k.doi) if k.doi else ""
            if doi.startswith(_ARXIV_DOI_PREFIX):
                found.add(arxiv_key(doi[len(_ARXIV_DOI_PREFIX) :]))
                doi = ""
            if k.url and "arxiv.org/" in k.url.lower():
                found.add(_arxiv_from_url(k.url))
            found.discard("")
            self.arxiv.append(frozenset(found))
            self.doi.append(doi)
            for key in found:
                by_arxiv[key].append(i)
            if doi:
                by_doi[doi].append(i)
        for priority, groups in enumerate((by_arxiv, by_doi)):
            for members in groups.values():
                for n in range(1, len(members)):
                    for a, b in {(members[0], members[n]), (members[n - 1], members[n])}:
                        self.edges.append((self._identifier_confidence(a, b), priority, a, b))

    def _identifier_confidence(self, a: int, b: int) -> float:
        ka, kb = self.keys[a], self.keys[b]
        if (
            ka.title_key
            and kb.title_key
            and not (ka.title_provisional or kb.title_provisional)
            and fuzz.token_set_ratio(ka.title_key, kb.title_key) < 60
        ):
            return CONFLICTING_TITLES_CONFIDENCE
        return IDENTIFIER_CONFIDENCE

    def _compatible(self, a: int, b: int) -> bool:
        """Whether a title or abstract match between ``a`` and ``b`` may stand: the same
        work, and no two different arXiv ids or DOIs."""
        if not works_compatible(self.works[a], self.works[b]):
            return False
        arxiv_a, arxiv_b = self.arxiv[a], self.arxiv[b]
        if arxiv_a and arxiv_b and arxiv_a.isdisjoint(arxiv_b):
            return False
        doi_a, doi_b = self.doi[a], self.doi[b]
        return not (doi_a and doi_b and doi_a != doi_b)

    def _confidence(self, a: int, b: int, similarity: float) -> float:
        ka, kb = self.keys[a], self.keys[b]
        confidence = similarity / 100
        if not (ka.first_author and kb.first_author):
            confidence *= MISSING_AUTHORS_FACTOR
        if ka.year is None or kb.year is None or ka.year != kb.year:
            confidence *= YEAR_FACTOR
        return confidence

    # --- titles ------------------------------------------------------------------------
    def titles(self) -> None:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(self.keys):
            if k.title_key and not k.title_provisional:
                groups[k.title_key].append(i)
        titles = list(groups)
        postings: dict[str, list[int]] = defaultdict(list)
        tokens_of: list[list[str]] = []
        for n, key in enumerate(titles):
            tokens = list(dict.fromkeys(t for t in key.split() if len(t) >= _MIN_BLOCK_TOKEN))
            tokens = tokens or key.split()[:1]
            tokens_of.append(tokens)
            for token in tokens:
                postings[token].append(n)
        texts: dict[str, list[str]] = {t: [titles[n] for n in ns] for t, ns in postings.items()}
        pairs: dict[tuple[int, int], float] = {}
        for n, key in enumerate(titles):
            probes = sorted(tokens_of[n], key=lambda t: len(postings[t]))[:_PROBE_TOKENS]
            numbers: list[int] = []
            choices: list[str] = []
            for rank, token in enumerate(probes):
                if rank >= 2 and len(numbers) + len(postings[token]) > _PROBE_BUDGET:
                    break
                numbers += postings[token]
                choices += texts[token]
            if len(numbers) == 1:
                continue  # only the title itself
            for _choice, score, at in process.extract(
                key, choices, scorer=fuzz.ratio, score_cutoff=TITLE_SIMILARITY_THRESHOLD, limit=None
            ):
                m = numbers[at]
                if m != n:
                    pairs[(n, m) if n < m else (m, n)] = score
        for members in groups.values():
            self._title_edges(members, members, 100.0)
        for (n, m), score in pairs.items():
            if titles_match(titles[n], titles[m]):  # (opposite words excluded there)
                self._title_edges(groups[titles[n]], groups[titles[m]], score)

    def _title_edges(self, left: list[int], right: list[int], score: float) -> None:
        same = left is right
        window = len(left)
        if same and window > _LARGE_GROUP:
            # A title hundreds of references share ("Editorial"): compare neighbours by
            # first author and year only, not every pair.
            left = right = sorted(left, key=lambda i: (self.works[i][1], self.works[i][0] or 0))
            window = _LARGE_GROUP_WINDOW
        for x, a in enumerate(left):
            for b in right[x + 1 : x + 1 + window] if same else right:
                if self._compatible(a, b):
                    self.edges.append((self._confidence(a, b, score), 2, a, b))

    # --- abstracts ---------------------------------------------------------------------
    def abstracts(self) -> None:
        provisional = [
            i for i, k in enumerate(self.keys) if (k.title_provisional or not k.title_key)
        ]
        if not provisional:
            return
        texts: dict[int, str] = {}
        samples: dict[int, set[int]] = {}
        word_ids = _WordIds()
        for i, k in enumerate(self.keys):
            if len(k.abstract) < MIN_ABSTRACT_CHARS:
                continue
            text = title_key(k.abstract)[:ABSTRACT_CHARS]
            if len(text) < MIN_ABSTRACT_CHARS:
                continue
            ids = list(map(word_ids.__getitem__, text.split()))
            hashes = set(map(hash, zip(ids, ids[1:], ids[2:], strict=False)))
            if not hashes:
                continue
            sample = {h for h in hashes if not h & _SAMPLE_MASK}
            sample.add(min(hashes))
            texts[i] = text
            samples[i] = sample
        postings: dict[int, list[int]] = defaultdict(list)
        for i in provisional:
            for h in samples.get(i, ()):
                postings[h].append(i)
        seen: set[tuple[int, int]] = set()
        for i, sample in samples.items():
            shared: Counter[int] = Counter()
            for h in sample:
                found = postings.get(h)
                if found is not None and len(found) <= _COMMON_POSTING:
                    shared.update(found)
            needed = _SHARED_SAMPLES if len(sample) > _SHARED_SAMPLES else 1
            text = texts[i]
            for j, count in shared.items():
                if count < needed or j == i:
                    continue
                pair = (i, j) if i < j else (j, i)
                if pair in seen:
                    continue
                seen.add(pair)
                score = fuzz.ratio(text, texts[j], score_cutoff=ABSTRACT_SIMILARITY_THRESHOLD)
                if score and self._compatible(i, j):
                    confidence = self._confidence(i, j, score) * ABSTRACT_FACTOR
                    self.edges.append((confidence, 3, i, j))

    # --- clusters ------------------------------------------------------------------------
    def clusters(self) -> list[Cluster]:
        """Edges joined strongest first (Kruskal), never across a "not a duplicate" pair:
        a cluster's confidence is that of the weakest edge that joined it."""
        ids = [k.id for k in self.keys]
        parent: dict[int, int] = {}
        members: dict[int, list[int]] = {}
        weakest: dict[int, tuple[float, int]] = {}
        reasons: dict[int, set[int]] = {}
        forbidden: dict[int, set[int]] = defaultdict(set)
        for a, b in self.not_duplicates:
            forbidden[a].add(b)
            forbidden[b].add(a)

        def root(x: int) -> int:
            while (up := parent.get(x, x)) != x:
                parent[x] = x = parent.get(up, up)  # path halving
            return x

        self.edges.sort(key=lambda e: (-e[0], e[1]))
        for confidence, priority, a, b in self.edges:
            ra, rb = root(ids[a]), root(ids[b])
            if ra == rb:
                reasons[ra].add(priority)
                continue
            left = members.get(ra, [ra])
            right = members.get(rb, [rb])
            if forbidden and (
                any(not forbidden[x].isdisjoint(right) for x in left if x in forbidden)
            ):
                continue
            if len(left) < len(right):
                ra, rb, left, right = rb, ra, right, left
            parent[rb] = ra
            members[ra] = left + right
            members.pop(rb, None)
            weakest[ra] = (confidence, priority)  # edges come strongest first
            reasons[ra] = reasons.pop(ra, set()) | reasons.pop(rb, set()) | {priority}
            weakest.pop(rb, None)
        out = []
        for r, group in members.items():
            confidence, priority = weakest[r]
            out.append(
                Cluster(
                    ids=tuple(sorted(group)),
                    reason=REASONS[priority],
                    confidence=round(confidence, 4),
                    reasons=tuple(REASONS[p] for p in sorted(reasons[r])),
                )
            )
        out.sort(key=lambda c: (-c.confidence, c.ids[0]))
        return out


def find_duplicates(
    keys: Sequence[DuplicateKeys], not_duplicates: Iterable[tuple[int, int]] = ()
) -> list[Cluster]:
    """Clusters of duplicates among ``keys`` (``Store.duplicate_keys``), surest first;
    ``not_duplicates`` pairs are never in one cluster."""
    finder = _Finder(keys, {(min(a, b), max(a, b)) for a, b in not_duplicates})
    finder.identifiers()
    finder.titles()
    finder.abstracts()
    return finder.clusters()


# ------------------------------------------------------------------------------- merge
CHOOSABLE_FIELDS = frozenset((set(REFERENCE_FIELDS) - {"title_provisional"}) | {"authors"})
"""Fields a merge's ``choices`` may take from a given reference (``title`` brings its
provisional flag along)."""

_NULLABLE = ("arxiv_id", "doi")
"""Stored as NULL when empty (several references may lack one; none may share one)."""

_SCORED_FIELDS = tuple(
    name for name in REFERENCE_FIELDS if name not in {"citekey", "title", "title_provisional"}
)


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """What one merge changed, for ``unmerge_references``.

    ``master_before`` holds the master's fields the merge changed, as they were;
    ``authors_before`` its authors if they were replaced; ``tags_added`` and
    ``collections_added`` what it gained of those; ``freed`` the unique fields
    (citation key, arXiv id) of merged references that were changed to hand their value
    to the master; ``moved`` the notes, attachments and provenance rows moved to the
    master, as ``(kind, row id, from reference)``; ``versions`` every reference's version
    after the merge (an undo checks nobody changed them since)."""

    master: int
    merged: tuple[int, ...]
    master_before: dict[str, Any] = field(default_factory=dict)
    authors_before: tuple[Person, ...] | None = None
    freed: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags_added: tuple[str, ...] = ()
    collections_added: tuple[int, ...] = ()
    moved: tuple[tuple[str, int, int], ...] = ()
    not_duplicates_added: tuple[tuple[int, int], ...] = ()
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def reference_ids(self) -> frozenset[int]:
        """The master and the merged references."""
        return frozenset((self.master, *self.merged))


def filled_score(ref: Reference) -> int:
    """How complete a reference is: fields filled, a real title, authors."""
    score = sum(1 for name in _SCORED_FIELDS if getattr(ref, name) not in (None, "", {}))
    score += 2 if ref.title and not ref.title_provisional else 0
    return score + (1 if ref.authors else 0)


def choose_master(refs: Sequence[Reference]) -> Reference:
    """The default master: the most complete reference, then the oldest."""
    return min(
        refs,
        key=lambda r: (
            -filled_score(r),
            r.added.timestamp() if r.added else float("inf"),
            r.id or 0,
        ),
    )


def _merged_values(
    master: Reference,
    others: Sequence[Reference],
    by_id: Mapping[int, Reference],
    choices: Mapping[str, int],
) -> tuple[Reference, list[Person]]:
    """The master's fields and authors after the merge: filled from the others as an
    import merges a record (``merge_into``), then overridden by ``choices``."""
    result = replace(master, extra=dict(master.extra), authors=list(master.authors))
    for other in others:
        merge_into(result, other)
    authors = list(master.authors)
    if not authors:
        authors = next((list(o.authors) for o in others if o.authors), [])
    for name, source_id in choices.items():
        source = by_id[source_id]
        if name == "authors":
            authors = list(source.authors)
        elif name == "title":
            result.title, result.title_provisional = source.title, source.title_provisional
        elif name == "extra":
            result.extra = dict(source.extra)
        else:
            setattr(result, name, getattr(source, name))
    return result, authors


def merge_references(
    uow: UnitOfWork,
    ref_ids: Sequence[int],
    master: int | None = None,
    choices: Mapping[str, int] | None = None,
    versions: Mapping[int, int] | None = None,
) -> MergeRecord:
    """Merge ``ref_ids`` into ``master`` (default: ``choose_master``) inside ``uow``.

    Fields: the master's, empty ones filled from the others (``merge_into``), then
    ``choices`` (field name -> the reference whose value wins; ``authors`` too). Tags,
    collections, notes, attachments, provenance and "not a duplicate" pairs are unioned
    into the master; the others go to the Trash, marked as merged. ``versions``: the
    versions the caller saw (a reference changed since raises ``ConflictError``)."""
    ids = list(dict.fromkeys(ref_ids))
    if len(ids) < 2:
        raise UserError("a merge needs at least two references")
    if master is not None and master not in ids:
        ids.insert(0, master)
    choices = dict(choices or {})
    states = uow.reference_states(ids)
    missing = [i for i in ids if i not in states]
    if missing:
        raise NotFoundError(f"no reference {missing[0]}")
    trashed = [i for i in ids if states[i][1]]
    if trashed:
        raise UserError(f"reference {trashed[0]} is in the Trash; restore it before merging")
    for ref_id, version in (versions or {}).items():
        if ref_id in states and states[ref_id][0] != version:
            raise ConflictError(f"reference {ref_id} was changed by someone else")
    unknown = sorted(set(choices) - CHOOSABLE_FIELDS)
    if unknown:
        raise UserError(f"{unknown[0]}: not a field a merge can choose")
    strangers = sorted({v for v in choices.values() if v not in ids})
    if strangers:
        raise UserError(f"reference {strangers[0]} is not one of the references merged")

    refs = uow.references(ids, attachments=True)
    by_id = {r.id: r for r in refs if r.id is not None}
    target = by_id[master] if master is not None else choose_master(refs)
    master_id = target.id
    assert master_id is not None
    others = [by_id[i] for i in ids if i != master_id]
    merged, authors = _merged_values(target, others, by_id, choices)
    changes = {
        name: getattr(merged, name)
        for name in REFERENCE_FIELDS
        if getattr(merged, name) != getattr(target, name)
    }
    master_before = {name: getattr(target, name) for name in changes}

    # Unique values handed to the master are first taken from their old holders.
    freed: dict[int, dict[str, Any]] = {}
    swapped_keys: dict[int, str] = {}
    for other in others:
        assert other.id is not None
        if "arxiv_id" in changes and changes["arxiv_id"] and other.arxiv_id == changes["arxiv_id"]:
            freed.setdefault(other.id, {})["arxiv_id"] = other.arxiv_id
        if "citekey" in changes and other.citekey == changes["citekey"]:
            freed.setdefault(other.id, {})["citekey"] = other.citekey
            swapped_keys[other.id] = target.citekey
    for other_id, values in freed.items():
        uow.update_fields(other_id, _placeholders(other_id, values))
    uow.update_checked(master_id, states[master_id][0], _as_stored(changes))
    for other_id, key in swapped_keys.items():
        uow.update_fields(other_id, {"citekey": key})
    authors_before = None
    if [(p.family, p.given) for p in authors] != [(p.family, p.given) for p in target.authors]:
        authors_before = tuple(target.authors)
        uow.replace_authors(master_id, authors)

    tags_added = _union_tags(uow, target, others)
    moved = _move_rows(uow, target, others)
    other_ids = [o.id for o in others if o.id is not None]
    collections = uow.collection_ids([master_id, *other_ids])
    collections_added = sorted(
        set().union(*(collections.get(i, set()) for i in other_ids))
        - collections.get(master_id, set())
    )
    for collection_id in collections_added:
        uow.add_to_collection(collection_id, [master_id])
    partners = uow.not_duplicate_pairs(other_ids)
    inherited = {
        (master_id, b if a in other_ids else a) for a, b in partners if not ({a, b} <= set(ids))
    }
    not_duplicates_added = uow.add_not_duplicates(inherited)
    uow.set_trashed(other_ids, True)
    uow.mark_merged(master_id, other_ids)
    after = uow.reference_states(ids)
    return MergeRecord(
        master=master_id,
        merged=tuple(other_ids),
        master_before=master_before,
        authors_before=authors_before,
        freed=freed,
        tags_added=tuple(tags_added),
        collections_added=tuple(collections_added),
        moved=tuple(moved),
        not_duplicates_added=tuple(not_duplicates_added),
        versions={ref_id: state[0] for ref_id, state in after.items()},
    )


def _as_stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as ``update_checked`` must write them (an empty arXiv id or DOI is NULL)."""
    return {n: (v or None) if n in _NULLABLE else v for n, v in values.items()}


def _placeholders(ref_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """Stand-ins for unique values a reference hands over: no arXiv id, a key no one
    can type ("#" is not allowed in keys; NUL, which PostgreSQL's text refuses, is not
    needed)."""
    return {name: (f"#merging-{ref_id}" if name == "citekey" else "") for name in values}


def _union_tags(uow: UnitOfWork, master: Reference, others: Sequence[Reference]) -> list[str]:
    have = {t.casefold() for t in master.tags}
    added: list[str] = []
    for other in others:
        for name in other.tags:
            if name.casefold() not in have:
                have.add(name.casefold())
                added.append(name)
    if added:
        assert master.id is not None
        uow.tag([master.id], added)
    return added


def _move_rows(
    uow: UnitOfWork, master: Reference, others: Sequence[Reference]
) -> list[tuple[str, int, int]]:
    """Move the others' notes, attachments and provenance the master lacks (the same
    text, location or raw record stays behind)."""
    assert master.id is not None
    moved: list[tuple[str, int, int]] = []
    texts = {n.text for n in master.notes}
    locations = {a.location for a in master.attachments}
    provenance = uow.provenance_ids([master.id, *(o.id for o in others if o.id is not None)])
    hashes = {digest for _row, digest in provenance.get(master.id, [])}
    for other in others:
        assert other.id is not None
        for note in other.notes:
            if note.id is not None and note.text not in texts:
                texts.add(note.text)
                moved.append(("notes", note.id, other.id))
        for attachment in other.attachments:
            if attachment.id is not None and attachment.location not in locations:
                locations.add(attachment.location)
                moved.append(("attachments", attachment.id, other.id))
        for row_id, digest in provenance.get(other.id, []):
            if digest not in hashes:
                hashes.add(digest)
                moved.append(("provenance", row_id, other.id))
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, row_id, _from in moved:
        by_kind[kind].append(row_id)
    for kind, row_ids in by_kind.items():
        uow.reassign(kind, row_ids, master.id)
    return moved


def unmerge_references(uow: UnitOfWork, record: MergeRecord) -> None:
    """Undo a merge inside ``uow``: the master gets its fields, authors, tags and rows
    back, the merged references leave the Trash with what they had. Raises
    ``ConflictError`` when any of them changed since the merge (undo those changes
    first) and ``NotFoundError`` when one was deleted (the Trash was emptied)."""
    states = uow.reference_states(list(record.reference_ids))
    for ref_id in record.reference_ids:
        if ref_id not in states:
            raise NotFoundError(
                f"reference {ref_id} no longer exists (the Trash was emptied): "
                "the merge cannot be undone"
            )
        if states[ref_id][0] != record.versions.get(ref_id):
            raise ConflictError(
                f"reference {ref_id} changed after the merge: undo that change first"
            )
    for ref_id, values in record.freed.items():
        uow.update_fields(ref_id, _placeholders(ref_id, values))
    uow.update_checked(record.master, states[record.master][0], _as_stored(record.master_before))
    for ref_id, values in record.freed.items():
        uow.update_fields(ref_id, dict(values))
    if record.authors_before is not None:
        uow.replace_authors(record.master, record.authors_before)
    for name in record.tags_added:
        with contextlib.suppress(NotFoundError):  # the tag was deleted since
            uow.untag([record.master], name)
    for collection_id in record.collections_added:
        uow.remove_from_collection(collection_id, [record.master])
    back: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kind, row_id, from_id in record.moved:
        back[(kind, from_id)].append(row_id)
    for (kind, from_id), row_ids in back.items():
        uow.reassign(kind, row_ids, from_id)
    uow.remove_not_duplicates(record.not_duplicates_added)
    uow.unmark_merged(list(record.merged))
    uow.set_trashed(list(record.merged), False)
