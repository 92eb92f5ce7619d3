"""Duplicate-finder benchmark (issue 5): a full scan of 100,000 references.

The library is synthetic and built directly through the store (an import would merge the
planted duplicates itself): three quarters of the references have a real title (three
common words and four from a 20,000-word vocabulary), one to four authors, a year, and
some a DOI, an arXiv id or an abstract; the rest are arXiv listing records (provisional
title, abstract, arXiv id, no authors). Planted among them (1 % of the library, 1,000 at
100,000, and half as many near misses):

- duplicate pairs, one fifth each: the arXiv id with a version suffix; the DOI in upper
  case or as a doi.org URL; the title in another case with other punctuation (no
  identifiers, half a year apart); the title with a typo (no identifiers, half without
  authors); the listing record (provisional title, a word of the abstract edited) of a
  paper that has a real title and a DOI;
- near misses that must not cluster: a title word swapped for a different word; the same
  title by a different first author; the same title three or more years apart; a word and
  its negation ("adaptive" / "unadaptive"); a number added; a listing record whose
  abstract shares only its first sentence with another.

Measured: the full scan (``Library.duplicates``: reading the keys and clustering; the
median of three runs), the clusters found, precision (pairs in found clusters that are
planted pairs) and recall (planted pairs found in one cluster), near misses clustered,
and, on a copy of the library, merging every cluster found in one batch.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

from benchmarks import without_automatic_backups
from benchmarks.synthetic import WORDS, title_words
from refman.domain import Person, Reference

DEFAULT_RECORDS = 100_000
SEED = 5
TARGET_SCAN_S = 15.0
TARGET_PRECISION = 0.98
TARGET_RECALL = 0.98
DUPLICATE_KINDS = ("version suffix", "doi case", "title case", "title typo", "provisional")
NEAR_MISS_KINDS = (
    "word swapped",
    "first author",
    "years apart",
    "negation",
    "number",
    "abstract start",
)
_GIVEN = "Ada Bo Chen Dana Eli Fei Gus Hana Ivo Jun Kai Lea Min Nia Omar Pia".split()


@dataclass
class Plan:
    """The synthetic library and its truth, as citation keys."""

    refs: list[Reference] = field(default_factory=list)
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, key, key)
    near: list[tuple[str, str, str]] = field(default_factory=list)


class _Maker:
    """Deterministic synthetic references (``random.Random(SEED)``)."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.vocabulary = title_words(seed=3, count=20_000)
        self.families = [w.capitalize() for w in title_words(seed=4, count=5_000)]
        self.keys = 0
        self.arxiv = 0
        self.doi = 0

    def key(self) -> str:
        self.keys += 1
        return f"b{self.keys}"

    def arxiv_id(self, year: int) -> str:
        self.arxiv += 1
        return f"{year % 100:02d}{1 + self.arxiv % 12:02d}.{self.arxiv:05d}"

    def doi_of(self) -> str:
        self.doi += 1
        return f"10.{1000 + self.doi % 8000}/jx.{self.doi}.{self.rng.randint(100, 999)}"

    def abstract(self) -> str:
        rng, sentences = self.rng, []
        for _ in range(10):
            words = [
                rng.choice(self.vocabulary) if rng.random() < 0.2 else rng.choice(WORDS)
                for _ in range(rng.randint(14, 24))
            ]
            sentences.append(" ".join(words).capitalize() + ".")
        return " ".join(sentences)

    def authors(self, count: int | None = None) -> list[Person]:
        count = count or self.rng.randint(1, 4)
        return [
            Person(self.rng.choice(self.families), self.rng.choice(_GIVEN)) for _ in range(count)
        ]

    def title(self) -> str:
        words = self.rng.sample(WORDS, 3) + self.rng.sample(self.vocabulary, 4)
        self.rng.shuffle(words)
        return " ".join(w.capitalize() for w in words)

    def real(self) -> Reference:
        rng = self.rng
        year = rng.randint(2000, 2024)
        return Reference(
            entry_type=rng.choice(("article", "inproceedings")),
            citekey=self.key(),
            title=self.title(),
            year=year,
            authors=self.authors(),
            doi=self.doi_of() if rng.random() < 0.6 else "",
            arxiv_id=self.arxiv_id(year) if rng.random() < 0.3 else "",
            abstract=self.abstract() if rng.random() < 0.5 else "",
            venue=rng.choice(("CVPR", "ICCV", "NeurIPS", "ICML", "TPAMI", "")),
        )

    def listing(self, abstract: str | None = None, year: int | None = None) -> Reference:
        abstract = abstract or self.abstract()
        year = year or self.rng.randint(2015, 2024)
        return Reference(
            entry_type="preprint",
            citekey=self.key(),
            title=" ".join(abstract.split()[:10]) + " …",
            title_provisional=True,
            abstract=abstract,
            year=year,
            arxiv_id=self.arxiv_id(year),
            comments=f"{self.rng.randint(4, 14)} pages",
        )

    def typo(self, title: str) -> str:
        words = title.split()
        long = [n for n, w in enumerate(words) if len(w) >= 6]
        n = self.rng.choice(long)
        word, at = words[n], self.rng.randint(1, len(words[n]) - 3)
        if self.rng.random() < 0.5:
            words[n] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]  # swapped letters
        else:
            words[n] = word[:at] + word[at + 1 :]  # a letter dropped
        return " ".join(words)


