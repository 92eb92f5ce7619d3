"""The installed Qt binding must keep reference counts sound, or the window crashes."""

from __future__ import annotations

from refman.gui.binding_check import binding_problem


def test_qt_binding_keeps_reference_counts() -> None:
    problem = binding_problem()
    assert problem is None, problem
