"""The right pane: every field of the selected reference, its tags and notes; or, with
several references selected, how many and tag operations for all of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QTextCursor, QUndoStack
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from refman.domain import Reference
from refman.domain.search_query import highlight_spans
from refman.gui.attachment_box import AttachmentBox
from refman.gui.conflict_dialog import ConflictResolver, shown
from refman.gui.field_editors import ErrorLabel, LineFieldEdit, TextFieldEdit
from refman.gui.highlight_delegate import HIGHLIGHT
from refman.gui.library_bridge import LibraryBridge, ReferenceChange
from refman.gui.notes_editor import NotesEditor
from refman.gui.plain_text import literal
from refman.gui.tag_chips import TagChipBox
from refman.gui.tag_field import TagField
from refman.gui.undo_commands import NoteHandles, do_edit_field, same_field_value
from refman.services.errors import USER_ERRORS
from refman.services.watching import ConflictError, ConnectionLostError

MULTI_CHIP_LIMIT = 5_000
"""Above this many selected references the pane skips listing their tags."""

# (field, label, multi-line?) in the order shown; "authors" and "links" are read-only rows.
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("title", "Title", True),
    ("authors", "Authors", False),
    ("year", "Year", False),
    ("venue", "Venue", False),
    ("links", "Links", False),
    ("abstract", "Abstract", True),
    ("doi", "DOI", False),
    ("arxiv_id", "arXiv", False),
    ("url", "URL", False),
    ("code_url", "Code", False),
    ("volume", "Volume", False),
    ("issue", "Issue", False),
    ("pages", "Pages", False),
    ("publisher", "Publisher", False),
    ("journal_ref", "Journal ref", False),
    ("entry_type", "Type", False),
    ("citekey", "Citation key", False),
    ("page_count", "Page count", False),
    ("figure_count", "Figures", False),
    ("comments", "Comments", True),
)
_READ_ONLY_ROWS = frozenset({"authors", "links"})


def field_text(ref: Reference, name: str) -> str:
    """A field's value as its editor shows it."""
    value = getattr(ref, name)
    return "" if value is None else str(value)


def links(ref: Reference) -> list[tuple[str, str]]:
    """``(label, url)`` of the reference's web pages, for the link buttons."""
    out = []
    if ref.arxiv_id:
        out.append(("arXiv page", f"https://arxiv.org/abs/{ref.arxiv_id}"))
    if ref.doi:
        out.append(("DOI", f"https://doi.org/{ref.doi}"))
    if ref.code_url:
        out.append(("Code", ref.code_url))
    if ref.url and all(ref.url != url for _label, url in out):
        out.append(("Web page", ref.url))
    out.extend(
        (f"Attachment {n}", a.location)
        for n, a in enumerate(ref.attachments, start=1)
        if a.kind == "url"
    )
    return out


def _message_for(field: str, exc: Exception) -> str:
    text = str(exc)
    return text.removeprefix(f"{field}: ")


def typed_value(name: str, text: str) -> Any:
    """What an editor's text is saved as (the library validates and normalises it)."""
    return text if name == "abstract" else text.strip()


SEEN_KEPT = 50
"""References the pane keeps as last shown, to show them while there is no connection."""
PENDING_MESSAGE = (
    "Not saved yet: no connection to the library. Your text is kept here and saved "
    "when the connection is back."
)


def changed_meanwhile_message(theirs: Any) -> str:
    """Under a field someone else changed while the user was typing in it."""
    text = " ".join(shown(theirs).split())
    text = text if len(text) <= 80 else f"{text[:79]}…"
    return (
        f"Someone else changed this to “{text}” while you were typing: saving will ask "
        "which to keep."
    )


