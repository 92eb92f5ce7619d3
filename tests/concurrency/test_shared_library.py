"""Several clients (separate processes) on one PostgreSQL library at once: no lost
updates (of fields or of notes), every refused write reported, a killed client leaves
nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence

import pytest

from refman.app import open_library
from refman.domain.query import ReferenceQuery
from refman.services.library import Library
from tests.conftest import ROOT, SEED_FILES, fresh_library_url

pytestmark = pytest.mark.postgres
SHARED = 24
"""References every client works on (few, so that clients collide often)."""
SHARED_NOTES = 3
"""Notes every client edits (fewer still: most note edits race with another's)."""


@pytest.fixture
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Library, list[int]]]:
    """A PostgreSQL library with the seeds, and the ids the clients share."""
    with fresh_library_url("postgresql", tmp_path_factory.mktemp("unused"), request) as url:
        library = open_library(url)
        library.import_files(SEED_FILES)
        ids = library.query_ids(ReferenceQuery())[:SHARED]
        yield url, library, ids
        library.store.close()


def _client(
    url: str,
    name: str,
    seed: int,
    operations: str,
    ids: list[int],
    *,
    note_ids: Sequence[int] = (),
) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.concurrency.client", url, name, str(seed), operations]
    return subprocess.Popen(
        [*args, ",".join(map(str, ids)), ",".join(map(str, note_ids))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _run_clients(
    url: str, ids: list[int], note_ids: list[int], count: int, operations: int
) -> list[dict[str, list]]:
    """Start ``count`` clients, let them go at once, and collect their reports."""
    clients = [
        _client(url, str(n), 1000 + n, str(operations), ids, note_ids=note_ids)
        for n in range(count)
    ]
    for client in clients:
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "ready", client.stderr
    for client in clients:
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    reports = []
    for client in clients:
        out, err = client.communicate(timeout=120)
        assert client.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


@pytest.mark.parametrize("count", [2, 8])
def test_concurrent_clients_lose_nothing(
    shared: tuple[str, Library, list[int]], count: int
) -> None:
    url, library, ids = shared
    before = {ref_id: library.get(ref_id).version for ref_id in ids}
    note_ids = [library.add_note(ref_id, "shared note").count for ref_id in ids[:SHARED_NOTES]]
    reports = _run_clients(url, ids, note_ids, count, operations=60)

    after = {ref_id: library.get(ref_id) for ref_id in ids}
    for report in reports:  # every tag and note any client added is there
        for name, ref_id in report["tags"]:
            assert name in after[ref_id].tags, (name, ref_id)
            assert "shared" in after[ref_id].tags
        for ref_id, text in report["notes"]:
            assert text in [note.text for note in after[ref_id].notes], (ref_id, text)
    accepted: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for report in reports:
        for ref_id, value, version in report["edits"]:
            accepted[ref_id].append((version, value))
    for ref_id in ids:  # each accepted edit made exactly one version: none overwritten
        versions = sorted(accepted[ref_id])
        assert [v for v, _ in versions] == list(
            range(before[ref_id] + 1, before[ref_id] + 1 + len(versions))
        ), ref_id
        assert after[ref_id].version == before[ref_id] + len(versions)
        if versions:
            assert after[ref_id].venue == versions[-1][1]
    edits = sum(len(r["edits"]) + len(r["refused"]) for r in reports)
    assert edits > 0
    if count == 8:  # with eight at once some edit surely lost a race, and was told so
        assert sum(len(r["refused"]) for r in reports) > 0
    _check_note_edits(library, note_ids, reports, count)


def _check_note_edits(
    library: Library, note_ids: list[int], reports: list[dict[str, list]], count: int
) -> None:
    """Every accepted note edit made exactly one version step (none overwritten), the
    last one's text stands, and every refused one was told what it lost to."""
    accepted: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for report in reports:
        for note_id, text, version in report["note_edits"]:
            accepted[note_id].append((version, text))
    refused = [entry for report in reports for entry in report["note_refused"]]
    for note_id in note_ids:
        note = library.note(note_id)
        assert note is not None
        versions = sorted(accepted[note_id])
        assert [v for v, _ in versions] == list(range(2, 2 + len(versions))), note_id
        assert note.version == 1 + len(versions)
        assert note.text == (versions[-1][1] if versions else "shared note")
    for note_id, sent, theirs, their_text in refused:  # lost to a later, accepted save
        assert theirs > sent, (note_id, sent, theirs)
        assert (theirs, their_text) in accepted[note_id]
    assert sum(len(edits) for edits in accepted.values()) + len(refused) > 0
    if count == 8:
        assert refused  # eight clients on three notes: some edit lost a race


def test_a_client_killed_mid_transaction_leaves_nothing(
    shared: tuple[str, Library, list[int]],
) -> None:
    url, library, ids = shared
    notes_before = {ref_id: len(library.get(ref_id).notes) for ref_id in ids}
    client = _client(url, "k", 1, "hold", ids)
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "inside", client.stderr
    client.send_signal(signal.SIGKILL)
    client.communicate(timeout=30)  # (reaps it and closes its pipes)
    assert client.returncode == -signal.SIGKILL

    assert "killed-k" not in {tag.name for tag in library.tags()}
    for ref_id in ids:
        assert len(library.get(ref_id).notes) == notes_before[ref_id]
    # the dead client's locks are gone: the same rows can be written at once
    assert library.add_tags(["killed-k"], ids).count == len(ids)
