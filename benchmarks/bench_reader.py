"""The reader's benchmark (issue 6, "Benchmark").

``QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_reader [--runs N] [--turns N]``

A 100-page PDF is written with Qt's QPdfWriter (``tests/gui/pdf_maker.py``: A4 pages of
a heading, 45 lines of serif text and a coloured figure each), attached (copied) to a
reference of a library holding the seeds, and read in the real ``MainWindow`` (1400 x
900, in process):

1. Open: from ``ReaderController.open_reference`` (what a double-click calls: loading
   the reference, the PDF, the tab with its thumbnails, outline and notes panel) until
   the first page has been painted with its rendered image (``PdfView`` announces a page
   painted once its image at the current size arrived). The tab is closed between runs;
   the first run (the first PDF of the process: pdfium and its fonts start up) is
   reported apart from the others.
2. Page turn: the toolbar's Next page, from the action until the new page is painted
   with its image (rendered for it, or a paint of one rendered before).

After each measure the page's figure is probed in a grab of the view: it must show the
figure's colour, not a blank sheet. Waits poll conditions against deadlines; nothing
relies on a fixed sleep. Prints a Markdown table, then one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import without_automatic_backups
from benchmarks.bench_gui import percentile

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from refman.gui.main_window import MainWindow
    from refman.gui.reader_tab import ReaderTab

PAGES = 100
FILLER_LINES = 45
OPEN_RUNS = 12
PAGE_TURNS = 40
TARGET_OPEN_MS = 300.0
TARGET_TURN_MS = 50.0
TIMEOUT_S = 30.0
WINDOW_SIZE = (1400, 900)


def wait_for(app: QApplication, condition: Callable[[], bool], what: str) -> None:
    """Process events until ``condition`` holds (``TIMEOUT_S`` at most)."""
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"bench_reader: timed out waiting for {what}")
        app.processEvents()


def figure_shown(tab: ReaderTab, page: int) -> bool:
    """Whether the grab of the view shows ``page``'s figure in its colour."""
    from tests.gui.pdf_maker import FIGURE, FIGURE_COLOUR

    view = tab.view
    centre = view.view_rect(page, FIGURE).center().toPoint()
    if not view.viewport().rect().contains(centre):
        return True  # the figure is below the fold: nothing to probe
    colour = view.viewport().grab().toImage().pixelColor(centre)
    return abs(colour.red() - FIGURE_COLOUR.red()) + abs(colour.blue() - FIGURE_COLOUR.blue()) < 40


@contextlib.contextmanager
def _work_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="refman-bench-reader-") as tmp:
        yield Path(tmp)


