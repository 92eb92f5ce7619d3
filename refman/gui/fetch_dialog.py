"""Fetch Metadata's review: what arXiv or Crossref would change, per reference and per
field (current value, fetched value, a checkbox each); the accepted fields are written
as one undoable step by the caller."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refman.services.metadata import FetchOutcome

_SHOWN = 160
_NEW = QColor("#1b6e20")
_GONE = QColor("#7a7a7a")
_FAILED = QColor("#9a2617")
REF_ROLE = Qt.ItemDataRole.UserRole
FIELD_ROLE = Qt.ItemDataRole.UserRole + 1


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def summary(outcomes: Sequence[FetchOutcome]) -> str:
    """One line: how many references have changes, are up to date, failed."""
    changed = sum(1 for o in outcomes if o.changes)
    current = sum(1 for o in outcomes if not o.changes and not o.error)
    failed = sum(1 for o in outcomes if o.error)
    parts = [f"{changed:,} with changes"]
    if current:
        parts.append(f"{current:,} up to date")
    if failed:
        parts.append(f"{failed:,} not looked up")
    total = len(outcomes)
    noun = "reference" if total == 1 else "references"
    return f"{total:,} {noun}: " + ", ".join(parts) + "."


class FetchDialog(QDialog):
    """The changes a fetch found. Every change starts accepted; untick what to keep.
    ``chosen_fields()`` gives the ticked fields per reference."""

    def __init__(self, outcomes: Sequence[FetchOutcome], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fetch Metadata")
        self.outcomes = list(outcomes)
        self.summary = QLabel(summary(self.outcomes), self)
        hint = QLabel(
            "Untick the values to keep as they are. Nothing is written until you apply; "
            "Undo takes the whole fetch back.",
            self,
        )
        hint.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Field", "Current", "Fetched"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(True)
        self._fill()
        self.tree.itemChanged.connect(self._update_count)

        self.all_button = QPushButton("Select &All", self)
        self.all_button.clicked.connect(lambda: self.set_all(checked=True))
        self.none_button = QPushButton("Select &None", self)
        self.none_button.clicked.connect(lambda: self.set_all(checked=False))
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton(self)
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.resize(1100, 620)
        self._update_count()

    def _fill(self) -> None:
        tree = self.tree
        bold = QFont(tree.font())
        bold.setBold(True)
        italic = QFont(tree.font())
        italic.setItalic(True)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for outcome in self.outcomes:
            if not outcome.changes:
                continue
            where = f"  ({outcome.identifier})" if outcome.identifier is not None else ""
            parent = QTreeWidgetItem(tree, [f"{outcome.citekey} — {_shown(outcome.title)}{where}"])
            parent.setFirstColumnSpanned(True)
            parent.setFont(0, bold)
            parent.setData(0, REF_ROLE, outcome.reference_id)
            parent.setFlags(
                parent.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
            )
            for change in outcome.changes:
                old = change.old_text
                provisional = change.name == "title" and outcome.title_provisional
                old_shown = _shown(old) if old else "—"
                if provisional:
                    old_shown += "  (provisional)"
                item = QTreeWidgetItem(parent, [change.label, old_shown, _shown(change.new_text)])
                item.setData(0, FIELD_ROLE, change.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked)
                item.setToolTip(1, old or "(empty)")
                item.setToolTip(2, change.new_text)
                item.setForeground(2, QBrush(_NEW))
                if not old or provisional:
                    item.setForeground(1, QBrush(_GONE))
                    item.setFont(1, italic)
            parent.setExpanded(True)
        for outcome in self.outcomes:
            if not outcome.error:
                continue
            item = QTreeWidgetItem(tree, [f"{outcome.citekey} — {outcome.error}"])
            item.setFirstColumnSpanned(True)
            item.setIcon(0, warning)
            item.setForeground(0, QBrush(_FAILED))
            item.setToolTip(0, outcome.title)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def _reference_items(self) -> list[QTreeWidgetItem]:
        items = []
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item is not None and item.data(0, REF_ROLE) is not None:
                items.append(item)
        return items

    def field_items(self) -> list[QTreeWidgetItem]:
        """The per-field rows, in order."""
        items: list[QTreeWidgetItem] = []
        for parent in self._reference_items():
            items.extend(c for c in (parent.child(i) for i in range(parent.childCount())) if c)
        return items

    def set_all(self, *, checked: bool) -> None:
        """Tick or untick every change."""
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.tree.blockSignals(True)  # one count at the end, not one per field
        try:
            for item in self._reference_items():
                item.setCheckState(0, state)
        finally:
            self.tree.blockSignals(False)
        self._update_count()

    def chosen_fields(self) -> dict[int, set[str]]:
        """The ticked fields per reference (references with none left out)."""
        chosen: dict[int, set[str]] = {}
        for parent in self._reference_items():
            ref_id = int(parent.data(0, REF_ROLE))
            for i in range(parent.childCount()):
                child = parent.child(i)
                if child is not None and child.checkState(0) == Qt.CheckState.Checked:
                    chosen.setdefault(ref_id, set()).add(str(child.data(0, FIELD_ROLE)))
        return chosen

    def _update_count(self, *_args: object) -> None:
        count = sum(len(fields) for fields in self.chosen_fields().values())
        self.apply_button.setText(f"&Apply {count:,} Change{'s' if count != 1 else ''}")
        self.apply_button.setEnabled(count > 0)
