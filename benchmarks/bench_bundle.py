"""The desktop bundle's benchmark (issue 8): cold start to a painted window, and its size.

``python -m benchmarks.bench_bundle [--records N] [--library PATH] [--bundle DIR]``

Starts the PyInstaller bundle (``dist/refman/refman``, built by ``make bundle``) offscreen
on two libraries, the seeds' (79 references) and a large one (``--records``, default
100,000: the library ``benchmarks.bench_gui`` builds, reused via ``--library``), and times
spawn to the ready file the window writes once it has painted its first rows
(``REFMAN_READY_FILE``, as in ``bench_gui``).

- cold: every file of the bundle and of the library dropped from the page cache first
  (``posix_fadvise(DONTNEED)``, no root needed; the system's own libraries, Python's
  excepted as it is in the bundle, stay cached, as on a desktop that is running). Repeated
  ``--cold-runs`` times.
- warm: straight after, ``--warm-runs`` times.

Beside wall time, the CPU time the process used until then (user + system): on a busy
machine it moves less.

Each start gets the same throw-away home folder, so settings persist between starts as
they do for a user. Prints a Markdown table, then one JSON line with the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import without_automatic_backups
from benchmarks.bench_gui import (
    DEFAULT_RECORDS,
    ensure_library,
    evict_from_page_cache,
    isolated_environment,
    vm_hwm_mb,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "refman"
TARGET_SEEDS_MS = 1_500.0
TARGET_LARGE_MS = 2_000.0
TARGET_SIZE_MB = 250.0
COLD_RUNS = 3
WARM_RUNS = 5
START_TIMEOUT_S = 120.0


def bundle_size(folder: Path) -> tuple[int, int]:
    """Bytes and files of the bundle (links counted as links)."""
    files = [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]
    return sum(p.lstat().st_size for p in files), len(files)


def evict_folder(folder: Path) -> int:
    """Drop every file of ``folder`` from the page cache; the number of files."""
    count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
            count += 1
    return count


def cpu_ms(pid: int) -> float | None:
    """CPU time (user + system) a live process has used, in ms (Linux): less sensitive
    than wall time to what else the machine runs."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return round(ticks * 1000 / os.sysconf("SC_CLK_TCK"), 1)


def start_once(exe: Path, library: Path, env: dict[str, str], work: Path) -> dict[str, Any]:
    """Spawn the bundle, wait for its ready file, note its peak memory, close it."""
    ready = work / "ready.json"
    ready.unlink(missing_ok=True)
    log = work / "app.log"
    with log.open("w", encoding="utf-8") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(exe), "--db", str(library)],
            env={**env, "REFMAN_READY_FILE": str(ready)},
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=work,
        )
        try:
            deadline = started + START_TIMEOUT_S
            while not ready.exists():
                if process.poll() is not None:
                    raise SystemExit(
                        f"the bundle exited ({process.returncode}) before it was ready:\n"
                        + log.read_text(encoding="utf-8")
                    )
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the bundle was not ready within {START_TIMEOUT_S:.0f} s")
                time.sleep(0.001)  # polling the ready file; the deadline bounds the wait
            elapsed_ms = (time.perf_counter() - started) * 1000
            payload = json.loads(ready.read_text(encoding="utf-8"))
            peak = vm_hwm_mb(process.pid)
            cpu = cpu_ms(process.pid)
        finally:
            if process.poll() is None:
                process.terminate()  # closes the window, saving its settings
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    return {
        "ms": round(elapsed_ms, 1),
        "cpu_ms": cpu,
        "rows": int(payload["rows"]),
        "peak_mb": peak,
    }


