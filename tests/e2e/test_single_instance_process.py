"""Real ``refman`` processes: one window per library, a second start hands over, a
crashed instance leaves nothing in the way, ``--smoke-test`` checks a first start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from refman.app import library_url, open_library
from refman.gui.single_instance import instance_key
from tests.conftest import SEED_FILES
from tests.e2e.test_window_process import wait_for_file

pytestmark = pytest.mark.e2e
START_TIMEOUT_S = 60


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A new user's offscreen environment (a short runtime folder: sockets live there)."""
    with tempfile.TemporaryDirectory(prefix="refman-e2e-") as runtime:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("REFMAN_")}
        environment.update(
            QT_QPA_PLATFORM="offscreen",
            HOME=str(tmp_path / "home"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            XDG_RUNTIME_DIR=runtime,
        )
        yield environment


def start(db: Path, env: dict[str, str], ready: Path, *files: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "refman.cli.main", "--db", str(db), *map(str, files)],
        env={**env, "REFMAN_READY_FILE": str(ready)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """SIGTERM (the window closes itself); the exit status and stderr."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return process.returncode, err.decode(errors="replace")


def runtime_files(env: dict[str, str], db: Path) -> list[str]:
    key = instance_key(library_url(str(db)))
    return sorted(p.name for p in Path(env["XDG_RUNTIME_DIR"]).glob(f"{key}.*"))


def test_a_second_start_hands_its_files_to_the_first_and_exits(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "library.sqlite"
    first = start(db, env, tmp_path / "first.json")
    try:
        wait_for_file(tmp_path / "first.json", first, START_TIMEOUT_S)
        key = instance_key(library_url(str(db)))
        assert runtime_files(env, db) == [f"{key}.lock", f"{key}.sock"]
        started = time.monotonic()
        second = start(db, env, tmp_path / "second.json", *SEED_FILES[:2])
        _out, err = second.communicate(timeout=START_TIMEOUT_S)
        assert second.returncode == 0, err.decode(errors="replace")
        assert time.monotonic() - started < 20
        assert not (tmp_path / "second.json").exists()  # no window of its own
        assert first.poll() is None
    finally:
        status, err = stop(first)
    assert status == 0, err
    assert runtime_files(env, db) == []  # lock and socket gone with it
    library = open_library(str(db))
    try:
        assert library.count() == 0  # the first asked; nobody said yes
    finally:
        library.store.close()


def test_a_crashed_instance_does_not_block_the_next_start(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "library.sqlite"
    crashed = start(db, env, tmp_path / "crashed.json")
    wait_for_file(tmp_path / "crashed.json", crashed, START_TIMEOUT_S)
    crashed.kill()  # SIGKILL: no clean-up
    crashed.communicate()
    assert len(runtime_files(env, db)) == 2  # a stale lock and socket stay behind
    after = start(db, env, tmp_path / "after.json")
    try:
        wait_for_file(tmp_path / "after.json", after, START_TIMEOUT_S)  # its own window
    finally:
        status, err = stop(after)
    assert status == 0, err


def test_two_libraries_run_side_by_side(tmp_path: Path, env: dict[str, str]) -> None:
    one = start(tmp_path / "one.sqlite", env, tmp_path / "one.json")
    two = start(tmp_path / "two.sqlite", env, tmp_path / "two.json")
    try:
        wait_for_file(tmp_path / "one.json", one, START_TIMEOUT_S)
        wait_for_file(tmp_path / "two.json", two, START_TIMEOUT_S)
    finally:
        results = [stop(one), stop(two)]
    assert [status for status, _err in results] == [0, 0], results


def test_the_smoke_test_of_a_first_start(tmp_path: Path, env: dict[str, str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "refman.cli.main", "--smoke-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    library = Path(env["XDG_DATA_HOME"]) / "refman" / "library.sqlite"
    assert out.stdout.splitlines()[1] == f"  library: {library} (0 references)"
    assert out.stdout.splitlines()[-1] == "ok"
    assert library.is_file()


def test_the_smoke_test_fails_on_a_library_it_cannot_open(
    tmp_path: Path, env: dict[str, str]
) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_text("not a database\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "refman.cli.main", "--db", str(damaged), "--smoke-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1
    assert out.stderr.startswith("refman: Cannot open the library:")
