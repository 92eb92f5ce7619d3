"""The window's online lookups: Fetch Metadata, Add by Identifier, Download PDF.

Network work runs on a task runner of its own (two worker threads), so a lookup that
waits on arXiv's three seconds between requests, or on a slow server, never holds a
worker the reference list needs for its queries. Writes (applying a fetch) go through
the window's runner. A status-bar strip shows what runs, how far it got (for many
references) and a Cancel button; a failure is one line in the status bar, and the
library is then unchanged. Every change is one step on the undo stack."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStyle,
    QToolButton,
    QWidget,
)

from refman.domain.identifiers import parse_identifier
from refman.gui.add_identifier_dialog import AddIdentifierDialog
from refman.gui.fetch_dialog import FetchDialog
from refman.gui.library_bridge import LibraryBridge
from refman.gui.lookup_commands import AddReferencesCommand, FetchMetadataCommand, touched_fields
from refman.gui.task_runner import Task, TaskControl, TaskRunner
from refman.gui.undo_commands import ATTACHMENTS_TOUCHED, AttachCommand
from refman.services import lookup
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed
from refman.services.lookup import LookupCancelledError, LookupClient, LookupSettings
from refman.services.metadata import (
    CONTACT_SETTING,
    AddOutcome,
    DownloadOutcome,
    FetchOutcome,
    updates_for,
)

T = TypeVar("T")
ADD_SHORTCUT = QKeySequence("Ctrl+Shift+N")

ClientFactory = Callable[[LookupSettings, Callable[[], bool]], LookupClient]
"""Makes the client a job uses: settings and the job's "cancelled?" (tests replay)."""


def default_client(settings: LookupSettings, cancelled: Callable[[], bool]) -> LookupClient:
    """The real network (``lookup.open_client``)."""
    return lookup.open_client(settings, cancelled=cancelled)


def add_icon() -> QIcon:
    """The theme's "add" icon, else a drawn plus sign (Qt's standard icons have none)."""
    icon = QIcon.fromTheme("list-add")
    if not icon.isNull():
        return icon
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#2e7d32"), 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(16, 5, 16, 27)
    painter.drawLine(5, 16, 27, 16)
    painter.end()
    return QIcon(pixmap)