def _duplicate(maker: _Maker, kind: str, original: Reference, n: int) -> Reference:
    """A second record of ``original``'s paper, as ``kind`` describes."""
    rng = maker.rng
    copy = replace(original, citekey=maker.key(), authors=list(original.authors), extra={})
    if kind == "version suffix":
        copy.arxiv_id = f"{original.arxiv_id}v{rng.randint(2, 4)}"
        copy.doi = ""
    elif kind == "doi case":
        copy.doi = original.doi.upper() if n % 2 else f"https://doi.org/{original.doi}"
        copy.title = original.title.upper()
        copy.arxiv_id = ""
    elif kind == "title case":
        words = original.title.lower().split()
        words[1] += ":"
        copy.title = " ".join(words) + "."
        copy.doi = copy.arxiv_id = copy.abstract = ""
        copy.year = (original.year or 2020) + (n % 2)
    elif kind == "title typo":
        copy.title = maker.typo(original.title)
        copy.doi = copy.arxiv_id = copy.abstract = ""
        if n % 2:
            copy.authors = []
    else:  # provisional: the arXiv listing record of a published paper
        words = original.abstract.split()
        at = rng.randint(5, 60)
        words[at] = rng.choice(WORDS)
        text = " ".join(words)
        copy = maker.listing(text.replace(". ", ".\n"), (original.year or 2020) - (n % 2))
    return copy


def _near_miss(maker: _Maker, kind: str, original: Reference) -> Reference:
    """A different paper that looks like ``original``."""
    from rapidfuzz import fuzz

    rng = maker.rng
    other = replace(
        original, citekey=maker.key(), doi="", arxiv_id="", authors=list(original.authors)
    )
    words = original.title.split()
    if kind == "word swapped":
        n = next(i for i, w in enumerate(words) if w.lower() in WORDS)
        choices = [w for w in WORDS if fuzz.ratio(w, words[n].lower()) < 60]
        words[n] = rng.choice(choices).capitalize()
        other.title = " ".join(words)
    elif kind == "first author":
        other.authors = maker.authors(1) + original.authors[1:]
        while other.authors[0].family == original.authors[0].family:
            other.authors = maker.authors(1) + original.authors[1:]
    elif kind == "years apart":
        other.year = (original.year or 2020) + rng.randint(3, 8)
    elif kind == "negation":
        n = rng.randrange(len(words))
        words[n] = "Un" + words[n].lower()
        other.title = " ".join(words)
    elif kind == "number":
        other.title = f"{original.title} {rng.randint(2, 9)}"
    else:  # a listing record whose abstract starts like the original's and then differs
        first = original.abstract.split(". ")[0]
        other = maker.listing(f"{first}. {maker.abstract()}", original.year)
    return other


