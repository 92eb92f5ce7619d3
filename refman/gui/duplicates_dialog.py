"""Tools > Find Duplicates: clusters side by side, field differences highlighted, the
value to keep chosen per field; merge one cluster or every cluster above a confidence
(one undo step), or remember that a cluster is not a duplicate."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QUndoCommand
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refman.domain import Reference
from refman.gui.library_bridge import LibraryBridge
from refman.gui.plain_text import literal
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.gui.undo_commands import MergeCommand, MergePlan, merge_plans
from refman.services.duplicates import Cluster, MergeRecord
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed

COMPARED_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("entry_type", "Type"),
    ("venue", "Venue"),
    ("doi", "DOI"),
    ("arxiv_id", "arXiv"),
    ("url", "URL"),
    ("volume", "Volume"),
    ("pages", "Pages"),
    ("publisher", "Publisher"),
    ("citekey", "Citation key"),
    ("abstract", "Abstract"),
)
"""The rows of the comparison, in order: (field, label)."""

_DIFFERS = QColor("#fff3c4")
_CHOSEN = QColor("#cdeccd")


def field_value(ref: Reference, name: str) -> str:
    """A field as the comparison shows it."""
    if name == "authors":
        return "; ".join(p.display_name for p in ref.authors)
    value = getattr(ref, name)
    text = "" if value is None else str(value)
    if name == "title" and ref.title_provisional:
        return f"{text} (provisional)"
    if name == "abstract" and len(text) > 300:
        return text[:300] + "…"
    return text


class DuplicatesDialog(QDialog):
    """Finds and merges duplicates. The scan and the merges run on the task runner; the
    merges are pushed to the window's undo stack.

    Signals:
        sig_reported(str): a one-line result for the status bar.
    """

    sig_reported = Signal(str)

    def __init__(
        self,
        bridge: LibraryBridge,
        runner: TaskRunner,
        push: Callable[[QUndoCommand], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find Duplicates")
        self._bridge = bridge
        self._runner = runner
        self._push = push
        self._clusters: list[Cluster] = []
        self._refs: list[Reference] = []
        self._choices: dict[str, int] = {}

        self.status = QLabel("Looking for duplicates…")
        self.clusters = QListWidget()
        self.clusters.setWordWrap(True)
        self.clusters.currentRowChanged.connect(self._show_cluster)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.cellClicked.connect(self.choose)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.hint = QLabel(
            "Highlighted rows differ. Click a value to keep it; the first column is the "
            "record the others merge into. Tags, notes, attachments and collections of all "
            "of them are kept."
        )
        self.hint.setWordWrap(True)
        self.merge_button = QPushButton("Merge")
        self.merge_button.clicked.connect(self.merge_current)
        self.not_button = QPushButton("Not Duplicates")
        self.not_button.clicked.connect(self.mark_current_not_duplicates)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.5, 1.0)
        self.threshold.setSingleStep(0.01)
        self.threshold.setValue(0.95)
        self.merge_all_button = QPushButton("Merge All at or above")
        self.merge_all_button.clicked.connect(self.merge_above_threshold)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.hint)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.clusters)
        splitter.addWidget(right)
        splitter.setSizes([300, 700])
        buttons = QHBoxLayout()
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.not_button)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_all_button)
        buttons.addWidget(self.threshold)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.resize(1100, 640)
        self._set_busy(True)
        self.scan()

    # --- scanning ---------------------------------------------------------------------------
    def scan(self) -> None:
        """Look for duplicates (on the runner)."""
        library = self._bridge.library
        self._set_busy(True)
        self.status.setText("Looking for duplicates…")
        self._runner.run(
            lambda _control: library.duplicates(), succeeded=self._show_clusters,
            failed=self._failed,
        )  # fmt: skip

    def _show_clusters(self, clusters: list[Cluster]) -> None:
        self._clusters = clusters
        self.clusters.clear()
        titles = {ref.id: ref.title for ref in self._bridge.library.store.references(
            [i for c in clusters for i in c.ids[:1]])}  # fmt: skip
        for cluster in clusters:
            label = titles.get(cluster.ids[0], "")[:70]
            item = QListWidgetItem(
                f"{label}\n{len(cluster.ids)} references · {cluster.reason} · "
                f"{cluster.confidence:.0%}"
            )
            item.setData(Qt.ItemDataRole.UserRole, cluster.ids)
            self.clusters.addItem(item)
        n = len(clusters)
        self.status.setText(
            "No duplicates found." if not n else f"{n:,} group{'s' if n != 1 else ''} of "
            "possible duplicates, surest first."
        )  # fmt: skip
        self._set_busy(False)
        if clusters:
            self.clusters.setCurrentRow(0)
        else:
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)

    def _set_busy(self, busy: bool) -> None:
        has = bool(self._clusters) and not busy
        for button in (self.merge_button, self.not_button, self.merge_all_button):
            button.setEnabled(has)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, USER_ERRORS):
            raise exc
        self.status.setText(str(exc))

    # --- one cluster --------------------------------------------------------------------------
    def current_cluster(self) -> Cluster | None:
        """The cluster shown on the right."""
        row = self.clusters.currentRow()
        return self._clusters[row] if 0 <= row < len(self._clusters) else None

    def _show_cluster(self, row: int) -> None:
        self._choices = {}
        if not 0 <= row < len(self._clusters):
            return
        self._refs = self._bridge.library.store.references(self._clusters[row].ids)
        refs = self._refs
        self.table.clear()
        self.table.setColumnCount(len(refs))
        self.table.setRowCount(len(COMPARED_FIELDS))
        self.table.setHorizontalHeaderLabels(
            [("Keep: " if i == 0 else "") + f"#{ref.id}" for i, ref in enumerate(refs)]
        )
        self.table.setVerticalHeaderLabels([label for _name, label in COMPARED_FIELDS])
        for r, (name, _label) in enumerate(COMPARED_FIELDS):
            values = [field_value(ref, name) for ref in refs]
            differs = len({v for v in values if v}) > 1
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(literal(value))
                if differs:
                    item.setBackground(QBrush(_DIFFERS))
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()

    def choose(self, row: int, column: int) -> None:
        """Keep this reference's value of the row's field."""
        if not 0 <= column < len(self._refs):
            return
        name = COMPARED_FIELDS[row][0]
        ref_id = self._refs[column].id
        if ref_id is None:
            return
        self._choices[name] = ref_id
        for c in range(self.table.columnCount()):
            item = self.table.item(row, c)
            if item is None:
                continue
            font = QFont(item.font())
            font.setBold(c == column)
            item.setFont(font)
            if c == column:
                item.setBackground(QBrush(_CHOSEN))

    def plan(self) -> MergePlan | None:
        """The merge the user set up for the current cluster."""
        cluster = self.current_cluster()
        if cluster is None or not self._refs:
            return None
        return MergePlan(
            ids=tuple(ref.id for ref in self._refs if ref.id is not None),
            master=self._refs[0].id,
            choices=tuple(sorted(self._choices.items())),
        )

    def merge_current(self) -> None:
        """Merge the current cluster as set up."""
        plan = self.plan()
        if plan is not None:
            self._merge([plan])

    def merge_above_threshold(self) -> None:
        """Merge every cluster at or above the chosen confidence (default masters)."""
        threshold = self.threshold.value()
        plans = [MergePlan(ids=c.ids) for c in self._clusters if c.confidence >= threshold]
        if plans:
            self._merge(plans)

    def _merge(self, plans: Sequence[MergePlan]) -> None:
        library, bridge = self._bridge.library, self._bridge
        self._set_busy(True)

        def job(_control: TaskControl) -> list[MergeRecord]:
            return merge_plans(library, plans)

        def done(records: list[MergeRecord]) -> None:
            bridge.apply(Changed(tags=True, collections=True, everything=True))
            self._push(MergeCommand(bridge, plans, records))
            merged = sum(len(p.ids) - 1 for p in plans)
            self.sig_reported.emit(f"Merged {merged:,} duplicate(s) into {len(plans):,}.")
            self.scan()

        self._runner.run(job, succeeded=done, failed=self._failed)

    def mark_current_not_duplicates(self) -> None:
        """Remember that the current cluster's references are different works."""
        cluster = self.current_cluster()
        if cluster is None:
            return
        try:
            self._bridge.library.mark_not_duplicates(cluster.ids)
        except USER_ERRORS as exc:
            self.status.setText(str(exc))
            return
        self.scan()
