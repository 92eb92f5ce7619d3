"""One client of a shared library, as its own process: ``python -m
tests.concurrency.client URL CLIENT SEED OPERATIONS REF_IDS [NOTE_IDS]``.

It prints ``ready``, waits for a line on stdin (so that every client starts at once),
then tags, notes and edits random references among ``REF_IDS`` (comma-separated) and,
given ``NOTE_IDS``, edits those shared notes against the version it read, through the
same ``Library`` the app uses, and prints one JSON report of what it did: tag pairs and
notes added, edits and note edits accepted (with the version they produced) and those
refused as conflicts (a refused note edit with the version and text it lost to). With
``hold`` as OPERATIONS it instead tags every reference inside one transaction, prints
``inside`` and waits to be killed.
"""

from __future__ import annotations

import json
import random
import sys
import time

from refman.app import open_library
from refman.storage.store import ConflictError, NoteConflictError


def _hold(url: str, client: str, ref_ids: list[int]) -> None:
    """Write inside one transaction and never commit (the test kills this process)."""
    library = open_library(url)
    with library.store.unit_of_work() as uow:
        uow.tag(ref_ids, [f"killed-{client}"])
        for ref_id in ref_ids:
            uow.add_note(ref_id, f"note of killed client {client}")
        print("inside", flush=True)
        sys.stdin.readline()  # (the test kills us before anything arrives)


def main(argv: list[str]) -> int:
    url, client, seed, operations, refs, *notes = argv
    ref_ids = [int(x) for x in refs.split(",")]
    note_ids = [int(x) for x in notes[0].split(",")] if notes and notes[0] else []
    if operations == "hold":
        _hold(url, client, ref_ids)
        return 0
    library = open_library(url)
    rng = random.Random(int(seed))
    report: dict[str, list[object]] = {
        "tags": [],
        "notes": [],
        "edits": [],
        "refused": [],
        "note_edits": [],
        "note_refused": [],
    }
    kinds = ("tag", "note", "edit", "note_edit") if note_ids else ("tag", "note", "edit")
    latencies: list[float] = []
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(int(operations)):
        ref_id = rng.choice(ref_ids)
        kind = rng.choice(kinds)
        started = time.perf_counter()
        if kind == "tag":
            name = f"c{client}-{rng.randrange(5)}"
            targets = rng.sample(ref_ids, min(len(ref_ids), rng.randint(1, 20)))
            library.add_tags([name, "shared"], targets)
            report["tags"].extend([name, r] for r in targets)
        elif kind == "note":
            text = f"client {client} note {n}"
            library.add_note(ref_id, text)
            report["notes"].append([ref_id, text])
        elif kind == "note_edit":
            note_id = rng.choice(note_ids)
            note = library.note(note_id)
            assert note is not None
            value = f"note text of client {client} edit {n}"
            try:
                new_version = library.edit_note(note_id, value, note.version).count
            except NoteConflictError as lost:
                report["note_refused"].append([note_id, note.version, lost.version, lost.text])
            else:
                report["note_edits"].append([note_id, value, new_version])
        else:
            version = library.get(ref_id).version
            value = f"Venue of client {client} edit {n}"
            try:
                new_version = library.update_fields(ref_id, {"venue": value}, version).count
            except ConflictError:
                report["refused"].append([ref_id, version])
            else:
                report["edits"].append([ref_id, value, new_version])
        latencies.append(time.perf_counter() - started)
    report["latencies"] = latencies  # type: ignore[assignment]
    library.store.close()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