def measure(work: Path, runs: int, turns: int) -> dict[str, Any]:
    """Open the paper ``runs`` times, then turn ``turns`` pages; times in ms."""
    from PySide6.QtCore import QSettings, QStandardPaths
    from PySide6.QtWidgets import QApplication

    from refman.app import open_library
    from refman.gui.main_window import MainWindow
    from refman.gui.settings import configure_application
    from tests.conftest import SEED_FILES
    from tests.gui.pdf_maker import write_pdf

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["refman-bench"])
    QStandardPaths.setTestModeEnabled(True)
    configure_application(app)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qt"))
    started = time.perf_counter()
    pdf = write_pdf(work / "paper.pdf", PAGES, filler_lines=FILLER_LINES, title="Benchmark")
    written_s = time.perf_counter() - started
    library = open_library(str(work / "reader.sqlite"))
    library.import_files(SEED_FILES)
    (ref_id,) = library.resolve(["2106.16128"])
    library.attach_file(ref_id, pdf)
    window: MainWindow = MainWindow(library)
    window.resize(*WINDOW_SIZE)
    window.show()
    wait_for(app, lambda: window.model.loaded_once and not window.model.is_loading(), "the list")

    opens: list[float] = []
    for _run in range(runs):
        painted: list[int] = []
        start = time.perf_counter()
        tab = window.readers.open_reference(ref_id)
        assert tab is not None
        tab.view.sig_page_painted.connect(painted.append)
        wait_for(app, lambda t=tab, p=painted: t.current_page() in p, "the first page")
        opens.append((time.perf_counter() - start) * 1000)
        if not figure_shown(tab, tab.current_page()):
            raise SystemExit("bench_reader: the first page was announced but not painted")
        wait_for(app, lambda: not window.runner.busy(), "the reading status")
        window.readers.close_current()
        wait_for(app, lambda: not window.readers.is_saving(), "the page read")
        library.set_last_page(ref_id, None)  # every run opens on the first page

    tab = window.readers.open_reference(ref_id)
    assert tab is not None
    wait_for(app, lambda t=tab: t.view.has_image(t.current_page()), "the first page")
    pages: list[int] = []
    tab.view.sig_page_painted.connect(pages.append)
    turn_times: list[float] = []
    for page in range(1, turns + 1):
        pages.clear()
        paints = tab.view.paints
        start = time.perf_counter()
        tab.next_action.trigger()
        wait_for(
            app,
            lambda t=tab, n=page, before=paints: (
                t.current_page() == n
                and (n in pages or (t.view.has_image(n) and t.view.paints > before))
            ),
            f"page {page + 1}",
        )
        turn_times.append((time.perf_counter() - start) * 1000)
        if not figure_shown(tab, page):
            raise SystemExit(f"bench_reader: page {page + 1} was announced but not painted")
    window.close()
    library.store.close()
    warm = opens[1:] or opens
    return {
        "pages": PAGES,
        "pdf_bytes": pdf.stat().st_size,
        "pdf_written_s": round(written_s, 2),
        "open_first_ms": round(opens[0], 1),
        "open_median_ms": round(statistics.median(warm), 1),
        "open_p95_ms": round(percentile(warm, 95), 1),
        "open_max_ms": round(max(warm), 1),
        "turn_median_ms": round(statistics.median(turn_times), 1),
        "turn_p95_ms": round(percentile(turn_times, 95), 1),
        "turn_max_ms": round(max(turn_times), 1),
        "open_runs": len(opens),
        "turns": len(turn_times),
    }


def report(figures: dict[str, Any]) -> None:
    """The Markdown table."""

    def met(value: float, target: float) -> str:
        return "yes" if value <= target else "**no**"

    print("| measure | median / p95 (max) | target | met? |")
    print("|---|---:|---|---|")
    print(
        f"| open a {figures['pages']}-page PDF to its first page painted, first of the "
        f"process | {figures['open_first_ms']} ms | <= {TARGET_OPEN_MS:.0f} ms "
        f"| {met(figures['open_first_ms'], TARGET_OPEN_MS)} |"
    )
    print(
        f"| open again ({figures['open_runs'] - 1} runs) | {figures['open_median_ms']} / "
        f"{figures['open_p95_ms']} ({figures['open_max_ms']}) ms | <= {TARGET_OPEN_MS:.0f} ms "
        f"| {met(figures['open_p95_ms'], TARGET_OPEN_MS)} |"
    )
    print(
        f"| page turn ({figures['turns']} turns) | {figures['turn_median_ms']} / "
        f"{figures['turn_p95_ms']} ({figures['turn_max_ms']}) ms | <= {TARGET_TURN_MS:.0f} ms "
        f"| {met(figures['turn_p95_ms'], TARGET_TURN_MS)} |"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the measures and print the results."""
    without_automatic_backups()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=OPEN_RUNS, help="times the paper is opened")
    parser.add_argument("--turns", type=int, default=PAGE_TURNS, help="pages turned")
    parser.add_argument("--records", type=int, help=argparse.SUPPRESS)  # (benchmarks.run)
    parser.add_argument("--library", type=Path, help=argparse.SUPPRESS)  # (its own library)
    args = parser.parse_args(argv)
    with _work_folder() as work:
        figures = measure(work, max(args.runs, 2), min(args.turns, PAGES - 1))
    report(figures)
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
