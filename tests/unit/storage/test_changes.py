"""Watching a library for other programs' changes: notifications on PostgreSQL, polling
on SQLite, and the connection's state."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from refman.app import open_library
from refman.domain.query import ReferenceQuery
from refman.services.library import Library
from refman.services.watching import watch
from refman.storage.changes import (
    EVERYTHING,
    ChangeFeed,
    ChangeNotice,
    ConnectionStatus,
    measure_poll,
    parse_payload,
)
from refman.storage.engine import ConnectionLostError
from tests import pg_server as pg
from tests.conftest import SEED_FILES, fresh_library_url
from tests.pg_restartable import RestartableServer

ROOT = Path(__file__).resolve().parents[3]


def next_notice(
    feed: ChangeFeed, timeout: float = 5.0
) -> tuple[ChangeNotice | None, list[ConnectionStatus]]:
    """Wait on the feed's socket until it reports a change (or ``timeout``); returns the
    change and every status seen meanwhile."""
    deadline = time.monotonic() + timeout
    statuses: list[ConnectionStatus] = []
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([feed.fileno()], [], [], left)
        if readable:
            notice, seen = feed.drain()
            statuses += seen
            if notice is not None:
                return notice, statuses
    return None, statuses


def next_status(
    feed: ChangeFeed, connected: bool, timeout: float = 15.0
) -> tuple[ConnectionStatus, ChangeNotice | None]:
    """Wait until the feed reports the connection ``connected`` (or not); returns that
    status and the change reported with it, if any."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([feed.fileno()], [], [], left)
        if readable:
            notice, statuses = feed.drain()
            for status in statuses:
                if status.connected == connected:
                    return status, notice
    raise AssertionError(f"no {'connected' if connected else 'lost'} status in {timeout} s")


@pytest.fixture
def two_clients(
    backend: str, library_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Library, Library]]:
    """Two libraries open on one database (two lab members), with the seeds."""
    with fresh_library_url(backend, library_path, request) as url:
        first = open_library(url)
        second = open_library(url)
        first.import_files(SEED_FILES[:1])
        try:
            yield first, second
        finally:
            first.close()
            second.close()


# --- payloads ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("r:12", ChangeNotice(reference_ids=frozenset({12}))),
        ("r:1,2,3", ChangeNotice(reference_ids=frozenset({1, 2, 3}))),
        ("r:*", EVERYTHING),
        ("t", ChangeNotice(tags=True)),
        ("r:1,x", EVERYTHING),  # garbled: reload, never miss a change
        ("r:", None),
        ("something-newer", None),
    ],
)
def test_payloads(payload: str, expected: ChangeNotice | None) -> None:
    assert parse_payload(payload) == expected


def test_notices_merge() -> None:
    merged = ChangeNotice(frozenset({1})) | ChangeNotice(frozenset({2}), tags=True)
    assert merged == ChangeNotice(frozenset({1, 2}), tags=True)
    assert (merged | EVERYTHING).everything


# --- SQLite -------------------------------------------------------------------------------
def test_sqlite_poll_tells_own_writes_from_others(two_clients: tuple[Library, Library]) -> None:
    mine, theirs = two_clients
    feed = watch(mine)
    source = feed._source  # (the poll itself, without the thread's timing)
    assert feed.kind == "poll"
    assert not feed.server
    assert source is not None
    source.open()
    try:
        ids = mine.query_ids(ReferenceQuery())
        assert not source.poll()  # type: ignore[attr-defined]
        mine.add_tags(["mine"], ids[:2])
        ref = mine.load([ids[0]])[0]
        mine.update_fields(ids[0], {"title": "Edited here"}, ref.version)
        assert not source.poll()  # type: ignore[attr-defined]  # own writes: shown already
        theirs.add_tags(["theirs"], ids[:1])
        assert source.poll()  # type: ignore[attr-defined]
        assert not source.poll()  # type: ignore[attr-defined]  # reported once
        theirs.add_tags(["again"], ids[:1])  # someone else, then this process, before a poll
        mine.add_tags(["mine too"], ids[:1])
        assert source.poll()  # type: ignore[attr-defined]
    finally:
        feed.stop()


