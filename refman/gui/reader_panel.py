"""The reader's side panel: the paper's reading status, tags and notes."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from refman.domain import Reference
from refman.domain.model import READING_STATUSES
from refman.gui.library_bridge import LibraryBridge, ReferenceChange
from refman.gui.notes_editor import NotesEditor
from refman.gui.reference_table_model import STATUS_LABELS
from refman.gui.tag_chips import TagChipBox
from refman.gui.tag_field import TagField
from refman.gui.undo_commands import NoteHandles

_HYPHENATED = re.compile(r"(\w)-\s*\n\s*(\w)")


def quote_for_note(text: str, page_label: str) -> str:
    """Selected PDF text as a Markdown quote ending with its page: lines joined (a word
    hyphenated across lines joined whole), paragraphs kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HYPHENATED.sub(r"\1\2", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return ""
    paragraphs[-1] += f" (p. {page_label})"
    return "\n>\n".join(f"> {p}" for p in paragraphs)


class ReaderPanel(QWidget):
    """What the reader shows beside the paper: title, reading status, tags (added and
    removed as in the detail pane) and the same Markdown notes, autosaved.

    Signals:
        sig_tags_entered(list[str]): tags typed for this paper.
        sig_tag_removal_requested(str): a chip's × asked to remove this tag.
        sig_status_chosen(str): the user chose a reading status.
    """

    sig_tags_entered = Signal(list)
    sig_tag_removal_requested = Signal(str)
    sig_status_chosen = Signal(str)

    def __init__(
        self,
        bridge: LibraryBridge,
        undo_stack: QUndoStack,
        handles: NoteHandles,
        ref_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.ref_id = ref_id
        self.reference: Reference | None = None
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.byline = QLabel(self)
        self.byline.setWordWrap(True)
        self.byline.setTextFormat(Qt.TextFormat.PlainText)
        self.byline.setStyleSheet("color: palette(placeholder-text);")
        self.status = QComboBox(self)
        self.status.setAccessibleName("Reading status")
        for status in READING_STATUSES:
            self.status.addItem(STATUS_LABELS[status], status)
        self.status.activated.connect(
            lambda index: self.sig_status_chosen.emit(self.status.itemData(index))
        )
        self.chips = TagChipBox(self)
        self.chips.sig_remove_requested.connect(self.sig_tag_removal_requested)
        self.tag_field = TagField(self)
        self.tag_field.setPlaceholderText("Add tags: name, name…")
        self.tag_field.sig_tags_entered.connect(self.sig_tags_entered)
        self.notes = NotesEditor(bridge, undo_stack, handles, self)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Status", self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.byline)
        layout.addLayout(form)
        layout.addWidget(self.chips)
        layout.addWidget(self.tag_field)
        layout.addWidget(self.notes, 1)

        bridge.sig_references_changed.connect(self._on_references_changed)
        bridge.sig_everything_changed.connect(self.reload)
        bridge.sig_tags_changed.connect(self._show_tags)
        self.reload()

    def reload(self) -> None:
        """Show the library's current state of the paper."""
        found = self._bridge.library.load([self.ref_id])
        if not found:
            return  # deleted for good: the reader closes its tab
        ref = self.reference = found[0]
        self.title.setText(ref.title or "(untitled)")
        authors = ", ".join(p.display_name for p in ref.authors[:3])
        if len(ref.authors) > 3:
            authors += " et al."
        self.byline.setText(" · ".join(p for p in (authors, ref.venue, ref.citekey) if p))
        self.status.setCurrentIndex(READING_STATUSES.index(ref.reading_status))
        self._show_tags()
        self.tag_field.set_known_tags(t.name for t in self._bridge.tags())
        self.notes.set_reference(ref)

    def _show_tags(self) -> None:
        if self.reference is None:
            return
        colours = {t.name.casefold(): t.colour for t in self._bridge.tags()}
        self.chips.set_tags([(t, colours.get(t.casefold()), t) for t in self.reference.tags])
        self.tag_field.set_known_tags(t.name for t in self._bridge.tags())

    def _on_references_changed(self, change: ReferenceChange) -> None:
        if self.ref_id in change.ids:
            self.reload()

    def add_quote(self, text: str, page_label: str) -> bool:
        """Quote ``text`` (from page ``page_label``) at the end of the note being shown
        (a new note when there is none); saved at once, as one undo step."""
        quote = quote_for_note(text, page_label)
        if not quote:
            return False
        return self.notes.append_text(quote)

    def flush(self) -> None:
        """Save the note being typed."""
        self.notes.flush()
