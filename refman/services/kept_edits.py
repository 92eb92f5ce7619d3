"""Edits kept while a shared library cannot be reached, kept on disk too.

When the server is gone, the window keeps what the user typed (field edits, notes) and
saves it once the connection is back. Those edits are also written here, one JSON file
per server library in the user's data folder, after every change to them: closing the
window (or a crash, or a power cut) before the connection returns loses nothing; the
next window on that library finds them and saves them, asking where someone else
changed the same thing meanwhile. The file holds the text as typed, never a password.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from refman.services.atomic import write_atomically
from refman.services.errors import UserError
from refman.storage.engine import APP_NAME
from refman.storage.servers import ServerLibrary, server_library

log = logging.getLogger(__name__)

FORMAT = 1
"""The file's format version (a file of another version is left alone)."""

Value = str | int | float | bool | None
"""A field's value as kept: what JSON holds as it is."""


@dataclass(frozen=True, slots=True)
class KeptNote:
    """A note typed without a connection: a new one (``note_id`` None) or an edit of the
    note whose text was ``base`` at ``version`` (None: not known)."""

    ref_id: int
    note_id: int | None
    text: str
    version: int | None = None
    base: str = ""


@dataclass(slots=True)
class KeptEdits:
    """What waits for the connection: field edits (reference id -> field -> the value
    typed and the value the user began from, text or numbers) and notes."""

    fields: dict[int, dict[str, tuple[Value, Value]]] = field(default_factory=dict)
    notes: list[KeptNote] = field(default_factory=list)

    def count(self) -> int:
        """How many edits: fields and notes."""
        return sum(len(names) for names in self.fields.values()) + len(self.notes)


def journal_folder() -> Path:
    """Where the files live (the user's data folder)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "kept-edits"


def journal_path(url: str) -> Path | None:
    """The file of the server library at ``url`` (None for a file library: its writes
    never wait for a connection)."""
    library = server_library(url)
    return None if library is None else _journal_of(library)


def _journal_of(library: ServerLibrary) -> Path:
    name = hashlib.sha256(library.key.encode()).hexdigest()[:20]
    return journal_folder() / f"{name}.json"


class UnreadableKeptEditsError(UserError):
    """A file of kept edits exists but cannot be read (damaged, from a newer refman, or
    unreadable now): it is left alone, never overwritten or removed."""


def save(url: str, kept: KeptEdits) -> None:
    """Write ``kept`` for the library at ``url`` atomically (no edits: remove the file).
    Raises ``UserError`` when it cannot be written or removed (the edits stay in the
    window). Only call it for a file :func:`load` read (or found absent)."""
    library = server_library(url)
    if library is None:
        return
    path = _journal_of(library)
    if not kept.count():
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise UserError(f"cannot remove {path}: {exc.strerror}") from exc
        return
    document = {
        "format": FORMAT,
        "library": library.url,
        "fields": {
            str(ref_id): {name: list(pair) for name, pair in names.items()}
            for ref_id, names in kept.fields.items()
        },
        "notes": [
            {
                "reference": n.ref_id,
                "note": n.note_id,
                "text": n.text,
                "version": n.version,
                "base": n.base,
            }
            for n in kept.notes
        ],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {path.parent}: {exc.strerror}") from exc
    write_atomically(path, [json.dumps(document, ensure_ascii=False, indent=1)])


def load(url: str) -> KeptEdits:
    """The edits kept for the library at ``url`` (none when there is no file). A file
    that cannot be read or understood raises :class:`UnreadableKeptEditsError` and is
    left where it is, for the user (and for a newer refman that wrote it)."""
    path = journal_path(url)
    if path is None or not path.exists():
        return KeptEdits()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return _parse(document)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("cannot read the kept edits in %s: %s", path, exc)
        raise UnreadableKeptEditsError(
            f"edits kept by an earlier session in {path} cannot be read ({exc}); "
            "the file is left as it is"
        ) from exc


def _value(item: Any) -> Value:
    if item is None or isinstance(item, str | int | float | bool):
        return item
    raise TypeError(f"not a field value: {item!r}")


def _parse(document: Any) -> KeptEdits:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("not a kept-edits file of this version")
    kept = KeptEdits()
    for ref_id, names in dict(document.get("fields", {})).items():
        kept.fields[int(ref_id)] = {
            str(name): (_value(pair[0]), _value(pair[1])) for name, pair in dict(names).items()
        }
    for item in list(document.get("notes", [])):
        note_id, version = item.get("note"), item.get("version")
        kept.notes.append(
            KeptNote(
                int(item["reference"]),
                None if note_id is None else int(note_id),
                str(item["text"]),
                None if version is None else int(version),
                str(item.get("base", "")),
            )
        )
    return kept
