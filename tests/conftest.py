"""Fixtures shared by every test: a temporary library and the bundled seeds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from refman.app import open_library
from refman.services.library import Library

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    """Where a test's SQLite library lives."""
    return tmp_path / "library.sqlite"


@pytest.fixture
def library(library_path: Path) -> Iterator[Library]:
    """An empty library in a real SQLite file."""
    lib = open_library(str(library_path))
    yield lib
    lib.store.close()


@pytest.fixture
def seeded(library: Library) -> Library:
    """A library holding the five seed dumps."""
    library.import_files(SEED_FILES)
    return library
