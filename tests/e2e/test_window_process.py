"""The real ``refman`` process opens its window under Xvfb and saves a screenshot."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.conftest import ROOT, SEED_FILES

ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = pytest.mark.e2e


@pytest.fixture
def xvfb_display(tmp_path: Path) -> Iterator[str]:
    """A private X server on a display number it picks itself (``-displayfd``)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is missing: `make test` installs it (packaging/debian-deps.sh window)")
    log = tmp_path / "xvfb.log"
    read_end, write_end = os.pipe()
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                xvfb,
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                "1600x1000x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    os.close(write_end)
    try:
        # Xvfb writes the display number once it accepts connections.
        ready, _w, _x = select.select([read_end], [], [], 20)
        number = os.read(read_end, 32).decode().strip() if ready else ""
        if not number:
            pytest.fail(f"Xvfb did not start: {log.read_text(errors='replace')}")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)


def refman_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "refman.cli.main", "--db", str(db), *args]


def wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until ``path`` exists; fails at once if the process ends first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the window did not report ready within {timeout} s")
        try:
            process.wait(0.05)  # returns early if the app died
        except subprocess.TimeoutExpired:
            continue
        _out, err = process.communicate()
        pytest.fail(f"refman exited with {process.returncode}: {err.decode(errors='replace')}")


def test_window_opens_and_paints(xvfb_display: str, tmp_path: Path) -> None:
    db = tmp_path / "e2e.sqlite"
    imported = subprocess.run(
        refman_command(db, "import", *map(str, SEED_FILES)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "added 79, merged 8, unchanged 0"

    ready = tmp_path / "ready.json"
    screenshot = ARTIFACTS / "e2e_main_window.png"
    screenshot.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DISPLAY": xvfb_display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "REFMAN_READY_FILE": str(ready),
        "REFMAN_SCREENSHOT": str(screenshot),
    }
    app = subprocess.Popen(
        refman_command(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for_file(ready, app, timeout=60)
        report = json.loads(ready.read_text(encoding="utf-8"))
        app.send_signal(signal.SIGTERM)  # the window closes itself, saving its layout
        _out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err.decode(errors="replace")
    assert report["rows"] == 79
    assert (tmp_path / "config" / "refman" / "refman.ini").is_file()

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(screenshot))
    assert image.width() >= 800
    assert image.height() >= 500
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20, "the screenshot is (nearly) blank"


def test_command_line_never_loads_qt() -> None:
    probe = (
        "import sys, refman.cli.main; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
