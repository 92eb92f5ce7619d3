"""The window's benchmark on a large library (issue 3, "Benchmark").

``QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_gui [--records N] [--library PATH]``

1. Start-up: the real app process (``python -m refman.cli.main --db LIB``) from spawn to
   the ready file it writes once the window has painted with its first rows
   (``REFMAN_READY_FILE``); once cold (the library file evicted from the page cache; the
   Python and Qt files stay cached) and several times warm, each with its own
   settings in a throw-away home folder.
2. Quick search: single keystrokes in the real search field of an in-process
   ``MainWindow``, each from the key event to the list showing the new query's first
   screen of rows (the model's first page in place and, when the list changed,
   repainted), and to the whole list (all ids loaded and the list repainted). The field
   debounces typing (``DEBOUNCE_MS``), so the figures are given with and without that
   pause.
3. Re-sort: clicks on every sortable column header, both directions, until the
   re-sorted list's first screen is painted, and until the whole list is in place.
4. Tagging: 1,000 selected rows tagged through the tag field (Enter), until the list
   shows the tag; undone between repetitions (the undo is timed too).
5. Peak memory: this process's (``getrusage``, measured after 2-4) and the app
   process's (``VmHWM`` once ready).

The library (``--library``, reused when it already holds N references; otherwise built
in a child process from ``benchmarks.synthetic.write_listing`` output, then given a few
tags) defaults to a temporary file. Waits poll conditions against deadlines; nothing
relies on a fixed sleep. Prints a Markdown table, then one JSON line with the raw figures.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import without_automatic_backups

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from refman.gui.main_window import MainWindow

DEFAULT_RECORDS = 100_000
WARM_RUNS = 5
SELECTED_ROWS = 1_000
TAG_REPEATS = 5
VOCABULARIES = ("worst", "realistic")
VOCABULARY_HELP = (
    "abstracts of the benchmark library: 'worst' (68 words, each in 94%% of abstracts) or "
    "'realistic' (function words, topic words as often as in real abstracts, a Zipf tail)"
)
BENCH_TAG = "to-review"
"""The tag the tagging measure adds: it exists (on the newest references) but not on
the first rows of the list."""
TAG_PLAN: tuple[tuple[str, str | None, int], ...] = (
    ("method", None, 7),
    ("reading", "#e6194b", 20),
    ("important", "#3cb44b", 97),
    ("survey", "#4363d8", 500),
)
"""(tag, colour, every n-th reference) given to the benchmark library."""
BENCH_TAG_COUNT = 200

TARGET_START_MS = 1_000.0
TARGET_KEY_P95_MS = 50.0
TARGET_SORT_MS = 100.0
TARGET_TAG_MS = 200.0
TARGET_PEAK_MB = 400.0

START_TIMEOUT_S = 120.0
STEP_TIMEOUT_S = 60.0

TYPING: tuple[tuple[str, ...], ...] = (
    ("t", "r", "a", "n", "s", "<Backspace>", "<Backspace>", "<Backspace>", "<Backspace>",
     "<Backspace>"),
    (*"distillation", "<Escape>"),
    (*"graph neural", "<Escape>"),
    (*"cvpr", "<Escape>"),
    (*"reading", "<Escape>"),
    (*"xq", "<Escape>"),
)  # fmt: skip
"""Keystrokes into the quick search: prefixes growing into words of the synthetic
vocabulary, a venue, a tag name and a word nothing matches; each group ends cleared."""


# --- small helpers -------------------------------------------------------------------------
def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile (linear interpolation between closest ranks)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _sqlite_files(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def evict_from_page_cache(path: Path) -> bool:
    """Drop the library's pages from the OS page cache (no root needed); True if done."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return False
    for file in _sqlite_files(path):
        if file.exists():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.fsync(fd)
                advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident memory of a live process (Linux ``VmHWM``), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def own_peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- the library ---------------------------------------------------------------------------
def library_count(path: Path) -> int | None:
    """References outside the trash in the library at ``path`` (None: no usable library)."""
    if not path.exists():
        return None
    from refman.app import open_library

    try:
        library = open_library(str(path))
    except Exception:  # not a library (or a broken one): the caller refuses it
        return None
    try:
        return library.count()
    finally:
        library.store.close()


