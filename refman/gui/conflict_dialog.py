"""When an edit lost the race with someone else's (a shared library): per field, their
value, the user's, and a merged text to choose or write; saving writes the choice against
the library's new version (and asks again if it moved once more)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from refman.domain import Reference
from refman.gui.library_bridge import LibraryBridge
from refman.gui.undo_commands import EditFieldCommand, same_field_value
from refman.services.errors import USER_ERRORS
from refman.services.watching import ConflictError, ConnectionLostError

SILENT_RETRIES = 3
"""How often an edit whose fields nobody else touched is written again against a newer
version before the user is asked (someone keeps editing other fields of it)."""

THEIRS, MINE, MERGED = "theirs", "mine", "merged"
SHORT_TEXT_LINES = 3
"""Lines shown of a title in the dialog (longer texts: ``LONG_TEXT_LINES``)."""
LONG_TEXT_LINES = 8


def shown(value: Any) -> str:
    """A field's value as an editor shows it."""
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field both sides changed: its value when the user started (``base``), the
    library's now (``theirs``) and the user's (``mine``)."""

    name: str
    label: str
    base: Any
    theirs: Any
    mine: Any


def conflicts_of(
    current: Reference,
    mine: Mapping[str, Any],
    bases: Mapping[str, Any],
    labels: Mapping[str, str],
) -> list[FieldConflict]:
    """The fields of ``mine`` someone else changed (differently) since ``bases``."""
    out = []
    for name, value in mine.items():
        theirs = getattr(current, name)
        if same_field_value(name, theirs, bases.get(name)) or same_field_value(name, theirs, value):
            continue
        out.append(FieldConflict(name, labels.get(name, name), bases.get(name), theirs, value))
    return out


class _FieldRow:
    """The widgets of one field: theirs, mine (read-only), the result (editable), and the
    three choices."""

    def __init__(
        self,
        conflict: FieldConflict,
        grid: QGridLayout,
        row: int,
        parent: QWidget,
        *,
        multiline: bool,
    ) -> None:
        self.conflict = conflict
        self.multiline = multiline
        label = QLabel(f"<b>{conflict.label}</b>", parent)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        self.theirs_view = self._view(parent, shown(conflict.theirs), read_only=True)
        self.mine_view = self._view(parent, shown(conflict.mine), read_only=True)
        self.result = self._view(parent, shown(conflict.mine), read_only=False)
        self.result.setAccessibleName(f"{conflict.label}: merged")
        self.theirs_choice = QRadioButton("Keep theirs", parent)
        self.mine_choice = QRadioButton("Use mine", parent)
        self.merged_choice = QRadioButton("Merged (edit below)", parent)
        self.group = QButtonGroup(parent)
        for button in (self.theirs_choice, self.mine_choice, self.merged_choice):
            self.group.addButton(button)
        self.mine_choice.setChecked(True)
        for column, (view, choice) in enumerate(
            (
                (self.theirs_view, self.theirs_choice),
                (self.mine_view, self.mine_choice),
                (self.result, self.merged_choice),
            ),
            start=1,
        ):
            cell = QWidget(parent)
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(choice)
            box.addWidget(view)
            grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignTop)
        self._setting = False
        self.theirs_choice.toggled.connect(self._on_theirs_toggled)
        self.mine_choice.toggled.connect(self._on_mine_toggled)
        if isinstance(self.result, QLineEdit):
            self.result.textEdited.connect(self._on_result_edited)
        else:
            self.result.textChanged.connect(self._on_result_edited)

    def _view(self, parent: QWidget, text: str, *, read_only: bool) -> QLineEdit | QPlainTextEdit:
        view: QLineEdit | QPlainTextEdit
        if self.multiline:
            view = QPlainTextEdit(parent)
            view.setPlainText(text)
            view.setTabChangesFocus(True)
            lines = SHORT_TEXT_LINES if self.conflict.name == "title" else LONG_TEXT_LINES
            margins = 2 * (view.frameWidth() + int(view.document().documentMargin())) + 4
            view.setFixedHeight(lines * view.fontMetrics().lineSpacing() + margins)
        else:
            view = QLineEdit(parent)
            view.setText(text)
            view.setCursorPosition(0)
        view.setReadOnly(read_only)
        if read_only:
            view.setStyleSheet("background: palette(window);")
        return view

    def _on_theirs_toggled(self, on: bool) -> None:
        if on:
            self._take(self.conflict.theirs)

    def _on_mine_toggled(self, on: bool) -> None:
        if on:
            self._take(self.conflict.mine)

    def _take(self, value: Any) -> None:
        self._setting = True
        try:
            if isinstance(self.result, QLineEdit):
                self.result.setText(shown(value))
                self.result.setCursorPosition(0)
            else:
                self.result.setPlainText(shown(value))
        finally:
            self._setting = False

    def _on_result_edited(self, *_args: object) -> None:
        if not self._setting:
            self.merged_choice.setChecked(True)

    def text(self) -> str:
        """The result as the user left it."""
        if isinstance(self.result, QLineEdit):
            return self.result.text()
        return self.result.toPlainText()

    def choice(self) -> str:
        """``theirs``, ``mine`` or ``merged``."""
        if self.theirs_choice.isChecked():
            return THEIRS
        return MINE if self.mine_choice.isChecked() else MERGED

    def choose(self, choice: str) -> None:
        """Select a choice (as a click would)."""
        {THEIRS: self.theirs_choice, MINE: self.mine_choice, MERGED: self.merged_choice}[
            choice
        ].setChecked(True)

    def set_result(self, text: str) -> None:
        """Type a merged text (tests, and a choice kept across a refresh)."""
        self.merged_choice.setChecked(True)
        self._take(text)
        self.merged_choice.setChecked(True)


class ConflictDialog(QDialog):
    """Side by side for each conflicting field: theirs (the library now), mine (what the
    user typed) and the result, which starts as mine; choosing fills it in, typing in it
    makes it a merge. Accepting saves the results (see :class:`ConflictResolver`);
    rejecting discards the user's edits of these fields."""

    def __init__(
        self,
        title: str,
        conflicts: list[FieldConflict],
        parent: QWidget | None = None,
        *,
        multiline: Collection[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edited by Someone Else")
        self.setModal(True)
        self._multiline = frozenset(multiline)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet("color: #b26a00; font-weight: bold;")
        self.notice.hide()
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        self._body = QWidget(self)
        self._grid = QGridLayout(self._body)
        self._grid.setColumnStretch(1, 1)
        self._grid.setColumnStretch(2, 1)
        self._grid.setColumnStretch(3, 1)
        self.rows: dict[str, _FieldRow] = {}
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._body)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.discard_button = self.buttons.addButton(
            "Discard My Changes", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.notice)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.set_conflicts(title, conflicts)
        rows = sum(
            min(r.result.sizeHint().height(), r.result.maximumHeight()) + 40
            for r in self.rows.values()
        )
        self.resize(920, min(170 + rows, 760))

    def set_conflicts(self, title: str, conflicts: list[FieldConflict], notice: str = "") -> None:
        """Show these conflicts (after a refresh the user's earlier choices are kept
        where the field is still in conflict)."""
        previous = {name: (row.choice(), row.text()) for name, row in self.rows.items()}
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        fields = ", ".join(c.label.lower() for c in conflicts)
        self.intro.setText(
            f"Someone else changed the {fields} of “{title}” while you were editing. "
            "For each field keep their value, use yours, or edit a merged text; "
            "“Discard My Changes” keeps theirs."
        )
        for column, heading in enumerate(
            ("Theirs (in the library now)", "Mine (what you typed)", "Result"), start=1
        ):
            label = QLabel(f"<i>{heading}</i>", self._body)
            self._grid.addWidget(label, 0, column)
        for row, conflict in enumerate(conflicts, start=1):
            field_row = _FieldRow(
                conflict,
                self._grid,
                row,
                self._body,
                multiline=conflict.name in self._multiline,
            )
            self.rows[conflict.name] = field_row
            if conflict.name in previous:
                choice, text = previous[conflict.name]
                if choice == MERGED:
                    field_row.set_result(text)
                else:
                    field_row.choose(choice)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        self._grid.setRowStretch(len(conflicts) + 1, 1)  # (rows packed at the top)
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self.show_error("")

    def values(self) -> dict[str, str]:
        """The result text of each field."""
        return {name: row.text() for name, row in self.rows.items()}

    def choices(self) -> dict[str, str]:
        """Each field's choice: ``theirs``, ``mine`` or ``merged``."""
        return {name: row.choice() for name, row in self.rows.items()}

    def show_error(self, message: str) -> None:
        """A message under the fields (a refused value, no connection)."""
        self.error.setText(message)
        self.error.setVisible(bool(message))


Value = Callable[[str, str], Any]


class ConflictResolver(QObject):
    """Saves a user's edits of one reference's fields when someone else may have written
    it meanwhile (``ConflictError``, or a change seen while the user typed).

    Fields nobody else touched are written against the newer version without asking;
    when some were changed by both, :class:`ConflictDialog` asks, and its choice is
    written against the version it showed: if that moved again, the dialog stays open
    with the new values. Each save is one undo step whose undo restores their values.

    Signals:
        sig_finished(int, bool): the edits of this reference were saved (True) or
            discarded (False).
        sig_dialog_opened(object): a :class:`ConflictDialog` is shown (tests).
    """

    sig_finished = Signal(int, bool)
    sig_dialog_opened = Signal(object)

    def __init__(
        self,
        bridge: LibraryBridge,
        undo_stack: QUndoStack,
        parent: QWidget,
        *,
        labels: Mapping[str, str],
        multiline: Collection[str] = (),
        value_of: Value | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._undo_stack = undo_stack
        self._parent = parent
        self._labels = dict(labels)
        self._multiline = frozenset(multiline)
        self._value_of: Value = value_of or (lambda name, text: text)
        self.dialog: ConflictDialog | None = None
        self.asking: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        """The edits a dialog asks about now: reference id -> (the user's values, the
        values they began from); kept on disk by a shared library's window meanwhile."""

    def save(self, ref_id: int, mine: Mapping[str, Any], bases: Mapping[str, Any]) -> bool:
        """Write ``mine`` (field values the user set, starting from ``bases``). True when
        written at once, False when the dialog asks (or the reference is gone). Raises
        ``ConnectionLostError`` and the library's validation errors."""
        for _attempt in range(SILENT_RETRIES):
            current = self._current(ref_id)
            if current is None:
                self._bridge.report_error("The reference was deleted by someone else.")
                self.sig_finished.emit(ref_id, False)
                return False
            conflicts = conflicts_of(current, mine, bases, self._labels)
            if conflicts:
                self._ask(current, mine, bases, conflicts)
                return False
            changes = {
                name: value
                for name, value in mine.items()
                if not same_field_value(name, getattr(current, name), value)
            }
            try:
                self._write(current, changes)
            except ConflictError:
                continue  # written again, against the newer version
            self.sig_finished.emit(ref_id, True)
            return True
        current = self._current(ref_id)
        conflicts = [] if current is None else conflicts_of(current, mine, {}, self._labels)
        if current is None or not conflicts:
            self.sig_finished.emit(ref_id, current is not None)  # (theirs is mine already)
            return current is not None
        self._ask(current, mine, bases, conflicts)
        return False

    def _current(self, ref_id: int) -> Reference | None:
        loaded = self._bridge.library.load([ref_id])
        return loaded[0] if loaded else None

    def _write(self, current: Reference, changes: Mapping[str, Any]) -> None:
        """``changes`` against ``current``'s version, as one undo step."""
        if not changes:
            return
        assert current.id is not None
        library = self._bridge.library
        changed = library.update_fields(current.id, dict(changes), current.version)
        old = {name: getattr(current, name) for name in changes}
        self._bridge.apply(changed, set(changes))
        self._undo_stack.push(EditFieldCommand(self._bridge, current.id, old, dict(changes)))

    def _ask(
        self,
        current: Reference,
        mine: Mapping[str, Any],
        bases: Mapping[str, Any],
        conflicts: list[FieldConflict],
    ) -> None:
        assert current.id is not None
        ref_id = current.id
        dialog = ConflictDialog(
            current.title or "(untitled)", conflicts, self._parent, multiline=self._multiline
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        state = {"current": current}
        others = {n: v for n, v in mine.items() if n not in {c.name for c in conflicts}}
        self.asking[ref_id] = (dict(mine), dict(bases))

        def on_accept() -> None:
            shown_version = state["current"]
            chosen = {n: self._value_of(n, text) for n, text in dialog.values().items()}
            wanted = {**others, **chosen}
            changes = {
                name: value
                for name, value in wanted.items()
                if not same_field_value(name, getattr(shown_version, name), value)
            }
            try:
                self._write(shown_version, changes)
            except ConflictError:
                fresh = self._current(ref_id)
                if fresh is None:
                    dialog.done(QDialog.DialogCode.Rejected)
                    return
                state["current"] = fresh
                again = conflicts_of(fresh, wanted, _values(shown_version, wanted), self._labels)
                again = again or conflicts_of(fresh, wanted, {}, self._labels)
                dialog.set_conflicts(
                    fresh.title or "(untitled)",
                    again,
                    "Changed again by someone else while this was open: check the values "
                    "and save again.",
                )
                return
            except USER_ERRORS as exc:  # a refused value, or no connection
                if isinstance(exc, ConnectionLostError):
                    self._bridge.connection_lost(exc)
                dialog.show_error(str(exc))
                return
            self.dialog = None
            self.asking.pop(ref_id, None)
            dialog.done(QDialog.DialogCode.Accepted)
            self.sig_finished.emit(ref_id, True)

        def on_reject() -> None:
            self.dialog = None
            self.asking.pop(ref_id, None)
            dialog.done(QDialog.DialogCode.Rejected)
            self.sig_finished.emit(ref_id, False)

        # The buttons decide; done() is called only once the choice is written.
        dialog.buttons.accepted.disconnect()
        dialog.buttons.rejected.disconnect()
        dialog.buttons.accepted.connect(on_accept)
        dialog.buttons.rejected.connect(on_reject)

        def on_closed() -> None:  # (Escape, or the window's close button)
            if self.dialog is dialog:
                on_reject()

        dialog.rejected.connect(on_closed)
        self.dialog = dialog
        dialog.open()
        self.sig_dialog_opened.emit(dialog)


def _values(ref: Reference, names: Mapping[str, Any]) -> dict[str, Any]:
    return {name: getattr(ref, name) for name in names}
