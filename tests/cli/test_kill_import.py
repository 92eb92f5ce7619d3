"""Crash safety: an import killed with SIGKILL at random moments, 50 times. After each
kill the library opens, passes ``PRAGMA integrity_check``, and holds all of that import
or none of it.

The importing processes are forked from one warm process that has refman imported
already (a "zygote"), so a kill costs the import's time rather than an interpreter's
start: the 50 kills take about 20 s."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.synthetic import write_listing
from refman.app import open_library
from refman.storage import sqlite_files
from tests.conftest import ROOT, SEED_FILES

KILLS = 50
RECORDS = 3000
SEED_ENV = "REFMAN_KILL_SEED"
"""Set to repeat a run's kill moments (the seed is printed when a check fails)."""

ZYGOTE = """
import json, os, sys
from pathlib import Path
from refman.app import open_library
from refman.services.importing import import_files

pid = 0
for line in sys.stdin:
    if line.strip() == "reap":  # (only now: until reaped, the pid is no one else's)
        _pid, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status}), flush=True)
        continue
    library, source, progress = line.rstrip("\\n").split("\\t")
    pid = os.fork()
    if pid == 0:  # the importing process
        def note(done, total, out=open(progress, "a")):
            out.write(f"{done}\\n")
            out.flush()
        lib = open_library(library)
        import_files(lib.store, [Path(source)], progress=note)
        note(-1, 0)  # committed
        os._exit(0)
    print(json.dumps({"pid": pid}), flush=True)
"""


class Zygote:
    """A warm process that forks importing processes on request."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(ZYGOTE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def _read(self) -> dict[str, int]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the zygote process died"
        answer: dict[str, int] = json.loads(line)
        return answer

    def start(self, library: Path, source: Path, progress: Path) -> int:
        """Fork an import of ``source`` into ``library``; its pid."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{library}\t{source}\t{progress}\n")
        self.process.stdin.flush()
        return self._read()["pid"]

    def wait(self) -> int:
        """The wait status of the last importing process (reaped only now, so that its
        pid stays its own until then)."""
        assert self.process.stdin is not None
        self.process.stdin.write("reap\n")
        self.process.stdin.flush()
        return self._read()["status"]

    def close(self) -> None:
        """Stop the zygote."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    """The warm forking process (one for the module)."""
    warm = Zygote()
    yield warm
    warm.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A closed library holding the seeds, the dump to import, and the seeds' count."""
    folder = tmp_path_factory.mktemp("kill")
    library = folder / "template.sqlite"
    lib = open_library(str(library))
    lib.import_files(SEED_FILES)
    count = lib.count()
    lib.close()
    shutil.rmtree(folder / "template.sqlite-backups")
    dump = write_listing(folder / "dump.txt", RECORDS, seed=9)
    return library, dump, count


def _fresh(template: Path, folder: Path) -> Path:
    folder.mkdir()
    library = folder / "library.sqlite"
    shutil.copyfile(template, library)
    return library


def test_an_import_killed_at_random_moments_lands_whole_or_not_at_all(
    zygote: Zygote, template: tuple[Path, Path, int], tmp_path: Path
) -> None:
    source, dump, seeds = template
    seed = int(os.environ.get(SEED_ENV) or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    # How long one import takes, here and now (forked, not killed).
    library = _fresh(source, tmp_path / "calibration")
    started = time.perf_counter()
    zygote.start(library, dump, tmp_path / "calibration.progress")
    assert zygote.wait() == 0
    duration = time.perf_counter() - started
    outcomes = {"none": 0, "all": 0, "mid-import": 0}
    for kill in range(KILLS):
        library = _fresh(source, tmp_path / f"kill-{kill}")
        progress = tmp_path / f"kill-{kill}.progress"
        # Spread over the whole import and a little past it, each at a random point.
        delay = duration * 1.2 * (kill + rng.random()) / KILLS
        pid = zygote.start(library, dump, progress)
        time.sleep(delay)  # (the moment of the kill: the random variable under test)
        os.kill(pid, signal.SIGKILL)
        status = zygote.wait()
        where = f"kill {kill} after {delay:.3f} s (seed {seed}: {SEED_ENV}={seed} repeats it)"
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, where
        phases = progress.read_text().split() if progress.exists() else []
        assert sqlite_files.integrity_problems(library, full=True) == [], where
        lib = open_library(str(library))
        try:
            count = lib.count()
            assert count in (seeds, seeds + RECORDS), f"{where}: {count} references"
            assert lib.health is not None
            assert lib.health.check(full=True).ok, where
            if count == seeds:
                outcomes["none"] += 1
                assert "-1" not in phases, f"{where}: committed, yet nothing there"
                if phases:
                    outcomes["mid-import"] += 1  # batches written, never committed
            else:
                outcomes["all"] += 1
                hits = lib.search("arxiv:1501.00001").ids
                assert hits, where
                lib.add_tags(["after the kill"], [1])  # and writable
        finally:
            lib.close()
    print(f"{KILLS} kills (seed {seed}, import {duration:.2f} s): {outcomes}")
    # The kills fell before, during and after the import's transaction.
    assert outcomes["all"] > 0, outcomes
    assert outcomes["none"] > 0, outcomes
    assert outcomes["mid-import"] > 0, outcomes
