"""Export from the window: the Export Selected dialog, Copy Citation / Copy BibTeX, the
citation style, and auto-exported files brought up to date after every change."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QStyle, QWidget

from refman.gui import settings as keys
from refman.gui.export_dialog import ExportDialog, citation_styles
from refman.gui.library_bridge import LibraryBridge
from refman.gui.settings import Settings
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.services.auto_export import AutoExportOutcome
from refman.services.citekeys import DEFAULT_PATTERN, PATTERN_FIELDS
from refman.services.errors import USER_ERRORS
from refman.services.exporting import DEFAULT_STYLE, ExportRequest, ExportResult
from refman.services.library import Changed, Library

STYLE_PRELOAD_DELAY_MS = 2000
"""After start-up, when the window is painted and idle."""

AUTO_EXPORT_DELAY_MS = 400
"""Changes within this pause are brought to the auto-exported files together."""


def library_render(refs: Sequence[object], style: str, output: str) -> str:
    """``citing.format_citations`` (imported on first use: citeproc is not small)."""
    from refman.services.citing import format_citations  # noqa: PLC0415

    return str(format_citations(refs, style, output))  # type: ignore[arg-type]


class ExportController(QObject):
    """The window's export actions.

    Signals:
        sig_reported(str): a one-line result for the status bar.
        sig_error_raised(str): a failure the user must see.
    """

    sig_reported = Signal(str)
    sig_error_raised = Signal(str)

    def __init__(
        self,
        library: Library,
        bridge: LibraryBridge,
        runner: TaskRunner,
        *,
        settings: Settings,
        selected_ids: Callable[[], list[int]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._bridge = bridge
        self._runner = runner
        self._settings = settings
        self._selected_ids = selected_ids
        self._window = parent
        self.dialog: ExportDialog | None = None

        self.export_action = self._action(
            "&Export Selected…", self.ask_export, "Ctrl+E",
            "Export the selected references to BibTeX, RIS, CSL-JSON or a bibliography",
        )  # fmt: skip
        self.export_action.setIcon(
            parent.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton)
        )
        self.copy_citation_action = self._action(
            "Copy &Citation", self.copy_citation, "Ctrl+Shift+C",
            "Copy the selected references' citations in the chosen style",
        )  # fmt: skip
        self.copy_bibtex_action = self._action(
            "Copy &BibTeX", self.copy_bibtex, "Ctrl+Shift+B",
            "Copy the selected references as BibTeX entries",
        )  # fmt: skip
        self.regenerate_keys_action = self._action(
            "Regenerate Citation &Keys…", self.ask_regenerate_keys, "Ctrl+Shift+K",
            "Give the selected references new citation keys from a pattern",
        )  # fmt: skip
        self.style_group = QActionGroup(self)
        current = self.style
        for name, label in citation_styles().items():
            action = QAction(label, self, checkable=True)
            action.setData(name)
            action.setChecked(name == current)
            action.triggered.connect(lambda _checked=False, n=name: self.set_style(n))
            self.style_group.addAction(action)

        self._auto_timer = QTimer(self)
        self._auto_timer.setSingleShot(True)
        self._auto_timer.setInterval(AUTO_EXPORT_DELAY_MS)
        self._auto_timer.timeout.connect(self.update_auto_exports)
        self._auto_running = False
        self._auto_again = False
        self.has_auto_exports = bool(library.auto_exports())
        # Parse the citation style once the window is up, so the first Copy Citation
        # does not pay for it (about 30 ms with citeproc's import).
        QTimer.singleShot(STYLE_PRELOAD_DELAY_MS, self, self._preload_style)
        for signal in (
            bridge.sig_references_changed,
            bridge.sig_tags_changed,
            bridge.sig_everything_changed,
        ):
            signal.connect(self.schedule_auto_exports)

    def _action(self, text: str, slot: Callable[[], None], shortcut: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _preload_style(self) -> None:
        from refman.services.citing import load_style  # noqa: PLC0415

        if self._runner.closed:  # the window closed first
            return
        style = self.style
        self._runner.run(lambda _control: load_style(style))

    # --- style ----------------------------------------------------------------------------
    @property
    def style(self) -> str:
        """The citation style of Copy Citation and dragged rows."""
        style = self._settings.text(keys.CITATION_STYLE, DEFAULT_STYLE)
        return style if style in citation_styles() else DEFAULT_STYLE

    def set_style(self, name: str) -> None:
        """Choose the citation style."""
        self._settings.set(keys.CITATION_STYLE, name)
        for action in self.style_group.actions():
            action.setChecked(action.data() == name)

    # --- export dialog ----------------------------------------------------------------------
    def ask_export(self) -> None:
        """Open Export Selected for the selection."""
        ids = self._selected_ids()
        if not ids:
            self.sig_reported.emit("Select the references to export first.")
            return
        self.dialog = ExportDialog(self._library, self._runner, ids, self._settings, self._window)
        self.dialog.sig_exported.connect(self._on_exported)
        self.dialog.open()

    def _on_exported(self, result: ExportResult) -> None:
        line = result.summary()
        self.sig_reported.emit(f"{line[:1].upper()}{line[1:]}.")

    # --- clipboard --------------------------------------------------------------------------
    def copy_citation(self) -> None:
        """Put the selection's citations on the clipboard, as text and HTML."""
        ids, library, style = self._selected_ids(), self._library, self.style
        if not ids:
            return

        def done(mime: tuple[str, str]) -> None:
            data = QMimeData()
            data.setText(mime[0])
            data.setHtml(mime[1])
            QGuiApplication.clipboard().setMimeData(data)
            noun = "citation" if len(ids) == 1 else "citations"
            label = citation_styles().get(style, style)
            self.sig_reported.emit(f"Copied {len(ids):,} {noun} ({label}).")

        def job(_control: TaskControl) -> tuple[str, str]:
            refs = library.store.references(ids)
            return library_render(refs, style, "text"), library_render(refs, style, "html")

        self._runner.run(job, succeeded=done, failed=self._failed)

    def citation_texts(self, ids: Sequence[int]) -> tuple[str, str]:
        """The citations of ``ids`` in the current style as text and HTML (rows dragged
        into another application drop these)."""
        refs = self._library.store.references(ids)
        return library_render(refs, self.style, "text"), library_render(refs, self.style, "html")

    def copy_bibtex(self) -> None:
        """Put the selection's BibTeX entries on the clipboard."""
        ids, library = self._selected_ids(), self._library
        if not ids:
            return

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.sig_reported.emit(
                f"Copied {len(ids):,} BibTeX entr{'y' if len(ids) == 1 else 'ies'}."
            )

        self._runner.run(
            lambda _control: library.render(ids, ExportRequest("bibtex")),
            succeeded=done,
            failed=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, USER_ERRORS):
            raise exc
        self.sig_error_raised.emit(str(exc))

    # --- citation keys ----------------------------------------------------------------------
    def ask_regenerate_keys(self) -> None:
        """Ask for a key pattern, then give the selection new keys (on the runner)."""
        ids = self._selected_ids()
        if not ids:
            return
        fields = "\n".join(f"{{{name}}}  {what}" for name, what in PATTERN_FIELDS.items())
        pattern, ok = QInputDialog.getText(
            self._window,
            "Regenerate Citation Keys",
            f"New keys for {len(ids):,} reference(s), from the pattern:\n\n{fields}\n",
            text=self._settings.text(keys.CITEKEY_PATTERN, DEFAULT_PATTERN),
        )
        if ok and pattern.strip():
            self.regenerate_keys(ids, pattern.strip())

    def regenerate_keys(self, ids: Sequence[int], pattern: str) -> None:
        """Give ``ids`` new keys from ``pattern``; a bad pattern is reported."""
        library, bridge = self._library, self._bridge

        def done(changed: Changed) -> None:
            self._settings.set(keys.CITEKEY_PATTERN, pattern)
            bridge.apply(changed, touched={"citekey"})
            self.sig_reported.emit(f"{changed.count:,} citation key(s) changed.")

        self._runner.run(
            lambda _control: library.regenerate_citekeys(ids, pattern),
            succeeded=done,
            failed=self._failed,
        )

    # --- auto-export ------------------------------------------------------------------------
    def set_auto_export_count(self, count: int) -> None:
        """How many auto-exports there are now (none: changes schedule nothing)."""
        self.has_auto_exports = count > 0

    def schedule_auto_exports(self, *_args: object) -> None:
        """A change happened: bring the auto-exported files up to date shortly."""
        if self.has_auto_exports and not self._runner.closed:
            self._auto_timer.start()

    def flush_auto_exports(self) -> None:
        """The window is closing: if a change has not reached the auto-exported files yet,
        write them now (after the runner stopped, so nothing else writes meanwhile)."""
        if self._auto_timer.isActive() or self._auto_running or self._auto_again:
            self._auto_timer.stop()
            for outcome in self._library.run_auto_exports():
                if outcome.error:
                    self.sig_error_raised.emit("Auto-export failed: " + outcome.error)

    def update_auto_exports(self) -> None:
        """Rewrite the auto-exported files whose text changed (on the runner)."""
        if self._runner.closed:
            return
        if self._auto_running:  # one at a time; run once more when it ends
            self._auto_again = True
            return
        self._auto_running = True
        library = self._library

        def done(outcomes: list[AutoExportOutcome]) -> None:
            self._auto_running = False
            written = [o for o in outcomes if o.result is not None and o.result.written]
            errors = [o.error for o in outcomes if o.error]
            if errors:
                self.sig_error_raised.emit("Auto-export failed: " + "; ".join(errors))
            elif written:
                names = ", ".join(o.export.path for o in written)
                self.sig_reported.emit(f"Updated {names}.")
            if self._auto_again:
                self._auto_again = False
                self.update_auto_exports()

        def failed(exc: BaseException) -> None:
            self._auto_running = False
            self._failed(exc)

        self._runner.run(lambda _control: library.run_auto_exports(), succeeded=done, failed=failed)