def plan(records: int) -> Plan:
    """The references to insert (originals first) and the planted truth."""
    maker = _Maker()
    pairs_wanted = max(10, min(1000, records // 100))
    near_wanted = pairs_wanted // 2
    base_count = records - pairs_wanted - near_wanted
    out = Plan()
    base = [maker.real() if n % 4 else maker.listing() for n in range(base_count)]
    out.refs.extend(base)
    real = [r for r in base if not r.title_provisional]
    eligible = {
        "version suffix": [r for r in base if r.arxiv_id],
        "doi case": [r for r in real if r.doi],
        "title case": real,
        "title typo": [r for r in real if any(len(w) >= 6 for w in r.title.split())],
        "provisional": [r for r in real if r.abstract and not r.arxiv_id],
        "word swapped": [r for r in real if any(w.lower() in WORDS for w in r.title.split())],
        "first author": real,
        "years apart": real,
        "negation": real,
        "number": real,
        "abstract start": [r for r in real if r.abstract],
    }
    used: set[str] = set()

    def pick(kind: str) -> Reference:
        while True:
            ref = maker.rng.choice(eligible[kind])
            if ref.citekey not in used:
                used.add(ref.citekey)
                return ref

    for n in range(pairs_wanted):
        kind = DUPLICATE_KINDS[n % len(DUPLICATE_KINDS)]
        original = pick(kind)
        copy = _duplicate(maker, kind, original, n // len(DUPLICATE_KINDS))
        out.refs.append(copy)
        out.pairs.append((kind, original.citekey, copy.citekey))
    for n in range(near_wanted):
        kind = NEAR_MISS_KINDS[n % len(NEAR_MISS_KINDS)]
        original = pick(kind)
        other = _near_miss(maker, kind, original)
        out.refs.append(other)
        out.near.append((kind, original.citekey, other.citekey))
    return out


def build(path: Path, the_plan: Plan) -> dict[str, Any]:
    """Write the planned references into a new library at ``path``."""
    from refman.app import open_library

    started = time.perf_counter()
    library = open_library(str(path))
    try:
        with library.store.unit_of_work(bulk=True) as uow:
            uow.pause_search_index()
            ids: list[int] = []
            for start in range(0, len(the_plan.refs), 5000):
                ids += uow.insert_references(the_plan.refs[start : start + 5000])
            uow.resume_search_index(ids)
        library.search_index_catch_up()
        library.store.checkpoint()
    finally:
        library.store.close()
    return {"build_s": round(time.perf_counter() - started, 1)}


def _ids_by_key(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute('SELECT citekey, id FROM "references"').fetchall())


def measure(path: Path, the_plan: Plan, runs: int = 3) -> dict[str, Any]:
    """Scan ``runs`` times; score the clusters against the plan; merge them on a copy."""
    from refman.app import open_library
    from refman.services.duplicates import find_duplicates

    ids = _ids_by_key(path)
    truth = {frozenset((ids[a], ids[b])): kind for kind, a, b in the_plan.pairs}
    near = {frozenset((ids[a], ids[b])): kind for kind, a, b in the_plan.near}
    library = open_library(str(path))
    try:
        times, key_times = [], []
        for _ in range(runs):
            started = time.perf_counter()
            keys = library.store.duplicate_keys()
            key_times.append(time.perf_counter() - started)
            clusters = find_duplicates(keys, library.store.not_duplicate_pairs())
            times.append(time.perf_counter() - started)
        assert clusters == library.duplicates()
    finally:
        library.store.close()
    found = {frozenset(p) for c in clusters for p in combinations(c.ids, 2)}
    hits = found & truth.keys()
    missed: dict[str, int] = {}
    for pair, kind in truth.items():
        if pair not in found:
            missed[kind] = missed.get(kind, 0) + 1
    near_hits: dict[str, int] = {}
    for pair, kind in near.items():
        if pair in found:
            near_hits[kind] = near_hits.get(kind, 0) + 1
    figures: dict[str, Any] = {
        "records": len(ids),
        "planted_pairs": len(truth),
        "near_misses": len(near),
        "scan_s": round(statistics.median(times), 2),
        "read_keys_s": round(statistics.median(key_times), 2),
        "clusters": len(clusters),
        "found_pairs": len(found),
        "precision": round(len(hits) / len(found), 4) if found else 1.0,
        "recall": round(len(hits) / len(truth), 4),
        "missed_by_kind": missed,
        "near_misses_clustered": near_hits,
        "by_reason": {
            reason: sum(1 for c in clusters if c.reason == reason)
            for reason in sorted({c.reason for c in clusters})
        },
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    figures.update(_merge_all(path, clusters))
    return figures


def _merge_all(path: Path, clusters: list[Any]) -> dict[str, Any]:
    """Merge every cluster found, in one batch, on a copy of the library."""
    from refman.app import open_library

    with tempfile.TemporaryDirectory(prefix="refman-bench-dup-merge-") as tmp:
        copy = Path(tmp) / "copy.sqlite"
        with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        library = open_library(str(copy))
        try:
            started = time.perf_counter()
            changed, _records = library.merge_clusters(clusters)
            seconds = time.perf_counter() - started
            left = len(library.duplicates())
        finally:
            library.store.close()
    return {"merge_all_s": round(seconds, 2), "merged": changed.count, "left_after": left}


def report(figures: dict[str, Any]) -> None:
    """Print the Markdown table."""
    scan_ok = figures["scan_s"] <= TARGET_SCAN_S
    p_ok, r_ok = figures["precision"] >= TARGET_PRECISION, figures["recall"] >= TARGET_RECALL
    print(
        f"\nDuplicate benchmark, library of {figures['records']:,} references, "
        f"{figures['planted_pairs']:,} planted duplicate pairs and "
        f"{figures['near_misses']:,} near misses\n"
    )
    print("| measure | value | target | met? |")
    print("|---|---:|---|---|")
    yes = {True: "yes", False: "**no**"}
    print(
        f"| full scan (read keys {figures['read_keys_s']} s + cluster) | {figures['scan_s']} s "
        f"| ≤ {TARGET_SCAN_S} s | {yes[scan_ok]} |"
    )
    print(f"| precision (pairs) | {figures['precision']} | ≥ {TARGET_PRECISION} | {yes[p_ok]} |")
    print(f"| recall (planted pairs) | {figures['recall']} | ≥ {TARGET_RECALL} | {yes[r_ok]} |")
    print(f"| clusters found | {figures['clusters']:,} | — | — |")
    print(f"| near misses clustered | {sum(figures['near_misses_clustered'].values())} | 0 | — |")
    print(
        f"| batch merge of every cluster (one transaction) | {figures['merge_all_s']} s | — | — |"
    )
    peak = figures["peak_mb"]
    print(f"| peak memory (this process, the planned references included) | {peak} MB | — | — |")


def main() -> None:
    """Build or reuse the library, measure, print the table and the JSON figures."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--library", type=Path, help="library to reuse or create")
    args = parser.parse_args()
    started = time.perf_counter()
    the_plan = plan(args.records)
    plan_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="refman-bench-duplicates-") as tmp:
        path = args.library.resolve() if args.library else Path(tmp) / "library.sqlite"
        built: dict[str, Any] = {"reused": path.exists()}
        if not path.exists():
            print(f"building a library of {args.records:,} references …", file=sys.stderr)
            built.update(build(path, the_plan))
        elif len(_ids_by_key(path)) != len(the_plan.refs):
            raise SystemExit(f"{path} is not this benchmark's library: remove it")
        figures = measure(path, the_plan)
    figures.update(built, plan_s=round(plan_s, 1))
    report(figures)
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