def build_library(path: Path, records: int, vocabulary: str = "worst") -> dict[str, Any]:
    """Import ``records`` synthetic references into a new library at ``path`` and tag
    some of them; built under a temporary name, so an interrupted build is never
    reused. ``vocabulary``: ``worst`` (every word in 94% of abstracts) or ``realistic``
    (``benchmarks.synthetic.RealisticText``)."""
    from benchmarks.synthetic import write_listing
    from refman.app import open_library
    from refman.domain.query import ReferenceQuery
    from refman.services.importing import import_files

    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.building")
    for file in _sqlite_files(building):
        file.unlink(missing_ok=True)
    figures: dict[str, Any] = {"records": records}
    with tempfile.TemporaryDirectory(prefix="refman-bench-gui-dump-") as tmp:
        started = time.perf_counter()
        dump = write_listing(
            Path(tmp) / "listing.txt", records, realistic=vocabulary == "realistic"
        )
        figures["write_listing_s"] = round(time.perf_counter() - started, 2)
        library = open_library(str(building))
        try:
            started = time.perf_counter()
            result = import_files(library.store, [dump])
            figures["import_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            figures["indexed"] = library.search_index_catch_up()
            figures["index_s"] = round(time.perf_counter() - started, 2)
            figures["added"] = result.added
            started = time.perf_counter()
            ids = library.query_ids(ReferenceQuery())
            pairs = 0
            for name, colour, step in TAG_PLAN:
                pairs += library.add_tags([name], ids[::step]).count
                if colour is not None:
                    library.set_tag_colour(name, colour)
            pairs += library.add_tags([BENCH_TAG], ids[-BENCH_TAG_COUNT:]).count
            figures["tag_pairs"] = pairs
            figures["tagging_s"] = round(time.perf_counter() - started, 2)
            library.store.checkpoint()
        finally:
            library.store.close()
    for file in _sqlite_files(path):
        file.unlink(missing_ok=True)
    for source, target in zip(_sqlite_files(building), _sqlite_files(path), strict=True):
        if source.exists():
            source.replace(target)
    return figures


def ensure_library(path: Path, records: int, vocabulary: str = "worst") -> dict[str, Any]:
    """Reuse the library at ``path`` if it holds ``records`` references, else build it
    (in a child process, so the import's memory is not counted as the window's)."""
    count = library_count(path)
    if count == records:
        return {"reused": True, "records": count}
    if count is not None or path.exists():
        raise SystemExit(
            f"{path} exists but holds {count if count is not None else 'no'} references, "
            f"not {records:,}: remove it or pass --records {count}"
        )
    print(f"building a library of {records:,} references in {path} …", file=sys.stderr)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_gui", "--build-only",
         "--records", str(records), "--library", str(path), "--vocabulary", vocabulary],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"building the library failed:\n{out.stderr}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["reused"] = False
    figures["build_s"] = round(time.perf_counter() - started, 1)
    print(f"built in {figures['build_s']} s: {json.dumps(figures)}", file=sys.stderr)
    return figures


