"""A start-up probe for a Qt binding that corrupts reference counts.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` every time C++ calls a Python
override that returns ``None`` (a model's ``data()`` for an unused role, a timer's
callback): painting the list does that thousands of times, and the process dies soon
after. 6.11.3 is fine; on Python 3.12+ ``None`` is immortal and the loss is harmless."""

from __future__ import annotations

import sys
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

_CALLS = 500


class _NoneModel(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        del index, role
        return None


def none_refcount_loss() -> int:
    """How many references to ``None`` ``_CALLS`` overridden ``data()`` calls lose."""
    model = _NoneModel()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    index = proxy.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(_CALLS):
        proxy.data(index, Qt.ItemDataRole.DisplayRole)
    return max(0, before - sys.getrefcount(None))


def binding_problem() -> str | None:
    """A message when the installed Qt binding is known to crash refman, else None."""
    if none_refcount_loss() < _CALLS // 2:
        return None
    python = ".".join(map(str, sys.version_info[:3]))
    return (
        f"PySide6 {pyside_version} on Python {python} loses a reference to None on every "
        "call from Qt into Python that returns None, and the window will crash. Install "
        "PySide6-Essentials 6.11.3 (pip install 'PySide6-Essentials<6.12') or run refman "
        "on Python 3.12 or newer."
    )
