"""Rendered notes never load anything, local or remote."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument
from pytestqt.qtbot import QtBot

from refman.gui.markdown_view import MarkdownView


def test_images_are_never_loaded(qtbot: QtBot, tmp_path: Path) -> None:
    picture = tmp_path / "local.png"
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(picture))
    local = QUrl.fromLocalFile(str(picture))
    remote = QUrl("http://example.invalid/tracker.png")
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown(f"# Title\n\n![local]({local.toString()}) ![remote]({remote.toString()})")
    view.show()
    qtbot.waitExposed(view)
    document = view.document()
    for url in (local, remote):
        shown = document.resource(QTextDocument.ResourceType.ImageResource, url)
        assert isinstance(shown, QImage)
        assert shown.pixelColor(4, 4) != QColor("red")  # the placeholder, not the file
        assert view.loadResource(QTextDocument.ResourceType.ImageResource, url) is None
    assert "Title" in view.toPlainText()


def test_only_web_links_open(qtbot: QtBot, monkeypatch: object) -> None:
    opened: list[str] = []
    import refman.gui.markdown_view as module

    monkeypatch.setattr(module.QDesktopServices, "openUrl", lambda url: opened.append(url.scheme()))  # type: ignore[attr-defined]
    view = MarkdownView()
    qtbot.addWidget(view)
    view.anchorClicked.emit(QUrl("https://arxiv.org/abs/2106.16128"))
    view.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert opened == ["https"]
