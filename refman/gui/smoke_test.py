"""``refman --smoke-test``: the app starts, opens its library, paints its window, finds
its bundled files, and exits 0; any failure exits 1 with the reason on stderr.

CI runs it on the PyInstaller bundle (``make bundle-check``), where a missing module, Qt
plugin or data file shows up only at run time."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from refman.domain import Person, Reference
from refman.gui.main_window import MainWindow, library_location
from refman.resources import ICON_SIZES, seed_manifest
from refman.services import citing

TIMEOUT_S = 60.0
"""The window must have painted its first rows within this."""
MIN_COLOURS = 20
"""A painted window shows more colours than this in a sample of its pixels."""

_SAMPLE = Reference(
    entry_type="inproceedings",
    title="Deep Residual Learning for Image Recognition",
    authors=[Person("He", "Kaiming"), Person("Zhang", "Xiangyu")],
    year=2016,
    venue="CVPR 2016",
    pages="770--778",
    citekey="he2016deep",
    id=1,
)


def colours(image: QImage, step: int = 7) -> int:
    """Distinct colours in a grid sample of ``image``."""
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def check_files(frozen: bool) -> tuple[list[str], list[str]]:
    """The bundled files: (what was found, what is wrong)."""
    found: list[str] = []
    failures: list[str] = []
    icon = QApplication.windowIcon()
    sizes = {size.width() for size in icon.availableSizes()}
    missing = sorted(set(ICON_SIZES) - sizes)
    if missing:
        failures.append(f"icon: no image for {', '.join(map(str, missing))} px")
    else:
        found.append(f"icon: {len(sizes)} sizes")
    rendered = []
    for style in sorted(citing.STYLES):
        try:
            text = citing.format_bibliography([_SAMPLE], style)
        except Exception as exc:  # a missing style file, data file or module
            failures.append(f"citation style {style}: {type(exc).__name__}: {exc}")
            continue
        if "Residual" in text:
            rendered.append(style)
        else:
            failures.append(f"citation style {style}: rendered {text!r}")
    found.append(f"citation styles: {', '.join(rendered)}")
    seeds, references = seed_manifest()
    present = [seed for seed in seeds if seed.path.is_file()]
    if len(present) != len(seeds) or (frozen and not seeds):
        failures.append(f"sample papers: {len(present)} of {len(seeds)} files present")
    else:
        found.append(f"sample papers: {len(present)} files ({references} references)")
    return found, failures


class SmokeTest(QObject):
    """Waits for the window to be ready, checks it and the bundled files, closes it and
    reports the exit status.

    Signals:
        sig_finished(int): 0 if every check passed, else 1 (the reasons are on stderr).
    """

    sig_finished = Signal(int)

    def __init__(
        self,
        window: MainWindow,
        *,
        started: float | None = None,
        instance: str = "",
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        """``started``: the ``time.perf_counter()`` the start-up is timed from;
        ``instance``: why a second refman cannot reach this one ("" if it can)."""
        super().__init__(window)
        self.window = window
        self.instance = instance
        self.timeout_s = timeout_s
        self.status: int | None = None
        self._started = time.perf_counter() if started is None else started
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timed_out)

    def start(self) -> None:
        """Begin waiting (call before showing the window)."""
        self.window.sig_ready.connect(self._on_ready)
        self._timer.start(int(self.timeout_s * 1000))

    def _on_ready(self) -> None:
        if self.status is not None:
            return
        self._timer.stop()
        painted_ms = (time.perf_counter() - self._started) * 1000
        try:
            found, failures = self._check(painted_ms)
        except Exception as exc:  # a bug in the checks is a failed smoke test too
            found, failures = [], [f"{type(exc).__name__}: {exc}"]
        print("refman smoke test", *(f"  {line}" for line in found), sep="\n", flush=True)
        for failure in failures:
            print(f"refman: smoke test failed: {failure}", file=sys.stderr, flush=True)
        if not failures:
            print("ok", flush=True)
        self._finish(1 if failures else 0)

    def _check(self, painted_ms: float) -> tuple[list[str], list[str]]:
        window = self.window
        library = window.library
        found = [
            f"library: {library_location(library.store.url)} ({library.count():,} references)",
            f"window: painted {painted_ms:,.0f} ms after start ({QGuiApplication.platformName()}), "
            f"{window.model.rowCount():,} rows listed",
        ]
        failures = []
        if self.instance:
            failures.append(f"single instance: {self.instance}")
        else:
            found.append("single instance: listening")
        if colours(window.grab().toImage()) <= MIN_COLOURS:
            failures.append("the window painted (nearly) blank")
        files_found, files_failed = check_files(getattr(sys, "frozen", False))
        return found + files_found, failures + files_failed

    def _timed_out(self) -> None:
        if self.status is None:
            print(
                f"refman: smoke test failed: the window did not paint within {self.timeout_s:g} s",
                file=sys.stderr,
                flush=True,
            )
            self._finish(1)

    def _finish(self, status: int) -> None:
        self.status = status
        self.window.close()
        self.sig_finished.emit(status)
