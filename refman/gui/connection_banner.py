"""The strip across the top of the window saying the shared library's server cannot be
reached, what is kept meanwhile, when the next attempt is, and a Reconnect button."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget

RESTORED_MS = 4000
"""How long "Reconnected" stays up."""


class ConnectionBanner(QFrame):
    """Hidden while all is well. :meth:`show_lost` shows "Connection to <library> lost —
    retrying…" with the reason in the tooltip, a countdown to the next attempt and how
    many unsaved edits are kept; :meth:`show_restored` says so briefly and hides.

    Signals:
        sig_reconnect_requested(): the user clicked Reconnect.
    """

    sig_reconnect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.reconnect_button = QPushButton("Reconnect", self)
        self.reconnect_button.setToolTip("Try to reach the server now")
        self.reconnect_button.clicked.connect(self._on_reconnect)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.reconnect_button)
        self._name = ""
        self._reason = ""
        self._kept = 0
        self._retry_at: float | None = None
        self._reconnecting = False
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_text)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(RESTORED_MS)
        self._hide_timer.timeout.connect(self.hide)
        self._set_style(lost=True)
        self.hide()

    @property
    def lost(self) -> bool:
        """Whether it shows the connection lost (not hidden, not "Reconnected")."""
        return not self.isHidden() and not self.reconnect_button.isHidden()

    def _set_style(self, *, lost: bool) -> None:
        colour, border = ("#fff4e5", "#e0a040") if lost else ("#e8f5e9", "#66bb6a")
        self.setStyleSheet(
            f"#connectionBanner {{ background: {colour}; border: 1px solid {border}; "
            "border-radius: 3px; } #connectionBanner QLabel { color: #3b2a00; }"
        )

    def show_lost(self, name: str, reason: str) -> None:
        """The connection to ``name`` is lost (``reason``: the driver's words)."""
        self._name, self._reason = name, reason
        self._reconnecting = False
        self._hide_timer.stop()
        self._set_style(lost=True)
        self.icon.show()
        self.reconnect_button.show()
        self.reconnect_button.setEnabled(True)
        self.setToolTip(reason)
        self._tick.start()
        self._update_text()
        self.show()

    def set_retry_in(self, seconds: float) -> None:
        """The next attempt is in ``seconds``."""
        self._retry_at = time.monotonic() + seconds
        self._reconnecting = False
        self.reconnect_button.setEnabled(True)
        self._update_text()

    def set_kept(self, count: int) -> None:
        """How many unsaved edits wait for the connection."""
        self._kept = count
        self._update_text()

    def show_restored(self) -> None:
        """The connection is back: say so for a moment."""
        self._tick.stop()
        self._retry_at = None
        self._set_style(lost=False)
        self.icon.hide()
        self.reconnect_button.hide()
        self.setToolTip("")
        self.text.setText(f"Reconnected to {self._name}. Everything is saved.")
        self.show()
        self._hide_timer.start()

    def _on_reconnect(self) -> None:
        self._reconnecting = True
        self.reconnect_button.setEnabled(False)
        self._update_text()
        self.sig_reconnect_requested.emit()

    def _update_text(self) -> None:
        if self.reconnect_button.isHidden():
            return
        parts = [f"Connection to {self._name} lost"]
        if self._reconnecting:
            parts.append("reconnecting…")
        elif self._retry_at is not None:
            left = max(0, round(self._retry_at - time.monotonic()))
            parts.append(f"retrying in {left} s…" if left else "retrying…")
        else:
            parts.append("retrying…")
        text = " — ".join(parts)
        if self._kept:
            noun = "edit" if self._kept == 1 else "edits"
            text += f" {self._kept} unsaved {noun} kept: saved as soon as the connection is back."
        else:
            text += " Your typing is kept and saved when it is back."
        self.text.setText(text)
