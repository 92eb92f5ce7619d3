"""Export from the window: the dialog with its preview, the clipboard, dragged rows, and
auto-exported files kept up to date."""

from __future__ import annotations

from pathlib import Path

from pybtex.database import parse_string
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from refman.domain import AutoExport
from refman.domain.query import ReferenceQuery
from refman.gui.reference_table_model import Column, decode_ids
from refman.services.library import Library
from tests.gui.test_main_window import DISTILLATION_PAPERS, Opener, search


def test_export_selected_shows_a_preview_and_writes_the_file(
    qtbot: QtBot, open_window: Opener, seeded: Library, tmp_path: Path
) -> None:
    window = open_window(seeded)
    search(qtbot, window, "distillation")
    window.view.selectAll()
    assert window.exports.export_action.isEnabled()
    window.exports.export_action.trigger()
    dialog = window.exports.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: "@" in dialog.preview_text())
    assert dialog.preview_text().count("@") == 5  # the first five of the six
    qtbot.waitUntil(lambda: "provisional title" in dialog.summary.text())
    assert dialog.summary.text().startswith(f"{DISTILLATION_PAPERS} references selected.")

    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("text"))
    dialog.style_box.setCurrentIndex(dialog.style_box.findData("ieee"))
    qtbot.waitUntil(lambda: dialog.preview_text().startswith("[1] "))
    assert dialog.path_edit.text().endswith(".txt")

    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("bibtex"))
    target = tmp_path / "distillation.bib"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(dialog.sig_exported, timeout=10_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    entries = parse_string(target.read_text(encoding="utf-8"), "bibtex").entries
    assert len(entries) == DISTILLATION_PAPERS
    assert (
        window.statusBar()
        .currentMessage()
        .startswith(f"Exported {DISTILLATION_PAPERS} references to {target}")
    )


def test_export_into_a_missing_folder_says_why_and_keeps_the_dialog(
    qtbot: QtBot, open_window: Opener, seeded: Library, tmp_path: Path
) -> None:
    window = open_window(seeded)
    window.view.selectRow(0)
    window.exports.ask_export()
    dialog = window.exports.dialog
    assert dialog is not None
    dialog.path_edit.setText(str(tmp_path / "missing" / "refs.bib"))
    dialog.export()
    qtbot.waitUntil(lambda: "does not exist" in dialog.error.text())
    assert dialog.isVisible()
    dialog.reject()


def test_copy_citation_puts_text_and_html_on_the_clipboard(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    search(qtbot, window, "distillation")
    window.view.selectRow(0)
    QGuiApplication.clipboard().clear()
    window.exports.set_style("apa")
    window.exports.copy_citation_action.trigger()

    def has_html() -> bool:
        mime = QGuiApplication.clipboard().mimeData()
        return mime is not None and mime.hasHtml()

    qtbot.waitUntil(has_html)
    mime = QGuiApplication.clipboard().mimeData()
    ref = seeded.store.references(window.view.selected_ids())[0]
    assert ref.title.split()[0] in mime.text()
    assert "<" in mime.html()
    window.exports.copy_bibtex_action.trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().startswith("@"))
    assert ref.citekey in QGuiApplication.clipboard().text()


def test_dragged_rows_carry_ids_and_citations(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    model = window.model
    indexes = [model.index(row, int(Column.TITLE)) for row in (0, 1)]
    mime = model.mimeData(indexes)
    assert decode_ids(mime) == [model.id_at(0), model.id_at(1)]
    assert mime.hasText()
    assert mime.hasHtml()
    assert len([line for line in mime.text().splitlines() if line.strip()]) == 2


def test_auto_export_is_rewritten_after_a_change_in_the_window(
    qtbot: QtBot, open_window: Opener, seeded: Library, tmp_path: Path
) -> None:
    target = tmp_path / "reading.bib"
    seeded.add_tags(["reading"], seeded.query_ids(ReferenceQuery())[:1])
    seeded.add_auto_export(AutoExport(path=str(target), kind="bibtex", tag="reading"))
    assert len(parse_string(target.read_text(encoding="utf-8"), "bibtex").entries) == 1
    window = open_window(seeded)
    window.view.selectRow(3)
    window.tag_references(["reading"])
    qtbot.waitUntil(
        lambda: len(parse_string(target.read_text(encoding="utf-8"), "bibtex").entries) == 2,
        timeout=10_000,
    )
    # The file is written on the runner; the status bar says so once it is back.
    qtbot.waitUntil(lambda: "Updated" in window.statusBar().currentMessage())
    assert str(target) in window.statusBar().currentMessage()


def test_closing_the_window_right_after_a_change_still_updates_the_file(
    qtbot: QtBot, open_window: Opener, seeded: Library, tmp_path: Path
) -> None:
    target = tmp_path / "all.ris"
    seeded.add_auto_export(AutoExport(path=str(target), kind="ris"))
    before = target.read_text(encoding="utf-8")
    window = open_window(seeded)
    window.view.selectRow(0)
    window.tag_references(["closing"])
    window.close()  # before the auto-export's pause is over
    after = target.read_text(encoding="utf-8")
    assert after != before
    assert "KW  - closing" in after


def test_regenerating_keys_from_the_window_updates_the_detail_pane(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    window.view.selectRow(0)
    (ref_id,) = window.view.selected_ids()
    window.exports.regenerate_keys([ref_id], "{Author}{year}x")
    qtbot.waitUntil(lambda: "citation key(s) changed" in window.statusBar().currentMessage())
    key = seeded.get(ref_id).citekey
    assert key.endswith("x")
    assert key[0].isupper()
    qtbot.waitUntil(lambda: window.detail.editors["citekey"].text() == key)
    window.exports.regenerate_keys([ref_id], "{nope}")
    qtbot.waitUntil(lambda: "unknown field {nope}" in window.statusBar().currentMessage())
    assert seeded.get(ref_id).citekey == key


def test_keep_files_updated_dialog_adds_by_enter_and_follows_the_extension(
    qtbot: QtBot, open_window: Opener, seeded: Library, tmp_path: Path
) -> None:
    window = open_window(seeded)
    window.show_auto_exports()
    dialog = window.auto_export_dialog
    assert dialog.kind_box.currentData() == "bibtex"
    assert not dialog.remove_button.isEnabled()  # nothing selected yet
    target = tmp_path / "reading.md"
    qtbot.keyClicks(dialog.path_edit, str(target))
    assert dialog.kind_box.currentData() == "markdown"  # from the extension
    assert dialog.style_box.isEnabled()
    dialog.style_box.setCurrentIndex(dialog.style_box.findData("ieee"))
    with qtbot.waitSignal(dialog.sig_exports_changed, timeout=10_000):
        qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    (export,) = seeded.auto_exports()
    assert (export.kind, export.style) == ("markdown", "ieee")
    assert target.read_text(encoding="utf-8").startswith("\\[1\\] ")  # Markdown-escaped
    assert dialog.table.topLevelItemCount() == 1
    dialog.table.setCurrentItem(dialog.table.topLevelItem(0))
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert seeded.auto_exports() == []
    dialog.reject()


def test_search_words_are_highlighted_in_the_list_and_the_detail_pane(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    from tests.gui.test_main_window import search

    window = open_window(seeded)
    search(qtbot, window, "distillation")
    assert window.view.highlighter.words == ("distillation",)
    window.view.selectRow(0)
    abstract = window.detail.editors["abstract"]
    qtbot.waitUntil(lambda: bool(abstract.extraSelections()))
    marked = {s.cursor.selectedText().casefold() for s in abstract.extraSelections()}
    assert all(word.startswith("distillation") for word in marked)
    assert not window.view.grab().isNull()  # the delegate paints highlighted cells
    window.search.clear()  # clearing searches at once
    qtbot.waitUntil(lambda: window.view.highlighter.words == ())
    assert not abstract.extraSelections()