def _services(texts: Sequence[str]) -> str:
    """Who is asked about ``texts``: "arXiv", "Crossref" or "arXiv and Crossref"."""
    kinds = {i.kind for i in map(parse_identifier, texts) if i is not None}
    names = [name for kind, name in (("arxiv", "arXiv"), ("doi", "Crossref")) if kind in kinds]
    return " and ".join(names) or "arXiv and Crossref"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class LookupProgress(QWidget):
    """The status-bar strip of a running lookup: what it does, a bar, Cancel.

    Signals:
        sig_cancel_requested(): the user pressed Cancel.
    """

    sig_cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton(self)
        self.cancel.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel.setToolTip("Cancel the lookup (nothing is changed)")
        self.cancel.setAutoRaise(True)
        self.cancel.clicked.connect(self.sig_cancel_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def start(self, text: str) -> None:
        """Show ``text`` with a busy bar (until a count arrives)."""
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.show()

    def progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` (a busy bar while there is no total)."""
        if total > 1:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        else:
            self.bar.setRange(0, 0)

    def note(self, text: str) -> None:
        """A new phase ("Downloading the PDF of …", "retrying in 8 s …")."""
        self.label.setText(text)

    def finish(self) -> None:
        """Hide."""
        self.hide()


class LookupController(QObject):
    """Fetch Metadata, Add by Identifier and Download PDF for the window.

    Signals:
        sig_reported(str): a one-line outcome (or failure) for the status bar.
        sig_reference_added(int): show this reference (added, or already there).
    """

    sig_reported = Signal(str)
    sig_reference_added = Signal(int)

    def __init__(
        self,
        bridge: LibraryBridge,
        runner: TaskRunner,
        undo_stack: QUndoStack,
        *,
        selected_ids: Callable[[], list[int]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._runner = runner
        self._undo_stack = undo_stack
        self._selected_ids = selected_ids
        self._window = parent
        self.network = TaskRunner(self, threads=2)
        self.client_factory: ClientFactory = default_client
        self.progress = LookupProgress(parent)
        self.progress.sig_cancel_requested.connect(self.cancel)
        self.batch: Task | None = None
        """The running fetch or download (one at a time; the status strip's)."""
        self.adding: Task | None = None
        self.fetch_dialog: FetchDialog | None = None
        self.add_dialog: AddIdentifierDialog | None = None
        self.email_dialog: QInputDialog | None = None
        self._closing = False

        self.fetch_action = QAction("Fetch &Metadata", self)
        self.fetch_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.fetch_action.setStatusTip(
            "Look the selected references up on arXiv or Crossref and review the changes"
        )
        self.fetch_action.triggered.connect(self.fetch_selection)
        self.add_action = QAction("Add by &Identifier…", self)
        self.add_action.setShortcut(ADD_SHORTCUT)
        self.add_action.setIconText("Add by ID")
        self.add_action.setIcon(add_icon())
        self.add_action.setStatusTip("Add a paper by its arXiv id, DOI or link")
        self.add_action.setToolTip("Add a paper by its arXiv id, DOI or link (Ctrl+Shift+N)")
        self.add_action.triggered.connect(self.show_add_dialog)
        self.download_action = QAction("Download &PDF", self)
        self.download_action.setStatusTip(
            "Download the arXiv PDF of the selected references into the attachment folder"
        )
        self.download_action.triggered.connect(self.download_selection)
        self.email_action = QAction("Lookup Contact &E-mail…", self)
        self.email_action.setStatusTip(
            "The e-mail address sent with lookups (Crossref's polite pool)"
        )
        self.email_action.triggered.connect(self.ask_contact_email)

    # --- state ------------------------------------------------------------------------------
    def update_actions(self, *, has_selection: bool) -> None:
        """Enable what the selection allows (one fetch or download at a time)."""
        free = self.batch is None
        self.fetch_action.setEnabled(has_selection and free)
        self.download_action.setEnabled(has_selection and free)

    def is_busy(self) -> bool:
        """Whether a lookup runs."""
        return self.batch is not None or self.adding is not None

    def cancel(self) -> None:
        """Cancel the running fetch or download (nothing it did not finish is kept)."""
        if self.batch is not None:
            self.batch.cancel()
            self.progress.note("Cancelling…")

    def shutdown(self) -> None:
        """Cancel every lookup and let the workers go (the window is closing). A request
        still in flight is abandoned: its thread ends with the process."""
        self._closing = True
        self.network.shutdown(timeout=2.0)

    def _job_client(self, control: TaskControl) -> LookupClient:
        """The client of a job (on its worker thread)."""
        client = self.client_factory(self._bridge.library.lookup_settings(), control.is_cancelled)
        client.status = control.note
        return client

    def _start_batch(
        self,
        text: str,
        job: Callable[[TaskControl], T],
        succeeded: Callable[[T], None],
        what: str,
    ) -> Task | None:
        """Run a fetch or a download (one at a time), shown in the status strip."""
        if self.batch is not None:
            self.sig_reported.emit("A lookup is already running: wait for it, or cancel it.")
            return None
        task = self.network.create(job)
        self.batch = task
        task.sig_progressed.connect(self.progress.progress)
        task.sig_noted.connect(self.progress.note)
        task.sig_succeeded.connect(succeeded)
        task.sig_failed.connect(self._failed(what))
        task.sig_finished.connect(self._batch_finished)
        self.progress.start(text)
        self._refresh_actions()
        return self.network.start(task)

    def _batch_finished(self) -> None:
        self.batch = None
        self.progress.finish()
        self._refresh_actions()

    def _refresh_actions(self) -> None:
        self.update_actions(has_selection=bool(self._selected_ids()))

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def report(exc: BaseException) -> None:
            if isinstance(exc, LookupCancelledError):
                self.sig_reported.emit(f"{what}: cancelled; nothing was changed.")
            elif isinstance(exc, USER_ERRORS):
                self.sig_reported.emit(f"{what}: {exc}. Nothing was changed.")
            else:
                raise exc

        return report

    # --- fetch --------------------------------------------------------------------------------
    def fetch_selection(self) -> Task | None:
        """Look the selected references up; the review dialog opens when they answer."""
        ids = self._selected_ids()
        if not ids:
            self.sig_reported.emit("Select the references to fetch metadata for first.")
            return None
        library = self._bridge.library

        def job(control: TaskControl) -> list[FetchOutcome]:
            with self._job_client(control) as client:
                return library.fetch_metadata(ids, client, control.report)

        text = f"Fetching metadata for {_plural(len(ids), 'reference')}…"
        return self._start_batch(text, job, self._review, "Fetch Metadata")

    def _review(self, outcomes: list[FetchOutcome]) -> None:
        if self._closing:  # (answered while the window closes: nothing to review)
            return
        errors = [o for o in outcomes if o.error]
        if not any(o.changes for o in outcomes):
            if errors and len(outcomes) == 1:
                self.sig_reported.emit(f"Fetch Metadata: {errors[0].citekey}: {errors[0].error}.")
            elif errors:
                self.sig_reported.emit(
                    f"Nothing to change; {_plural(len(errors), 'reference')} could not be "
                    f"looked up (e.g. {errors[0].citekey}: {errors[0].error})."
                )
            else:
                self.sig_reported.emit(
                    "Already up to date." if len(outcomes) == 1
                    else f"All {len(outcomes):,} references are up to date."
                )  # fmt: skip
            return
        dialog = FetchDialog(outcomes, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_fetch(outcomes, dialog.chosen_fields()))
        dialog.rejected.connect(lambda: self.sig_reported.emit("Fetch Metadata: nothing changed."))
        self.fetch_dialog = dialog
        dialog.open()

    def apply_fetch(self, outcomes: Sequence[FetchOutcome], chosen: dict[int, set[str]]) -> None:
        """Write the chosen changes (on the window's runner) as one undo step."""
        forward, backward = updates_for(outcomes, chosen)
        if not forward:
            self.sig_reported.emit("Fetch Metadata: nothing changed.")
            return
        library = self._bridge.library

        def done(changed: Changed) -> None:
            self._bridge.apply(changed, touched_fields(forward))
            self._push(FetchMetadataCommand(self._bridge, forward, backward))
            self.sig_reported.emit(f"Updated {_plural(changed.count, 'reference')}.")

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, USER_ERRORS):
                raise exc
            self._bridge.report_error(f"Could not write the fetched metadata: {exc}")

        self._runner.run(lambda _c: library.apply_metadata(forward), succeeded=done, failed=failed)

    def _push(self, command: QUndoCommand) -> None:
        self._undo_stack.push(command)

    # --- add by identifier ---------------------------------------------------------------------
    def show_add_dialog(self) -> AddIdentifierDialog:
        """Open Add by Identifier (pre-filled from the clipboard when it holds one)."""
        if self.add_dialog is not None and self.add_dialog.isVisible():
            self.add_dialog.raise_()
            self.add_dialog.activateWindow()
            return self.add_dialog
        dialog = AddIdentifierDialog(self._window)
        dialog.sig_submitted.connect(self.add_identifiers)
        dialog.rejected.connect(self._cancel_adding)
        self.add_dialog = dialog
        dialog.open()
        return dialog

    def _cancel_adding(self) -> None:
        if self.adding is not None:
            self.adding.cancel()

    def add_identifiers(self, texts: list[str]) -> Task | None:
        """Look ``texts`` up and add them (the dialog shows how it goes)."""
        if self.adding is not None:
            return None
        library = self._bridge.library

        def job(control: TaskControl) -> tuple[Changed, list[AddOutcome]]:
            with self._job_client(control) as client:
                return library.add_by_identifier(texts, client)

        task = self.network.create(job)
        self.adding = task
        dialog = self.add_dialog
        if dialog is not None:
            dialog.set_busy(True, f"Looking up on {_services(texts)}…")
            task.sig_noted.connect(lambda text: dialog.set_busy(True, text))
        task.sig_succeeded.connect(self._added)
        task.sig_failed.connect(self._add_failed)
        task.sig_finished.connect(self._adding_finished)
        return self.network.start(task)

    def _adding_finished(self) -> None:
        self.adding = None

    def _added(self, result: tuple[Changed, list[AddOutcome]]) -> None:
        changed, outcomes = result
        created = [o for o in outcomes if o.created and o.reference_id is not None]
        known = [o for o in outcomes if not o.created and o.reference_id is not None]
        missing = [o for o in outcomes if o.error]
        if created:
            self._bridge.apply(changed)
            title = (
                f"Add “{created[0].title[:40]}”" if len(created) == 1
                else f"Add {len(created):,} references"
            )  # fmt: skip
            self._push(
                AddReferencesCommand(self._bridge, [o.reference_id or 0 for o in created], title)
            )
        parts = []
        if len(created) == 1:
            parts.append(f"Added “{created[0].title}”.")
        elif created:
            parts.append(f"Added {len(created):,} references.")
        if known:
            first = known[0]
            where = " (in the Trash)" if first.trashed else ""
            parts.append(
                f"Already in the library{where}: {first.text}." if len(known) == 1
                else f"{len(known):,} were already in the library."
            )  # fmt: skip
        shown = created[0] if created else known[0] if known else None
        if shown is not None and shown.reference_id is not None:
            self.sig_reference_added.emit(shown.reference_id)
        dialog = self.add_dialog
        if missing:
            problem = "; ".join(f"{o.text}: {o.error}" for o in missing[:3])
            if dialog is not None and dialog.isVisible():
                dialog.show_problem(" ".join([*parts, problem]), [o.text for o in missing])
            self.sig_reported.emit(" ".join([*parts, f"Not found: {problem}."]))
            return
        if dialog is not None:
            dialog.set_busy(False)
            dialog.accept()
        self.sig_reported.emit(" ".join(parts))

    def _add_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, USER_ERRORS):
            raise exc
        dialog = self.add_dialog
        if isinstance(exc, LookupCancelledError):
            self.sig_reported.emit("Add by Identifier: cancelled; nothing was added.")
            return
        message = f"{exc}. Nothing was added."
        if dialog is not None and dialog.isVisible():
            dialog.show_problem(message[:1].upper() + message[1:])
        self.sig_reported.emit(f"Add by Identifier: {message}")

    # --- PDFs -----------------------------------------------------------------------------------
    def download_selection(self) -> Task | None:
        """Download the arXiv PDFs of the selected references and attach them."""
        ids = self._selected_ids()
        if not ids:
            self.sig_reported.emit("Select the references to download PDFs for first.")
            return None
        library = self._bridge.library

        def job(control: TaskControl) -> tuple[Changed, list[DownloadOutcome]]:
            with self._job_client(control) as client:
                return library.download_pdfs(ids, client, control.report, control.note)

        noun = "the PDF" if len(ids) == 1 else f"{len(ids):,} PDFs"
        return self._start_batch(f"Downloading {noun}…", job, self._downloaded, "Download PDF")

    def _downloaded(self, result: tuple[Changed, list[DownloadOutcome]]) -> None:
        changed, outcomes = result
        new = [o for o in outcomes if o.new and o.attachment is not None]
        if new:
            self._bridge.apply(changed, ATTACHMENTS_TOUCHED)
            stack = self._undo_stack
            if len(new) > 1:
                stack.beginMacro(f"Download {len(new):,} PDFs")
            for outcome in new:
                attachment_id = outcome.attachment.id if outcome.attachment else None
                assert attachment_id is not None
                command = AttachCommand(self._bridge, outcome.reference_id, [attachment_id])
                command.setText("Download PDF")
                stack.push(command)
            if len(new) > 1:
                stack.endMacro()
        failed = [o for o in outcomes if o.error]
        parts = [f"Downloaded {_plural(len(new), 'PDF')}."] if new else []
        if failed:
            reason = failed[0].error
            if len(outcomes) == 1:
                parts.append(f"Download PDF: {reason}.")
            else:
                parts.append(f"{len(failed):,} not downloaded (e.g. {reason}).")
        self.sig_reported.emit(" ".join(parts) or "Nothing to download.")

    # --- settings -------------------------------------------------------------------------------
    def ask_contact_email(self) -> QInputDialog:
        """Ask for the contact e-mail sent with lookups (stored in the library)."""
        library = self._bridge.library
        dialog = QInputDialog(self._window)
        dialog.setWindowTitle("Lookup Contact E-mail")
        dialog.setLabelText(
            "An e-mail address sent with every lookup, so that arXiv and Crossref can\n"
            "reach you about your traffic (Crossref serves such requests first).\n"
            "It is stored in the library; leave it empty to send none."
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(library.store.settings().get(CONTACT_SETTING, ""))
        dialog.textValueSelected.connect(self.set_contact_email)
        self.email_dialog = dialog
        dialog.open()
        return dialog

    def set_contact_email(self, email: str) -> None:
        """Store the contact e-mail (a malformed one is refused with a message)."""
        try:
            self._bridge.library.set_contact_email(email)
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))
            return
        shown = email.strip()
        self.sig_reported.emit(
            f"Lookups now send {shown} as contact." if shown else "Lookups send no contact."
        )
