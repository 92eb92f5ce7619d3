"""Where refman's data files are: the top-level ``resources/`` directory.

From a source checkout (or an editable install) that is ``resources/`` next to the
``refman`` package; in a PyInstaller bundle it is ``resources/`` inside the unpacked
bundle (``sys._MEIPASS``), where the spec file is expected to put it.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resources_dir"]


def resources_dir() -> Path:
    """The ``resources/`` directory (whether or not it exists)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/``: ``resource_path("csl", "apa.csl")``."""
    return resources_dir().joinpath(*parts)
