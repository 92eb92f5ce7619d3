"""``make bench``: every benchmark, with the figures printed as a Markdown table.

Each measurement runs in a fresh process so its peak memory is its own (see
``benchmarks/bench_import.py`` for what each figure includes)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import without_automatic_backups
from benchmarks.synthetic import write_listing, write_profile

TARGET_RATE = 20_000
TARGET_PEAK_MB = 300


def _run(module: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{module} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def import_benchmarks(records: int, work: Path) -> list[tuple[str, dict[str, Any]]]:
    """Fresh import and re-import of a listing dump and of a profile page."""
    rows = []
    for label, writer in (("arXiv listing", write_listing), ("profile page", write_profile)):
        dump = writer(work / f"{label.split()[0].lower()}.txt", records)
        # Write the dump out now, or the kernel does it during the import (a user's
        # file was not written a second ago). It stays in the page cache.
        os.sync()
        db = str(work / f"{label.split()[0].lower()}.sqlite")
        rows.append(
            (
                f"{label}: import {records:,} into a new library",
                _run("benchmarks.bench_import", db, str(dump)),
            )
        )
        rows.append(
            (f"{label}: re-import (all duplicates)", _run("benchmarks.bench_import", db, str(dump)))
        )
    return rows


def table_benchmark(module: str, records: int, library: Path, *options: str) -> None:
    """A benchmark over a library of ``records`` references (``benchmarks.bench_gui`` and
    ``benchmarks.bench_export`` share one, the first to run builds it;
    ``benchmarks.bench_duplicates`` builds its own): its Markdown table goes straight to
    stdout, its JSON figures (the last line) are dropped."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--records", str(records), "--library", str(library),
         *options],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{module} failed:\n{out.stderr}")
    print("\n".join(out.stdout.strip().splitlines()[:-1]))


BENCHMARKS = ("import", "gui", "bundle", "export", "search", "duplicates", "reader", "postgres")


def main() -> None:
    """Run the benchmarks and print the tables."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--only", choices=BENCHMARKS, action="append", help="run just these (repeatable)"
    )
    args = parser.parse_args()
    chosen = args.only or BENCHMARKS
    with tempfile.TemporaryDirectory(prefix="refman-bench-") as tmp:
        library = Path(tmp) / "library.sqlite"
        realistic = Path(tmp) / "library-realistic.sqlite"
        if "gui" in chosen:  # on realistic abstracts, then on the worst case
            table_benchmark(
                "benchmarks.bench_gui", args.records, realistic, "--vocabulary", "realistic"
            )
            table_benchmark("benchmarks.bench_gui", args.records, library)
        if "bundle" in chosen:  # dist/refman (make bundle) started on the same library
            table_benchmark("benchmarks.bench_bundle", args.records, library)
        if "export" in chosen:
            table_benchmark("benchmarks.bench_export", args.records, library)
        if "search" in chosen:  # (rebuilds the shared library's search index in place)
            table_benchmark(
                "benchmarks.bench_search", args.records, realistic, "--vocabulary", "realistic"
            )
            table_benchmark("benchmarks.bench_search", args.records, library)
        if "duplicates" in chosen:  # its own library, with planted duplicates
            duplicates = Path(tmp) / "duplicates.sqlite"
            table_benchmark("benchmarks.bench_duplicates", args.records, duplicates)
        if "reader" in chosen:  # its own small library and a 100-page PDF
            table_benchmark("benchmarks.bench_reader", args.records, Path(tmp) / "reader.sqlite")
        if "import" in chosen:
            import_table(import_benchmarks(args.records, Path(tmp)))
        if "postgres" in chosen:  # its own throwaway server and library
            table_benchmark("benchmarks.bench_postgres", args.records, Path(tmp) / "unused")


def import_table(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Print the import benchmarks' table."""
    print(
        "| benchmark | records | import s | records/s | WAL checkpoint s | search index s "
        "| peak MB (main + reader) | added/merged/unchanged |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, r in rows:
        ok = r["records_per_s"] >= TARGET_RATE and r["peak_mb"] <= TARGET_PEAK_MB
        counts = f"{r['added']}/{r['merged']}/{r['unchanged']}"
        print(
            f"| {label} | {r['records']:,} | {r['seconds']} | {r['records_per_s']:,} "
            f"| {r['checkpoint_seconds']} | {r['index_seconds']} "
            f"| {r['peak_mb']} ({r['main_mb']} + {r['reader_mb']}) | {counts} |"
            + ("" if ok else " below target")
        )
    print(
        f"\ntargets: >= {TARGET_RATE:,} records/s (import s), "
        f"peak <= {TARGET_PEAK_MB} MB (main + reader)"
    )


if __name__ == "__main__":
    main()