def measure(
    exe: Path, library: Path, env: dict[str, str], work: Path, *, cold_runs: int, warm_runs: int
) -> dict[str, Any]:
    """Cold starts (bundle and library evicted before each), then warm ones."""
    cold, warm = [], []
    for _ in range(cold_runs):
        evict_folder(exe.parent)
        evict_from_page_cache(library)
        cold.append(start_once(exe, library, env, work))
        print(f"{library.name}: cold {cold[-1]}", file=sys.stderr)
    for _ in range(warm_runs):
        warm.append(start_once(exe, library, env, work))
        print(f"{library.name}: warm {warm[-1]}", file=sys.stderr)
    return {"cold": cold, "warm": warm}


def seed_library(path: Path) -> Path:
    """A library holding the seeds (imported by this interpreter's refman)."""
    from refman.app import open_library
    from refman.resources import bundled_seeds

    library = open_library(str(path))
    try:
        library.import_files(bundled_seeds())
        library.search_index_catch_up()
        library.store.checkpoint()
    finally:
        library.store.close()
    return path


def _range(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:,.0f}" if round(low) == round(high) else f"{low:,.0f}-{high:,.0f}"


def report(size: tuple[int, int], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Print the Markdown table; return the raw figures."""
    size_mb = size[0] / 1e6
    print("\nBundle benchmark (dist/refman, offscreen)\n")
    print("| measure | figure | target | met? |")
    print("|---|---:|---|---|")
    print(
        f"| bundle size | {size_mb:.0f} MB ({size[1]:,} files) | ≤ {TARGET_SIZE_MB:.0f} MB "
        f"| {'yes' if size_mb <= TARGET_SIZE_MB else '**no**'} |"
    )
    for label, target in (("seeds", TARGET_SEEDS_MS), ("large", TARGET_LARGE_MS)):
        figures = runs[label]
        cold = [r["ms"] for r in figures["cold"]]
        warm = [r["ms"] for r in figures["warm"]]
        rows = figures["cold"][0]["rows"]
        name = f"{rows:,} references" if label == "large" else f"seed library ({rows} references)"
        print(
            f"| cold start → painted window, {name} ({len(cold)} runs): range "
            f"| {_range(cold)} ms | ≤ {target:,.0f} ms "
            f"| {'yes' if max(cold) <= target else '**no**'} |"
        )
        print(
            f"| warm start, {name} ({len(warm)} runs): median (range) "
            f"| {statistics.median(warm):,.0f} ({_range(warm)}) ms | — | — |"
        )
        cpu = [r["cpu_ms"] for r in figures["cold"] + figures["warm"] if r["cpu_ms"]]
        if cpu:
            print(
                f"| CPU time to the painted window, {name}: median (range) "
                f"| {statistics.median(cpu):,.0f} ({_range(cpu)}) ms | — | — |"
            )
        peaks = [r["peak_mb"] for r in figures["cold"] + figures["warm"] if r["peak_mb"]]
        if peaks:
            print(f"| peak memory once ready, {name}: max | {max(peaks):.0f} MB | — | — |")
    return {"size_bytes": size[0], "files": size[1], "starts": runs}


def main(argv: list[str] | None = None) -> None:
    """Build or reuse the libraries, start the bundle on each, print the results."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--library", type=Path, help="the large library (reused or built)")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    parser.add_argument("--warm-runs", type=int, default=WARM_RUNS)
    args = parser.parse_args(argv)
    exe = args.bundle / "refman"
    if not exe.is_file():
        raise SystemExit(f"no bundle at {exe}: run `make bundle` first")
    with tempfile.TemporaryDirectory(prefix="refman-bench-bundle-") as tmp:
        work = Path(tmp)
        large = args.library.resolve() if args.library else work / "large.sqlite"
        ensure_library(large, args.records)
        seeds = seed_library(work / "seeds.sqlite")
        env = isolated_environment(work / "home")
        runs = {
            label: measure(
                exe, library, env, work, cold_runs=args.cold_runs, warm_runs=args.warm_runs
            )
            for label, library in (("seeds", seeds), ("large", large))
        }
        figures = report(bundle_size(args.bundle), runs)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