# --- 1. start-up of the real app process ---------------------------------------------------
def isolated_environment(home: Path) -> dict[str, str]:
    """The app's environment: offscreen, with home, config, data and cache folders of
    its own (so the user's settings and libraries stay out of it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFMAN_", "XDG_"))}
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_RUNTIME_DIR": home / "runtime",
    }
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[name] = str(folder)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["REFMAN_AUTO_BACKUP"] = "off"  # (a daily backup of 1.5 GB must not land in a measure)
    return env


@dataclass
class StartRun:
    """One start of the app process."""

    cold: bool
    ms: float
    app_ms: float
    rows: int
    peak_mb: float | None


def start_app_once(library: Path, env: dict[str, str], work: Path, run: int) -> StartRun:
    """Spawn the app, wait for its ready file, read its peak memory, then close it."""
    ready = work / f"ready-{run}.json"
    ready.unlink(missing_ok=True)
    run_env = dict(env, REFMAN_READY_FILE=str(ready))
    log = work / f"app-{run}.log"
    command = [sys.executable, "-m", "refman.cli.main", "--db", str(library)]
    with log.open("w", encoding="utf-8") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=run_env, stdout=subprocess.DEVNULL, stderr=err, cwd=work
        )
        try:
            deadline = started + START_TIMEOUT_S
            while not ready.exists():
                if process.poll() is not None:
                    raise SystemExit(
                        f"the app exited ({process.returncode}) before it was ready:\n"
                        + log.read_text(encoding="utf-8")
                    )
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the app was not ready within {START_TIMEOUT_S:.0f} s")
                time.sleep(0.001)  # polling the ready file; the deadline bounds the wait
            elapsed = time.perf_counter() - started
            payload = json.loads(ready.read_text(encoding="utf-8"))
            peak = vm_hwm_mb(process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # closes the window, saving settings
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    return StartRun(
        cold=run == 0,
        ms=_ms(elapsed),
        app_ms=float(payload["startup_ms"]),
        rows=int(payload["rows"]),
        peak_mb=peak,
    )


def measure_start(library: Path, work: Path, warm_runs: int) -> list[StartRun]:
    """One cold start, then ``warm_runs`` warm ones."""
    env = isolated_environment(work / "home")
    runs = []
    for run in range(1 + warm_runs):
        if run == 0:
            evict_from_page_cache(library)
        runs.append(start_app_once(library, env, work, run))
        print(f"start {run}: {runs[-1]}", file=sys.stderr)
    return runs


# --- 2-4. in-process measures on the real MainWindow ---------------------------------------
@dataclass
class KeySample:
    """One quick-search keystroke: until the list's first screen showed the new query's
    rows (``first_ms``), and until the whole list did (``total_ms``)."""

    text: str
    rows: int
    first_ms: float
    total_ms: float
    debounce_ms: float
    repainted: bool

    @property
    def first_work_ms(self) -> float:
        """Key to first screen minus the debounce pause (the time spent working)."""
        return round(self.first_ms - self.debounce_ms, 1)

    @property
    def work_ms(self) -> float:
        """Key to the whole list minus the debounce pause (the time spent working)."""
        return round(self.total_ms - self.debounce_ms, 1)


@dataclass
class Timed:
    """An operation on the list: until its rows repainted, and until its re-query (which
    checks whether membership changed) finished."""

    shown_ms: list[float] = field(default_factory=list)
    settled_ms: list[float] = field(default_factory=list)


@dataclass
class InProcess:
    """What the in-process part measured."""

    window_ready_ms: float = 0.0
    keys: list[KeySample] = field(default_factory=list)
    sorts: list[dict[str, Any]] = field(default_factory=list)
    tagging: Timed = field(default_factory=Timed)
    undoing: Timed = field(default_factory=Timed)
    peak_mb: float = 0.0


class Harness:
    """Drives a MainWindow and waits on conditions with deadlines, handling events the
    way the app's event loop does (blocking until something happens)."""

    def __init__(self, app: QApplication, window: MainWindow) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.app = app
        self.window = window
        self.last_paint = 0.0
        self.last_reset = 0.0
        self.last_flush = 0.0
        self.last_first_page = 0.0
        paint_type = QEvent.Type.Paint
        harness = self

        class PaintClock(QObject):
            def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
                if event.type() == paint_type:
                    harness.last_paint = time.perf_counter()
                return False

        self._clock = PaintClock(window)
        window.view.viewport().installEventFilter(self._clock)
        window.model.modelReset.connect(self._on_reset)
        # Windows from before the first-page fetch (to compare versions) show their first
        # screen with the whole list.
        first_page = getattr(window.model, "sig_first_page_loaded", window.model.sig_ids_loaded)
        first_page.connect(self._on_first_page)
        window.search.sig_search_changed.connect(self._on_flush)
        # Wakes the blocking wait now and then, so a deadline is noticed.
        self._heartbeat = QTimer(window)
        self._heartbeat.setInterval(50)
        self._heartbeat.start()

    def _on_reset(self) -> None:
        self.last_reset = time.perf_counter()

    def _on_flush(self, _text: str) -> None:
        self.last_flush = time.perf_counter()

    def _on_first_page(self) -> None:
        self.last_first_page = time.perf_counter()

    def until(
        self, condition: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT_S
    ) -> None:
        """Process events (blocking while there are none) until ``condition()``."""
        from PySide6.QtCore import QEventLoop

        flag = QEventLoop.ProcessEventsFlag
        flags = flag.AllEvents | flag.WaitForMoreEvents
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
            self.app.processEvents(flags)

    def first_screen(self, since: float) -> float:
        """Wait until the list shows the current query's first rows (its first page, or
        the whole list when that came at once) and, if it reset the list after
        ``since``, the list has repainted; returns the time it was."""
        model = self.window.model
        pending = getattr(model, "is_first_page_pending", model.is_loading)
        self.until(lambda: not pending(), "the list's first page")
        if self.last_reset > since:
            self.until(lambda: self.last_paint > self.last_reset, "the list's repaint")
        return time.perf_counter()

    def settled(self, since: float) -> float:
        """Wait until the list's query is done (the whole list, not only its first
        page) and, if it reset the list after ``since``, the list has repainted, and the
        events that the rest of the list posted (scroll bar, layout) are handled;
        returns the time it was."""
        model = self.window.model
        self.until(lambda: not model.is_loading(), "the list's query")
        if self.last_reset > since:
            self.until(lambda: self.last_paint > self.last_reset, "the list's repaint")
        self.app.processEvents()
        return time.perf_counter()