def test_watching_starts_and_stops_while_other_threads_use_the_library(
    library: Library,
) -> None:
    """A window opening or closing its watch while workers read and write: no worker
    ever fails (adding an engine listener during another thread's dispatch did)."""
    library.import_files(SEED_FILES[:1])
    ids = library.query_ids(ReferenceQuery())
    stop = threading.Event()
    failures: list[BaseException] = []
    transactions = [0]

    def work(write: bool) -> None:
        while not stop.is_set():
            try:
                if write:
                    library.add_tags([f"t{transactions[0] % 3}"], ids[:1])
                else:
                    library.query_ids(ReferenceQuery(), limit=5)
                transactions[0] += 1
            except BaseException as exc:  # (reported below)
                failures.append(exc)
                return

    workers = [threading.Thread(target=work, args=(n == 0,)) for n in range(3)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(300):
            feed = watch(library)
            feed.stop()
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert not failures, failures[0]
    assert transactions[0] > 0


def test_a_write_whose_connection_lost_its_mark_does_not_hold_the_poll_back(
    two_clients: tuple[Library, Library],
) -> None:
    """A pooled connection whose bookkeeping was cleared (SQLAlchemy clears it when the
    connection is replaced) still ends its write for the poll at check-in."""
    mine, theirs = two_clients
    feed = watch(mine)
    source = feed._source
    assert source is not None
    source.open()
    try:
        with mine.store.engine.connect() as plain:
            conn = plain.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                conn.info.clear()  # (as a reconnection would)
            writes = source._writes  # type: ignore[attr-defined]
            assert len(writes) == 1  # its write is still counted until check-in
        assert not source._writes  # type: ignore[attr-defined]
        theirs.add_tags(["theirs"], theirs.query_ids(ReferenceQuery())[:1])
        assert source.poll()  # type: ignore[attr-defined]
    finally:
        feed.stop()


def test_another_process_shows_up_within_two_seconds(library_path: Path, library: Library) -> None:
    library.import_files(SEED_FILES[:1])
    feed = watch(library)
    feed.start()
    try:
        env = {**os.environ, "REFMAN_DB": str(library_path)}
        subprocess.run(
            [sys.executable, "-m", "refman.cli.main", "tag", "add", "from-terminal", "1"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        notice, _ = next_notice(feed, timeout=2.0)  # from the command's commit: < 2 s
    finally:
        assert feed.stop()
    assert notice == EVERYTHING


def test_sqlite_poll_costs_microseconds(library: Library) -> None:
    library.import_files(SEED_FILES)
    assert measure_poll(library.store.engine, rounds=200) < 1.0  # milliseconds


# --- PostgreSQL -------------------------------------------------------------------------
@pytest.mark.postgres
def test_notifications_name_the_references_and_skip_own(
    pg_server: pg.Server, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with fresh_library_url("postgresql", tmp_path / "x", request) as url:
        mine, theirs = open_library(url), open_library(url)
        mine.import_files(SEED_FILES[:1])
        ids = mine.query_ids(ReferenceQuery())
        feed = watch(mine)
        feed.start()
        try:
            assert feed.kind == "listen"
            assert feed.server
            _prime(feed, theirs, ids[-1])
            mine.add_tags(["mine"], ids[:2])  # own: never reported
            ref = theirs.load([ids[3]])[0]
            theirs.update_fields(ids[3], {"title": "Changed by them"}, ref.version)
            notice, statuses = next_notice(feed)
            assert notice == ChangeNotice(reference_ids=frozenset({ids[3]}))
            assert statuses == []
            theirs.set_tag_colour("mine", "#00aa00")
            notice, _ = next_notice(feed)
            assert notice == ChangeNotice(tags=True)
        finally:
            assert feed.stop()
            mine.close()
            theirs.close()


def _prime(feed: ChangeFeed, other: Library, ref_id: int) -> None:
    """Until the listener listens: another client's change reaches it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        other.add_tags([f"prime-{time.monotonic_ns()}"], [ref_id])
        notice, _ = next_notice(feed, timeout=0.5)
        if notice is not None:
            feed.drain()
            return
    raise AssertionError("the listener never heard anything")


@pytest.mark.postgres
def test_polling_fallback_on_a_server(
    pg_server: pg.Server, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with fresh_library_url("postgresql", tmp_path / "x", request) as url:
        mine, theirs = open_library(url), open_library(url)
        mine.import_files(SEED_FILES[:1])
        feed = watch(mine, listen=False)
        feed.start()
        try:
            assert feed.kind == "poll"
            # (the feed reads its first stamp on its own thread: a change made before
            # that is part of it, so change again until one is seen, within a deadline)
            deadline, notice = time.monotonic() + 15, None
            while notice is None and time.monotonic() < deadline:
                theirs.add_tags([f"polled-{time.monotonic_ns()}"], [1])
                notice, _ = next_notice(feed, timeout=4.0)
            assert notice == EVERYTHING
        finally:
            assert feed.stop()
            mine.close()
            theirs.close()


@pytest.mark.postgres
def test_lost_connection_is_reported_retried_and_caught_up(
    restartable: RestartableServer,
) -> None:
    name = restartable.server.create_database()
    url = restartable.server.url(name)
    mine, theirs = open_library(url), open_library(url)
    mine.import_files(SEED_FILES[:1])
    feed = watch(mine)
    feed.start()
    try:
        _prime(feed, theirs, 1)
        # Sessions killed (the server stays up): the feed reconnects at once, unannounced,
        # and asks for a reload (notifications sent meanwhile are gone).
        restartable.terminate_sessions(name)
        notice, statuses = next_notice(feed)
        assert notice == EVERYTHING
        assert all(s.connected for s in statuses)
        _prime(feed, theirs, 2)

        restartable.stop()
        lost, _ = next_status(feed, connected=False)
        assert "127.0.0.1" in lost.message
        assert lost.retry_in is not None
        with pytest.raises(ConnectionLostError, match="no connection to the library"):
            mine.add_tags(["offline"], [1])
        restartable.start()
        feed.reconnect_now()
        _, notice = next_status(feed, connected=True)
        if notice is None:
            notice, _ = next_notice(feed)
        assert notice == EVERYTHING  # what was sent meanwhile is gone: reload
        _prime(feed, theirs, 3)
        mine.add_tags(["online"], [1])  # the pool reconnects by itself
    finally:
        assert feed.stop()
        mine.close()
        theirs.close()
