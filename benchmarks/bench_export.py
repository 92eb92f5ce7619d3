"""Export benchmarks (issue 4) on a library of 100,000 references.

1. Export 10,000 selected references to BibTeX and to CSL-JSON through
   ``Library.export``: loading them from the library, rendering, writing the file
   atomically (target <= 0.5 s and <= 0.3 s).
2. A formatted APA bibliography of 1,000 references (<= 3 s): the library's references,
   arXiv listings without authors and with provisional titles, the slowest case for APA
   (the title stands in for the authors, in the entry and in its sort key), and the same
   references as a typical bibliography holds them (``typical``: authors, a real title,
   a journal or proceedings with volume, pages and DOI; a tenth left preprints).
3. Copy Citation for one reference: ``format_citations`` of one reference in APA, the
   style already loaded, as the window's second and later copies are (<= 50 ms); the
   first call, which parses the style, is reported beside it.

Each figure is the median of a few runs; the selection is every tenth reference, so it
is spread over the library as a user's selection is.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import without_automatic_backups
from benchmarks.bench_gui import DEFAULT_RECORDS, ensure_library
from benchmarks.synthetic import VENUES, WORDS, title_words

if TYPE_CHECKING:
    from refman.domain import Reference

RUNS = 5
TARGETS_S = {
    "bibtex_10000_s": 0.5,
    "csljson_10000_s": 0.3,
    "apa_1000_s": 3.0,
    "apa_1000_typical_s": 3.0,
    "copy_citation_ms": 50.0,
}


def _median_s(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def typical(refs: list[Reference], seed: int = 4) -> list[Reference]:
    """``refs`` with what a researcher's bibliography holds (deterministic): one to eight
    authors (surnames from a pool, so some recur), a real title; half journal articles
    (volume, issue, pages), four in ten proceedings papers (pages), the rest preprints;
    a DOI for each published one."""
    from refman.domain import Person

    rng = random.Random(seed)
    surnames = [word.capitalize() for word in title_words(seed=9, count=400)]
    given = [word.capitalize() for word in title_words(seed=10, count=100)]
    out = []
    for ref in refs:
        authors = [
            Person(family=rng.choice(surnames), given=rng.choice(given))
            for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8)))
        ]
        title = " ".join(rng.choices(WORDS, k=rng.randint(5, 12))).capitalize()
        roll = rng.random()
        fields: dict[str, Any] = {"authors": authors, "title": title, "title_provisional": False}
        if roll < 0.5:
            first = rng.randint(1, 900)
            fields.update(
                entry_type="article",
                venue=f"Journal of {rng.choice(WORDS).capitalize()} Research",
                volume=str(rng.randint(1, 60)),
                issue=str(rng.randint(1, 12)),
                pages=f"{first}--{first + rng.randint(5, 30)}",
                doi=f"10.{rng.randint(1000, 9999)}/j.{rng.randint(10**5, 10**6)}",
            )
        elif roll < 0.9:
            first = rng.randint(1, 9000)
            fields.update(
                entry_type="inproceedings",
                venue=rng.choice(VENUES),
                pages=f"{first}--{first + rng.randint(7, 11)}",
                doi=f"10.1109/{rng.choice(VENUES)}.{rng.randint(10**5, 10**6)}",
            )
        out.append(dataclasses.replace(ref, **fields))
    return out


def measure(library_path: Path, work: Path) -> dict[str, Any]:
    """Run the measures on the library at ``library_path``; files go to ``work``."""
    from refman.app import open_library
    from refman.domain.query import ReferenceQuery
    from refman.services import citing
    from refman.services.exporting import ExportRequest

    library = open_library(str(library_path))
    try:
        ids = library.query_ids(ReferenceQuery())
        selection = ids[::10][:10_000]
        figures: dict[str, Any] = {"records": len(ids), "selected": len(selection)}
        for kind in ("bibtex", "csljson"):
            target = work / f"export.{kind}"
            request = ExportRequest(kind)
            figures[f"{kind}_10000_s"] = round(
                _median_s(lambda t=target, r=request: library.export(selection, r, t)), 3
            )
            figures[f"{kind}_bytes"] = target.stat().st_size
        thousand = library.store.references(selection[:1000])
        figures["apa_1000_s"] = round(
            _median_s(lambda: citing.format_bibliography(thousand, "apa", "text"), runs=3), 2
        )
        usual = typical(thousand)
        figures["apa_1000_typical_s"] = round(
            _median_s(lambda: citing.format_bibliography(usual, "apa", "text"), runs=3), 2
        )
        one = library.store.references(selection[:1])
        started = time.perf_counter()
        citing.format_citations(one, "ieee", "text")  # a style not used above: first use
        figures["copy_citation_first_ms"] = round((time.perf_counter() - started) * 1000, 1)
        figures["copy_citation_ms"] = round(
            _median_s(lambda: citing.format_citations(one, "apa", "text"), runs=20) * 1000, 1
        )
        return figures
    finally:
        library.store.close()


def report(figures: dict[str, Any]) -> None:
    """Print the Markdown table."""
    rows = [
        ("export 10,000 selected to BibTeX (load, render, write)", "bibtex_10000_s", "s"),
        ("export 10,000 selected to CSL-JSON (load, render, write)", "csljson_10000_s", "s"),
        ("APA bibliography of 1,000 (the library's: no authors)", "apa_1000_s", "s"),
        ("APA bibliography of 1,000 (typical: authors, venues)", "apa_1000_typical_s", "s"),
        ("copy citation, one reference (style loaded)", "copy_citation_ms", "ms"),
    ]
    print(f"\nExport benchmark, library of {figures['records']:,} references\n")
    print("| measure | median | target | met? |")
    print("|---|---:|---|---|")
    for label, key, unit in rows:
        target = TARGETS_S[key]
        met = "yes" if figures[key] <= target else "**no**"
        print(f"| {label} | {figures[key]} {unit} | ≤ {target} {unit} | {met} |")
    print(f"| copy citation, first use (parses the style) | {figures['copy_citation_first_ms']} "
          "ms | — | — |")  # fmt: skip


def main() -> None:
    """Build or reuse the library, measure, print the table and the JSON figures."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--library", type=Path, help="library to reuse or create")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refman-bench-export-") as tmp:
        library = args.library.resolve() if args.library else Path(tmp) / "library.sqlite"
        ensure_library(library, args.records)
        figures = measure(library, Path(tmp))
    report(figures)
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
