"""Files written whole or not at all: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from refman.services.errors import UserError
from refman.storage.sqlite_files import sync_folder

WRITE_BUFFER = 1 << 20
"""Bytes buffered before a write to the file: an export yields a chunk per reference (a
few kB), so one system call per megabyte rather than one every few references. (Each
chunk is encoded on its own: joining them first widens a whole batch to the widest
character's size, and encodes it more slowly, when one reference is not Latin-1.)"""


def write_atomically(path: Path, chunks: Iterable[str], *, only_if_changed: bool = False) -> bool:
    """Write the text ``chunks`` to ``path`` in UTF-8: into a temporary file next to it,
    flushed to disk, then renamed over it, so that readers see the old file or the new one,
    never half of one. With ``only_if_changed`` an existing file with the same content is
    left untouched (its modification time too). Returns whether the file was written.

    Any failure (a folder that does not exist, no permission, a full disk, an error while
    producing the chunks) removes the temporary file, leaves an existing file as it was and
    raises :class:`UserError` naming the path and the reason."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: the folder {folder} does not exist")
    digest = hashlib.sha256() if only_if_changed else None  # (22 MB: 15-40 ms)
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            mode="wb",
            buffering=WRITE_BUFFER,
            dir=folder,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    temp = Path(handle.name)
    try:
        with handle:
            for chunk in chunks:
                data = chunk.encode("utf-8")
                if digest is not None:
                    digest.update(data)
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if digest is not None and _same_content(path, digest.digest()):
            temp.unlink()
            return False
        _keep_mode(path, temp)
        os.replace(temp, path)
        sync_folder(folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return True


def _same_content(path: Path, digest: bytes) -> bool:
    try:
        with path.open("rb") as existing:
            return hashlib.file_digest(existing, "sha256").digest() == digest
    except OSError:
        return False


def _keep_mode(path: Path, temp: Path) -> None:
    """Give the new file the old one's permissions (a new file gets the umask's)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)
