"""One timed import in this process: ``python -m benchmarks.bench_import DB FILE...``.

Prints a JSON object:

- ``seconds``, ``records_per_s``: ``import_files`` from its call to its return - reading,
  parsing, matching, writing, and the one transaction committed (durable in SQLite's
  write-ahead log). The reader process a large import starts is included (it is started
  and stopped inside ``import_files``). Not included: the two steps below.
- ``checkpoint_seconds``: copying the import's write-ahead log into the library file
  (an import commits without it; the next write transaction would do it otherwise).
- ``index_seconds`` (``indexed`` entries): the search-index catch-up that follows an import
  (the app runs it right after; the list shows the new references before it ends, the
  quick search finds them once it has). It checkpoints its own writes.
- ``main_mb``, ``reader_mb``, ``peak_mb``: peak resident memory of this process and of the
  reader process, and their sum (an upper bound of the import's peak).
- ``added``, ``merged``, ``unchanged``: the import's counts.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from benchmarks import without_automatic_backups
from refman.app import open_library
from refman.services.importing import import_files


def main(argv: list[str]) -> None:
    """Import the files into the library at ``argv[0]`` and report."""
    without_automatic_backups()
    db, *files = argv
    library = open_library(db)
    started = time.perf_counter()
    result = import_files(library.store, [Path(f) for f in files])
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    library.store.checkpoint()
    checkpoint_seconds = time.perf_counter() - started
    started = time.perf_counter()
    indexed = library.search_index_catch_up()
    index_seconds = time.perf_counter() - started
    library.store.close()
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reader_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "records": result.records,
                "seconds": round(seconds, 2),
                "records_per_s": round(result.records / seconds),
                "checkpoint_seconds": round(checkpoint_seconds, 2),
                "indexed": indexed,
                "index_seconds": round(index_seconds, 2),
                "peak_mb": round(main_mb + reader_mb),
                "main_mb": round(main_mb),
                "reader_mb": round(reader_mb),
                "added": result.added,
                "merged": result.merged,
                "unchanged": result.unchanged,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
