"""Shared-library benchmarks (issue 7) against a local PostgreSQL server.

A throwaway server (``tests/pg_server.py``: initdb in a temporary directory, a spare port
of 127.0.0.1, fsync off) is started and stopped around the run.

1. Import: ``benchmarks.bench_import`` of a synthetic arXiv listing of ``--records``
   references into a new PostgreSQL library, in its own process; records/s counts the
   import's one transaction, target >= 10,000/s. The search-index catch-up that follows
   (``to_tsvector`` of every reference) is timed apart, as for SQLite.
2. Eight clients, each its own process with its own connection pool, tag ``--tags``
   references each (one ``add_tags`` per reference, as a user tags while reading; the
   references are drawn at random from the first 2,000, so clients collide), all at
   once. Reported: throughput (taggings/s over the wall time), latency median and p95,
   and lost updates (a tagging a client was told succeeded but is not in the library
   afterwards; must be 0).

Prints a Markdown table, then one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import without_automatic_backups
from benchmarks.bench_gui import percentile
from benchmarks.synthetic import write_listing

TARGET_RATE = 10_000
CLIENTS = 8
POOL = 2_000
ROOT = Path(__file__).resolve().parents[1]


def _client(url: str, name: str, tags: int) -> None:
    """One client: tag ``tags`` random references one at a time; print the JSON report."""
    from refman.app import open_library

    library = open_library(url)
    rng = random.Random(name)
    ids = rng.sample(range(1, POOL + 1), tags)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies = []
    for ref_id in ids:
        started = time.perf_counter()
        library.add_tags([f"client-{name}", "shared"], [ref_id])
        latencies.append(time.perf_counter() - started)
    library.store.close()
    print(json.dumps({"ids": ids, "latencies": latencies}), flush=True)


def _tagging(url: str, tags: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    clients = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_postgres", "--client", url, str(n), str(tags)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(CLIENTS)
    ]
    for client in clients:
        assert client.stdout is not None
        if client.stdout.readline().strip() != "ready":
            raise SystemExit("a tagging client did not start")
    started = time.perf_counter()
    for client in clients:
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    reports = [json.loads(client.communicate()[0].strip().splitlines()[-1]) for client in clients]
    wall = time.perf_counter() - started

    from refman.app import open_library

    library = open_library(url)
    refs = {r.id: set(r.tags) for r in library.load(list(range(1, POOL + 1)))}
    library.store.close()
    lost = sum(
        1
        for n, report in enumerate(reports)
        for ref_id in report["ids"]
        if {f"client-{n}", "shared"} - refs.get(ref_id, set())
    )
    latencies = [s for report in reports for s in report["latencies"]]
    return {
        "taggings": len(latencies),
        "wall_s": round(wall, 2),
        "per_s": round(len(latencies) / wall),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "lost": lost,
    }


def main() -> None:
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=1_000, help="references each client tags")
    parser.add_argument("--client", nargs=3, metavar=("URL", "NAME", "TAGS"))
    parser.add_argument("--library", help="ignored (run.py passes one to every benchmark)")
    args = parser.parse_args()
    if args.client:
        url, name, tags = args.client
        _client(url, name, int(tags))
        return

    from tests import pg_server

    server = pg_server.start()
    try:
        url = server.url(server.create_database())
        with tempfile.TemporaryDirectory(prefix="refman-bench-pg-") as tmp:
            dump = write_listing(Path(tmp) / "listing.txt", args.records)
            os.sync()
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_import", url, str(dump)],
                capture_output=True, text=True, check=False,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"import failed:\n{done.stderr}")
            imported = json.loads(done.stdout.strip().splitlines()[-1])
        tagging = _tagging(url, args.tags)
    finally:
        server.stop()

    rate_ok = "" if imported["records_per_s"] >= TARGET_RATE else " (below target)"
    print("| PostgreSQL benchmark | result | target |")
    print("|---|---:|---|")
    print(
        f"| import {imported['records']:,} references | {imported['seconds']} s, "
        f"{imported['records_per_s']:,}/s{rate_ok} | >= {TARGET_RATE:,}/s |"
    )
    print(f"| search index catch-up after it | {imported['index_seconds']} s | |")
    print(
        f"| {CLIENTS} clients x {args.tags:,} taggings at once | {tagging['per_s']:,}/s "
        f"({tagging['wall_s']} s) | report |"
    )
    print(
        f"| tagging latency median / p95 | {tagging['median_ms']} / {tagging['p95_ms']} ms "
        "| report |"
    )
    print(f"| lost updates | {tagging['lost']} | 0 |")
    print(json.dumps({"import": imported, "tagging": tagging}))


if __name__ == "__main__":
    main()
