"""The tag field completes each comma-separated name from the library's tags."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from refman.gui.tag_field import TagField, split_tags


def test_split_tags() -> None:
    assert split_tags(" a,  b  c ,, A, d") == ["a", "b c", "d"]


def test_completes_the_last_name(qtbot: QtBot) -> None:
    field = TagField()
    qtbot.addWidget(field)
    field.set_known_tags(["distillation", "domain adaptation", "to-read"])
    field.show()
    field.setFocus()
    entered: list[list[str]] = []
    field.sig_tags_entered.connect(entered.append)
    qtbot.keyClicks(field, "to-read, dom")
    popup = field.completer_.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    assert field.completer_.completionCount() == 1
    field.completer_.activated.emit("domain adaptation")  # the user picks the entry
    assert field.text() == "to-read, domain adaptation"
    popup.hide()
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert entered == [["to-read", "domain adaptation"]]
    assert field.text() == ""


def test_enter_takes_a_new_name_as_typed(qtbot: QtBot) -> None:
    field = TagField()
    qtbot.addWidget(field)
    field.set_known_tags(["distillation"])
    field.show()
    field.setFocus()
    entered: list[list[str]] = []
    field.sig_tags_entered.connect(entered.append)
    qtbot.keyClicks(field, "dist")
    popup = field.completer_.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    assert not popup.currentIndex().isValid()  # nothing highlighted until the user moves
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # the open list receives the keys
    assert entered == [["dist"]]
    assert not popup.isVisible()
