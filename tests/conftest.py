"""Fixtures shared by every test: a temporary library and the bundled seeds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from refman.app import open_library
from refman.services import kept_edits
from refman.services.library import Library
from tests import pg_server as pg
from tests.pg_restartable import RestartableServer, start_restartable

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""A module marked ``both_backends`` runs each test using ``library`` on both stores."""

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(autouse=True)
def kept_edits_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where edits kept for want of a connection are written (never the user's own data
    folder)."""
    folder = tmp_path / "kept-edits"
    monkeypatch.setattr(kept_edits, "journal_folder", lambda: folder)
    return folder


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    """Where a test's SQLite library lives."""
    return tmp_path / "library.sqlite"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run ``both_backends`` tests once on SQLite and once on PostgreSQL."""
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test runs on both backends."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.Server]:
    """The test PostgreSQL server: ``REFMAN_TEST_PG_URL``'s, else a throwaway one.

    A server that cannot start is an error, never a skip: ``make test`` installs it."""
    server = pg.from_environment()
    if server is not None:
        yield server
        return
    server = pg.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def restartable() -> Iterator[RestartableServer]:
    """A private server the module's tests stop and start (the session's ``pg_server``
    must never go down); a few seconds to start."""
    server = start_restartable()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: pg.Server) -> str:
    """A database migrated once; each test's library is a fast copy of it."""
    name = pg_server.create_database()
    lib = open_library(pg_server.url(name))
    lib.store.close()
    return name


@contextmanager
def fresh_library_url(backend: str, path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where a new library lives: the SQLite file ``path``, or a fresh PostgreSQL
    database (dropped afterwards)."""
    if backend == "sqlite":
        yield str(path)
        return
    server: pg.Server = request.getfixturevalue("pg_server")
    name = server.create_database(template=request.getfixturevalue("pg_template"))
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def library_url(backend: str, library_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test library's location: an SQLite file, or a fresh PostgreSQL database."""
    with fresh_library_url(backend, library_path, request) as url:
        yield url


@pytest.fixture
def library(library_url: str) -> Iterator[Library]:
    """An empty library in a real SQLite file (or a PostgreSQL database, see BACKENDS)."""
    lib = open_library(library_url)
    yield lib
    lib.store.close()


@pytest.fixture
def seeded(library: Library) -> Library:
    """A library holding the five seed dumps."""
    library.import_files(SEED_FILES)
    return library
