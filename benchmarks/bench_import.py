"""One timed import in this process: ``python -m benchmarks.bench_import DB FILE...``.

Prints a JSON object: records, seconds, records per second, peak memory (MB) and the
added / merged / unchanged counts."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from refman.app import open_library


def main(argv: list[str]) -> None:
    """Import the files into the library at ``argv[0]`` and report."""
    db, *files = argv
    library = open_library(db)
    started = time.perf_counter()
    result = library.import_files([Path(f) for f in files])
    seconds = time.perf_counter() - started
    library.store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "records": result.records,
                "seconds": round(seconds, 2),
                "records_per_s": round(result.records / seconds),
                "peak_mb": round(peak_mb),
                "added": result.added,
                "merged": result.merged,
                "unchanged": result.unchanged,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