def _press(widget: Any, key: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    named = {"<Backspace>": Qt.Key.Key_Backspace, "<Escape>": Qt.Key.Key_Escape,
             "<Return>": Qt.Key.Key_Return}  # fmt: skip
    if key in named:
        QTest.keyClick(widget, named[key])
    else:
        QTest.keyClicks(widget, key)


def measure_keystrokes(harness: Harness) -> list[KeySample]:
    """Every keystroke of ``TYPING`` into the quick search, timed to the updated list."""
    window = harness.window
    search, model = window.search, window.model
    search.setFocus()
    samples = []
    for group in TYPING:
        for key in group:
            before = " ".join(search.text().split())
            started = time.perf_counter()
            _press(search, key)
            handled = time.perf_counter()
            expected = " ".join(search.text().split())
            if expected == before:  # e.g. a space: nothing to search for
                continue

            def announced(text: str = expected) -> bool:
                return not search.is_pending() and model.query.text == text

            harness.until(announced, "the debounced search")
            first = harness.first_screen(started)
            done = harness.settled(started)
            debounce = max(0.0, harness.last_flush - handled)
            samples.append(
                KeySample(
                    text=expected,
                    rows=model.rowCount(),
                    first_ms=_ms(first - started),
                    total_ms=_ms(done - started),
                    debounce_ms=_ms(debounce),
                    repainted=harness.last_reset > started,
                )
            )
    return samples


def measure_sorting(harness: Harness) -> list[dict[str, Any]]:
    """Click every sortable header twice (both directions), each timed to the repaint."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from refman.gui.reference_table_model import SORT_KEYS

    window = harness.window
    model, header = window.model, window.view.horizontalHeader()
    results = []
    for column, key in SORT_KEYS.items():
        for _direction in range(2):
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            point = QPoint(x, header.height() // 2)
            previous = (model.query.sort, model.query.descending)
            started = time.perf_counter()
            QTest.mouseClick(
                header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
            )
            first = harness.first_screen(started)
            done = harness.settled(started)
            now = (model.query.sort, model.query.descending)
            if now == previous or now[0] != key:
                raise RuntimeError(f"clicking the {key} header did not re-sort by it ({now})")
            results.append(
                {"column": str(key), "descending": now[1], "first_ms": _ms(first - started),
                 "ms": _ms(done - started), "rows": model.rowCount()}
            )  # fmt: skip
    return results


def _carries(window: MainWindow, rows: Sequence[int], name: str) -> bool:
    from refman.gui.reference_table_model import TAGS_ROLE, Column

    model = window.model
    return all(
        any(tag == name for tag, _colour in model.data(model.index(row, Column.TAGS), TAGS_ROLE))
        for row in rows
    )


def _timed_change(harness: Harness, action: Callable[[], None], into: Timed, what: str) -> None:
    started = time.perf_counter()
    action()
    harness.until(lambda: harness.last_paint > started, f"the repaint after {what}")
    shown = time.perf_counter()
    done = harness.settled(started)
    into.shown_ms.append(_ms(shown - started))
    into.settled_ms.append(_ms(done - started))


def measure_tagging(harness: Harness) -> tuple[Timed, Timed]:
    """Select ``SELECTED_ROWS`` rows, tag them through the tag field (Enter), undo;
    ``TAG_REPEATS`` times. Returns the tagging and the undo times."""
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    window = harness.window
    model, view = window.model, window.view
    if model.rowCount() < SELECTED_ROWS:
        raise RuntimeError(f"the list has fewer than {SELECTED_ROWS:,} rows")
    view.scrollToTop()
    selection = QItemSelection(
        model.index(0, 0), model.index(SELECTED_ROWS - 1, model.columnCount() - 1)
    )
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    harness.until(lambda: len(window.detail.selected_ids) == SELECTED_ROWS, "the selection")
    checked = (0, SELECTED_ROWS // 2, SELECTED_ROWS - 1)
    if _carries(window, checked, BENCH_TAG):
        raise RuntimeError(f"the first rows already carry {BENCH_TAG!r}")
    tag_field = window.detail.tag_field
    tagging, undoing = Timed(), Timed()
    for _ in range(TAG_REPEATS):
        tag_field.setFocus()
        tag_field.setText(BENCH_TAG)
        _timed_change(harness, lambda: _press(tag_field, "<Return>"), tagging, "tagging")
        if not _carries(window, checked, BENCH_TAG):
            raise RuntimeError("the list does not show the new tag")
        _timed_change(harness, window.undo, undoing, "undoing the tagging")
        if _carries(window, checked, BENCH_TAG):
            raise RuntimeError("the undo left the tag on the list")
    return tagging, undoing


def measure_in_process(library_path: Path, work: Path) -> InProcess:
    """Open the real MainWindow on the library (as tests/gui/conftest.py does) and time
    keystrokes, sorting and tagging; then read this process's peak memory."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QStandardPaths
    from PySide6.QtWidgets import QApplication

    from refman.app import open_library
    from refman.gui.main_window import MainWindow
    from refman.gui.settings import configure_application

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["refman-bench"])
    settings = work / "settings"
    settings.mkdir(exist_ok=True)
    QStandardPaths.setTestModeEnabled(True)
    configure_application(app)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))

    result = InProcess()
    library = open_library(str(library_path))
    try:
        started = time.perf_counter()
        window = MainWindow(library)
        ready: list[bool] = []
        window.sig_ready.connect(lambda: ready.append(True))
        harness = Harness(app, window)
        window.show()
        harness.until(lambda: bool(ready), "the window's first paint with rows")
        harness.until(
            lambda: window.model.loaded_once and not window.model.is_loading(), "the list"
        )
        result.window_ready_ms = _ms(time.perf_counter() - started)
        print(f"window ready in {result.window_ready_ms} ms", file=sys.stderr)
        result.keys = measure_keystrokes(harness)
        print(f"keystrokes: {len(result.keys)} samples", file=sys.stderr)
        result.sorts = measure_sorting(harness)
        print(f"sorting: {[s['ms'] for s in result.sorts]}", file=sys.stderr)
        result.tagging, result.undoing = measure_tagging(harness)
        print(f"tagging: {result.tagging} / undo {result.undoing}", file=sys.stderr)
        result.peak_mb = own_peak_mb()
        window.close()
        app.processEvents()
    finally:
        library.store.close()
    return result


