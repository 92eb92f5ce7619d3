"""Text from records shown as text: Qt renders any tooltip, message box or dialog label
that looks like HTML as HTML ("<b>x</b>" in a title would turn bold, "<img src=...>" into
an image)."""

from __future__ import annotations

from PySide6.QtGui import Qt


def literal(text: str) -> str:
    """``text`` as a tooltip, message or label shows it literally (escaped, as rich
    text, when Qt would otherwise take it for HTML)."""
    return Qt.convertFromPlainText(text) if Qt.mightBeRichText(text) else text