class DetailPane(QWidget):
    """Shows the selection. Field edits are saved (undoably) on Enter or focus out, with
    a validation message next to the field when the library refuses the value.

    On a shared library the reference may change underneath: a field being typed in keeps
    the user's text (its value when typing began is its *base*); saving it when someone
    else changed that field meanwhile asks which to keep (:class:`ConflictResolver`).
    Edits that cannot be saved for want of a connection stay pending, shown in their
    fields, and are saved by :meth:`retry_pending` once it is back.

    Signals:
        sig_tags_entered(list[str]): tags typed in the tag field, for the selection.
        sig_tag_removal_requested(str): a chip's × asked to remove a tag from the selection.
    """

    sig_tags_entered = Signal(list)
    sig_tag_removal_requested = Signal(str)

    def __init__(
        self,
        bridge: LibraryBridge,
        undo_stack: QUndoStack,
        handles: NoteHandles,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._undo_stack = undo_stack
        self._ids: list[int] = []
        self.reference: Reference | None = None
        self._edit_bases: dict[str, Any] = {}
        """Fields typed in across a reload: their value when the typing began."""
        self._pending: dict[int, dict[str, tuple[Any, Any]]] = {}
        self._seen: dict[int, tuple[Reference, Path]] = {}
        """The references shown last, as loaded (shown so while there is no connection)."""
        """Unsaved edits (no connection): reference id -> field -> (value, base)."""
        self.conflicts = ConflictResolver(
            bridge,
            undo_stack,
            self,
            labels={name: label for name, label, _multi in FIELDS},
            multiline={name for name, _label, multi in FIELDS if multi},
            value_of=typed_value,
        )
        self.conflicts.sig_finished.connect(self._on_conflict_finished)

        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._heading_font = self.heading.font()
        self._heading_font.setPointSizeF(self._heading_font.pointSizeF() * 1.2)
        self._heading_font.setBold(True)
        self.heading.setFont(self._heading_font)
        self.subheading = QLabel(self)
        self.subheading.setTextFormat(Qt.TextFormat.PlainText)
        self.subheading.setWordWrap(True)
        self.subheading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subheading.setStyleSheet("color: palette(placeholder-text);")
        self.chips = TagChipBox(self)
        self.chips.sig_remove_requested.connect(self.sig_tag_removal_requested)
        self.tag_field = TagField(self)
        self.tag_field.sig_tags_entered.connect(self.sig_tags_entered)

        self.editors: dict[str, LineFieldEdit | TextFieldEdit] = {}
        self.highlight_words: tuple[str, ...] = ()
        self.errors: dict[str, ErrorLabel] = {}
        fields = QWidget(self)
        form = QFormLayout(fields)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.provisional_hint = QLabel(
            "Provisional title, derived from the abstract: edit it to replace it.", self
        )
        self.provisional_hint.setWordWrap(True)
        self.provisional_hint.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
        self.authors = QLabel(self)
        self.authors.setTextFormat(Qt.TextFormat.PlainText)
        self.authors.setWordWrap(True)
        self.authors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link_row = QHBoxLayout()
        self.link_row.setContentsMargins(0, 0, 0, 0)
        self.link_row.addStretch(1)
        link_box = self._link_box = QWidget(fields)
        link_box.setLayout(self.link_row)
        self._link_buttons: list[QPushButton] = []
        for name, label, multi in FIELDS:
            if name == "authors":
                form.addRow(label, self.authors)
                continue
            if name == "links":
                form.addRow(label, link_box)
                continue
            editor: LineFieldEdit | TextFieldEdit
            if multi:
                editor = TextFieldEdit(
                    label,
                    fields,
                    single_line=name == "title",
                    max_lines=4 if name == "title" else 16,
                )
            else:
                editor = LineFieldEdit(label, fields)
            editor.sig_committed.connect(lambda text, n=name: self.commit_field(n, text))
            error = ErrorLabel(fields)
            cell = QWidget(fields)
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(editor)
            column.addWidget(error)
            if name == "title":
                column.addWidget(self.provisional_hint)
            form.addRow(label, cell)
            self.editors[name] = editor
            self.errors[name] = error
        self.added = QLabel(self)
        form.addRow("Added", self.added)
        self.files = AttachmentBox(fields)
        form.insertRow(FIELDS.index(("links", "Links", False)) + 1, "Files", self.files)

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.addWidget(self.heading)
        top_layout.addWidget(self.subheading)
        top_layout.addWidget(self.chips)
        top_layout.addWidget(self.tag_field)
        self.fields = fields
        self.multi_hint = QLabel(
            "Tags typed above are added to every selected reference; a chip's × removes "
            "that tag from all of them.",
            self,
        )
        self.multi_hint.setWordWrap(True)
        self.multi_hint.setAlignment(Qt.AlignmentFlag.AlignTop)
        top_layout.addWidget(fields)
        top_layout.addWidget(self.multi_hint)
        top_layout.addStretch(1)
        scroll = self.scroll_area = QScrollArea(self)
        scroll.setWidget(top)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.notes = NotesEditor(bridge, undo_stack, handles, self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.notes)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.empty = QLabel("Select a reference to see its details.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        bridge.sig_references_changed.connect(self._on_references_changed)
        bridge.sig_everything_changed.connect(self.reload)
        bridge.sig_tags_changed.connect(self._update_known_tags)
        self._update_known_tags()
        self.set_selection([])

    # --- selection ----------------------------------------------------------------------
    @property
    def selected_ids(self) -> list[int]:
        """The references the pane shows."""
        return list(self._ids)

    def set_selection(self, ids: Sequence[int]) -> None:
        """Show these references (edits of the previous ones are saved first)."""
        if list(ids) != self._ids:
            self.flush()
            for error in self.errors.values():
                error.show_error("")
        self._ids = list(ids)
        self.reload()

    def reload(self) -> None:
        """Show the library's current state of the selection."""
        if not self._ids:
            self.reference = None
            self.notes.set_reference(None)
            self.pages.setCurrentWidget(self.empty)
            return
        self.pages.setCurrentWidget(self.splitter)
        if len(self._ids) == 1:
            self._show_one(self._ids[0])
        else:
            self._show_many()

    def _on_references_changed(self, change: ReferenceChange) -> None:
        if not change.ids.isdisjoint(self._ids):
            self.reload()

    def _show_one(self, ref_id: int) -> None:
        try:
            loaded = self._bridge.library.load([ref_id])
            folder = self._bridge.library.attachment_folder()
        except USER_ERRORS as exc:  # no connection, say: show it as last seen, or say why
            if isinstance(exc, ConnectionLostError):
                self._bridge.connection_lost(exc)
            if self.reference is not None and self.reference.id == ref_id:
                return
            seen = self._seen.get(ref_id)
            if seen is None:
                self.reference = None
                self.notes.set_reference(None)
                self.empty.setText(f"Cannot show this reference now: {exc}")
                self.pages.setCurrentWidget(self.empty)
                return
            loaded, folder = [seen[0]], seen[1]
        self.empty.setText("Select a reference to see its details.")
        if loaded:
            self._seen.pop(ref_id, None)
            self._seen[ref_id] = (loaded[0], folder)
            while len(self._seen) > SEEN_KEPT:
                del self._seen[next(iter(self._seen))]
        if not loaded:  # deleted meanwhile
            self._ids = []
            self.reload()
            return
        previous = self.reference
        if previous is not None and previous.id == ref_id:
            for name, editor in self.editors.items():
                if editor.is_editing() and name not in self._edit_bases:
                    self._edit_bases[name] = getattr(previous, name)
        else:
            self._edit_bases.clear()
        ref = self.reference = loaded[0]
        self.heading.setText(ref.title or "(untitled)")
        font = self.heading.font()
        font.setItalic(ref.title_provisional)
        self.heading.setFont(font)
        authors = ", ".join(p.display_name for p in ref.authors[:3])
        if len(ref.authors) > 3:
            authors += " et al."
        self.subheading.setText(
            " · ".join(part for part in (authors, ref.venue, ref.citekey) if part)
        )
        self.subheading.setVisible(True)
        self.heading.setToolTip(f"Reference {ref.id}")
        colours = self._colours()
        self.chips.set_tags([(t, colours.get(t.casefold()), t) for t in ref.tags])
        for name, editor in self.editors.items():
            editor.set_value(field_text(ref, name))
        self._show_edits_in_progress(ref)
        self.show_highlights()
        self.provisional_hint.setVisible(ref.title_provisional)
        title_font = self.editors["title"].font()
        title_font.setItalic(ref.title_provisional)
        self.editors["title"].setFont(title_font)
        self.authors.setText("; ".join(p.display_name for p in ref.authors) or "—")
        self.added.setText(f"{ref.added.astimezone():%Y-%m-%d %H:%M}" if ref.added else "—")
        self._set_links(links(ref))
        self.files.set_reference(ref, folder)
        self.multi_hint.hide()
        self.fields.show()
        self.notes.setVisible(True)
        self.notes.set_reference(ref)

    def _show_many(self) -> None:
        self.reference = None
        self.notes.set_reference(None)
        self.notes.setVisible(False)
        self.fields.hide()
        self.multi_hint.show()
        count = len(self._ids)
        self.heading.setText(f"{count:,} references selected")
        self.heading.setFont(self._heading_font)
        self.subheading.setVisible(False)
        self.heading.setToolTip("")
        if count > MULTI_CHIP_LIMIT:
            self.chips.set_tags([])
            return
        carried: Counter[str] = Counter()
        colour_of: dict[str, str | None] = {}
        for row in self._bridge.rows(self._ids):
            for name, colour in row.tags:
                carried[name] += 1
                colour_of[name] = colour
        self.chips.set_tags(
            [
                (name, colour_of[name], f"{name} · {carried[name]}/{count}")
                for name in sorted(carried, key=str.casefold)
            ]
        )

    def _colours(self) -> dict[str, str | None]:
        return {t.name.casefold(): t.colour for t in self._bridge.tags()}

    def _update_known_tags(self) -> None:
        self.tag_field.set_known_tags(t.name for t in self._bridge.tags())
        if self.reference is not None:
            colours = self._colours()
            self.chips.set_tags([(t, colours.get(t.casefold()), t) for t in self.reference.tags])

    def _set_links(self, items: list[tuple[str, str]]) -> None:
        for button in self._link_buttons:
            self.link_row.removeWidget(button)
            button.deleteLater()
        self._link_buttons = []
        for label, url in items:
            button = QPushButton(label, self._link_box)
            button.setToolTip(literal(url))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, u=url: self.open_link(u))
            self.link_row.insertWidget(self.link_row.count() - 1, button)
            button.show()
            self._link_buttons.append(button)

    @staticmethod
    def open_link(url: str) -> bool:
        """Open a web page in the system browser."""
        return QDesktopServices.openUrl(QUrl(url))

    # --- editing ------------------------------------------------------------------------
    def commit_field(self, name: str, text: str) -> bool:
        """Save a field's new text; a refused value shows its message next to the field."""
        ref = self.reference
        if ref is None or ref.id is None:
            return False
        pending = self._pending.get(ref.id, {})
        base = pending[name][1] if name in pending else self._edit_bases.get(name)
        if name not in pending and name not in self._edit_bases:
            base = getattr(ref, name)
        self._edit_bases.pop(name, None)
        if name not in pending and text == shown(base):
            self.errors[name].show_error("")
            return True
        value = typed_value(name, text)
        try:
            self._save_field(ref, name, value, base)
        except ConnectionLostError as exc:
            self._pending.setdefault(ref.id, {})[name] = (value, base)
            self.editors[name].set_value(shown(value))  # (as typed, e.g. when flushed)
            self.errors[name].show_error(PENDING_MESSAGE)
            self._bridge.connection_lost(exc)
            return True
        except USER_ERRORS as exc:
            self.errors[name].show_error(_message_for(name, exc))
            return False
        if name in pending:
            del pending[name]
            if not pending:
                del self._pending[ref.id]
        self.errors[name].show_error("")
        return True

    def _save_field(self, ref: Reference, name: str, value: Any, base: Any) -> None:
        """Write one field; when someone else changed the reference since the user began
        (its version moved, or this very field changed), the resolver decides."""
        assert ref.id is not None
        if same_field_value(name, base, getattr(ref, name)):
            try:
                command = do_edit_field(self._bridge, ref, name, value)
            except ConflictError:
                pass  # someone else wrote first: compare the fields
            else:
                if command is not None:
                    self._undo_stack.push(command)
                return
        self.conflicts.save(ref.id, {name: value}, {name: base})

    def _show_edits_in_progress(self, ref: Reference) -> None:
        """Pending (unsaved) edits of ``ref`` in their fields, and a warning under fields
        being typed in that someone else changed meanwhile."""
        assert ref.id is not None
        for name, (value, _base) in self._pending.get(ref.id, {}).items():
            self.editors[name].set_value(shown(value))
            self.errors[name].show_error(PENDING_MESSAGE)
        for name, base in self._edit_bases.items():
            theirs = getattr(ref, name)
            if not same_field_value(name, base, theirs):
                self.errors[name].show_error(changed_meanwhile_message(theirs))

    def _on_conflict_finished(self, ref_id: int, _saved: bool) -> None:
        if self.reference is not None and self.reference.id == ref_id:
            for error in self.errors.values():
                error.show_error("")
            self.reload()

    def pending_count(self) -> int:
        """Field edits waiting for the connection to come back (notes not counted)."""
        return sum(len(fields) for fields in self._pending.values())

    def kept_fields(self) -> dict[int, dict[str, tuple[Any, Any]]]:
        """The field edits waiting for the connection, or for the user's answer to a
        conflict question: reference id -> field -> (the value typed, the value the
        user began from)."""
        kept = {ref_id: dict(fields) for ref_id, fields in self._pending.items()}
        for ref_id, (mine, bases) in self.conflicts.asking.items():
            fields = kept.setdefault(ref_id, {})
            for name, value in mine.items():
                fields.setdefault(name, (value, bases.get(name)))
        return {ref_id: fields for ref_id, fields in kept.items() if fields}

    def restore_kept_fields(self, kept: dict[int, dict[str, tuple[Any, Any]]]) -> None:
        """Take back field edits kept in an earlier session (saved, or asked about, by
        :meth:`retry_pending`)."""
        for ref_id, fields in kept.items():
            for name, pair in fields.items():
                if name in self.editors and name not in _READ_ONLY_ROWS:
                    self._pending.setdefault(ref_id, {})[name] = pair

    def retry_pending(self) -> None:
        """Save the edits kept while there was no connection (the reference's fields
        someone else changed meanwhile ask which to keep), then the notes'."""
        for ref_id, fields in list(self._pending.items()):
            mine = {name: value for name, (value, _base) in fields.items()}
            bases = {name: base for name, (_value, base) in fields.items()}
            try:
                self.conflicts.save(ref_id, mine, bases)
            except ConnectionLostError as exc:
                self._bridge.connection_lost(exc)
                return
            except USER_ERRORS as exc:
                self._bridge.report_error(f"Your edit could not be saved: {exc}")
            del self._pending[ref_id]
            if self.reference is not None and self.reference.id == ref_id:
                for name in fields:
                    self.errors[name].show_error("")
        self.notes.retry_pending()

    def set_highlight_words(self, words: tuple[str, ...]) -> None:
        """Highlight these search words in the multi-line fields (title, abstract ...)."""
        self.highlight_words = words
        self.show_highlights()

    def show_highlights(self) -> None:
        """Mark the current search's words in the text fields, as the list does."""
        words = self.highlight_words
        for editor in self.editors.values():
            if not isinstance(editor, QPlainTextEdit):
                continue
            selections = []
            for start, end in highlight_spans(editor.toPlainText(), words):
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(QColor(HIGHLIGHT))
                selection.format.setForeground(QColor("#000000"))
                cursor = QTextCursor(editor.document())
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selections.append(selection)
            editor.setExtraSelections(selections)

    def flush(self) -> None:
        """Save a field being edited and the note being typed."""
        for editor in self.editors.values():
            if editor.is_editing():
                editor.commit_pending()
        self.notes.flush()

    def focus_tag_field(self) -> None:
        """Put the cursor in the tag field (Ctrl+T)."""
        self.tag_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.tag_field.selectAll()