# --- report --------------------------------------------------------------------------------
def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(records: int, starts: list[StartRun], inner: InProcess) -> dict[str, Any]:
    """Print the Markdown table; return the raw figures."""
    warm = [r.ms for r in starts if not r.cold]
    cold = [r.ms for r in starts if r.cold]
    app_peaks = [r.peak_mb for r in starts if r.peak_mb is not None]
    key_first = [k.first_ms for k in inner.keys]
    key_first_work = [k.first_work_ms for k in inner.keys]
    key_total = [k.total_ms for k in inner.keys]
    key_work = [k.work_ms for k in inner.keys]
    sorts_first = [s["first_ms"] for s in inner.sorts]
    sorts = [s["ms"] for s in inner.sorts]
    debounce = statistics.median(k.debounce_ms for k in inner.keys if k.debounce_ms > 0)
    rows: list[tuple[str, str, str, str]] = []

    def add(measure: str, figure: str, target: str, ok: bool) -> None:
        rows.append((measure, figure, target, _met(ok)))

    add(
        f"start → painted window, warm ({len(warm)} runs): median / max",
        f"{statistics.median(warm):.0f} / {max(warm):.0f} ms",
        f"≤ {TARGET_START_MS:.0f} ms",
        statistics.median(warm) <= TARGET_START_MS,
    )
    add("start → painted window, cold (1 run)", f"{cold[0]:.0f} ms", "—", True)
    # The target is judged on what the user sees: the list's first screen updated. The
    # rest of the list (the scroll bar's extent) follows; its figure is reported beside.
    add(
        f"keystroke → first screen of the list, excluding the {debounce:.0f} ms debounce "
        f"({len(key_first_work)} keys): median / p95",
        f"{statistics.median(key_first_work):.1f} / {percentile(key_first_work, 95):.1f} ms",
        f"p95 ≤ {TARGET_KEY_P95_MS:.0f} ms",
        percentile(key_first_work, 95) <= TARGET_KEY_P95_MS,
    )
    rows.append(
        (
            f"keystroke → whole list, excluding the debounce ({len(key_work)} keys): median / p95",
            f"{statistics.median(key_work):.1f} / {percentile(key_work, 95):.1f} ms",
            "—",
            "—",
        )
    )
    narrow = [k.work_ms for k in inner.keys if k.rows * 10 < records]
    if narrow:
        add(
            f"… whole list, the {len(narrow)} keys whose query matches < 10% of the library",
            f"{statistics.median(narrow):.1f} / {percentile(narrow, 95):.1f} ms",
            f"p95 ≤ {TARGET_KEY_P95_MS:.0f} ms",
            percentile(narrow, 95) <= TARGET_KEY_P95_MS,
        )
    for stage, values in (("first screen", key_first), ("whole list", key_total)):
        rows.append(
            (
                f"keystroke → {stage}, including the debounce: median / p95",
                f"{statistics.median(values):.1f} / {percentile(values, 95):.1f} ms",
                "—",
                "—",
            )
        )
    for stage, values in (("first screen", sorts_first), ("whole list", sorts)):
        add(
            f"re-sort by a column → {stage} ({len(values)} clicks): median / max",
            f"{statistics.median(values):.1f} / {max(values):.1f} ms",
            f"≤ {TARGET_SORT_MS:.0f} ms",
            max(values) <= TARGET_SORT_MS,
        )
    for label, timed in (
        (f"tag {SELECTED_ROWS:,} selected rows", inner.tagging),
        ("undo that tagging", inner.undoing),
    ):
        for stage, values in (
            ("rows repainted with the change", timed.shown_ms),
            ("list's re-query done", timed.settled_ms),
        ):
            add(
                f"{label} → {stage} ({len(values)} runs): median / max",
                f"{statistics.median(values):.1f} / {max(values):.1f} ms",
                f"≤ {TARGET_TAG_MS:.0f} ms",
                statistics.median(values) <= TARGET_TAG_MS,
            )
    add(
        "peak memory, in-process window after 2-4 (ru_maxrss)",
        f"{inner.peak_mb:.0f} MB",
        f"≤ {TARGET_PEAK_MB:.0f} MB",
        inner.peak_mb <= TARGET_PEAK_MB,
    )
    if app_peaks:
        add(
            "peak memory, app process once ready (VmHWM): max",
            f"{max(app_peaks):.0f} MB",
            f"≤ {TARGET_PEAK_MB:.0f} MB",
            max(app_peaks) <= TARGET_PEAK_MB,
        )
    print(f"\nGUI benchmark, {records:,} references ({starts[-1].rows:,} listed)\n")
    print("| measure | median / p95 (or max) | target | met? |")
    print("|---|---:|---|---|")
    for measure, figure, target, ok in rows:
        print(f"| {measure} | {figure} | {target} | {ok} |")
    return {
        "records": records,
        "start_ms": {"cold": cold, "warm": warm, "in_app_ms": [r.app_ms for r in starts]},
        "app_peak_mb": app_peaks,
        "window_ready_in_process_ms": inner.window_ready_ms,
        "keys": [
            dataclasses.asdict(k) | {"first_work_ms": k.first_work_ms, "work_ms": k.work_ms}
            for k in inner.keys
        ],
        "sorts": inner.sorts,
        "tag_ms": dataclasses.asdict(inner.tagging),
        "untag_ms": dataclasses.asdict(inner.undoing),
        "peak_mb": inner.peak_mb,
    }


@contextlib.contextmanager
def _work_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="refman-bench-gui-") as tmp:
        yield Path(tmp)


def main(argv: Sequence[str] | None = None) -> None:
    """Build or reuse the library, run the measures and print the results."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument(
        "--library", type=Path, help="library file to reuse or create (default: a temporary one)"
    )
    parser.add_argument("--warm-runs", type=int, default=WARM_RUNS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="worst", help=VOCABULARY_HELP)
    args = parser.parse_args(argv)
    if args.build_only:
        print(json.dumps(build_library(args.library, args.records, args.vocabulary)))
        return
    with _work_folder() as work:
        library = args.library.resolve() if args.library else work / "library.sqlite"
        built = ensure_library(library, args.records, args.vocabulary)
        starts = measure_start(library, work, args.warm_runs)
        inner = measure_in_process(library, work)
    figures = report(args.records, starts, inner)
    figures["library"] = built
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
