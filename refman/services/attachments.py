"""Attached files: copied into the library's attachment folder or linked where they are.

- **Where.** The attachment folder is a library setting (``attachments.folder``), by
  default ``refman.storage.engine.default_attachment_folder`` (for the default library,
  ``attachments`` in platformdirs' user data dir). Whether a new file is copied there
  (the default) or linked is a library setting too (``attachments.copy``), which a
  caller may override per file.
- **Copying** writes a temporary file in the folder, flushes it, then gives it its name
  with a hard link (``os.link`` fails rather than replace a file), so the folder never
  holds half a file and a file is never overwritten. Names are readable: the
  reference's citation key and the source's extension (``feng2022metaformer.pdf``),
  then ``-2``, ``-3`` ... on a clash.
- **Again?** Attaching a file the reference already has (the same file when linking, the
  same content when copying) changes nothing and returns the attachment it has.
- **Missing files** are a state, not an error: ``check_files`` marks attachments whose
  file is not there, and the faces show them as missing.
- **Deleting.** Copies belong to the library: emptying the Trash deletes the copies its
  references held (``delete_unused_copies``), never a linked file, never a file outside
  the attachment folder.
"""

from __future__ import annotations

import contextlib
import filecmp
import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from refman.domain import Attachment, Reference
from refman.formats.pdf_identifiers import PdfClues, title_from_file_name
from refman.services.citekeys import KeyAllocator, base_key
from refman.services.errors import UserError
from refman.storage.engine import default_attachment_folder
from refman.storage.store import NotFoundError, Store

COPY_SETTING = "attachments.copy"
FOLDER_SETTING = "attachments.folder"
PDF_MIME = "application/pdf"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")
_MAX_NAMES = 10_000


@dataclass(frozen=True, slots=True)
class AttachmentPreferences:
    """The library's attachment settings: copy new files (else link them), and the
    folder copies go to ("" for the default, ``default_attachment_folder``)."""

    copy: bool = True
    folder: str = ""


def preferences(store: Store) -> AttachmentPreferences:
    """The library's attachment settings."""
    settings = store.settings()
    return AttachmentPreferences(
        copy=settings.get(COPY_SETTING, "true") != "false",
        folder=settings.get(FOLDER_SETTING, ""),
    )


def set_preferences(store: Store, prefs: AttachmentPreferences) -> None:
    """Change the library's attachment settings (a folder must be an absolute path; the
    files already copied stay where they are)."""
    folder = prefs.folder.strip()
    if folder and not Path(folder).expanduser().is_absolute():
        raise UserError(f"attachment folder: {folder!r} is not an absolute path")
    with store.unit_of_work() as uow:
        uow.set_setting(COPY_SETTING, "true" if prefs.copy else "false")
        uow.set_setting(FOLDER_SETTING, folder or None)


def default_folder(store: Store) -> Path:
    """The attachment folder when the library's settings name none."""
    return default_attachment_folder(store.url)


def attachment_folder(store: Store) -> Path:
    """Where the library copies attached files."""
    folder = preferences(store).folder
    return Path(folder).expanduser() if folder else default_attachment_folder(store.url)


def file_path(attachment: Attachment, folder: Path) -> Path | None:
    """The file an attachment names (a relative location is taken in ``folder``; a
    ``file:`` URL is a path); None for a web link."""
    location = attachment.location.strip()
    if attachment.kind != "file":
        parsed = urlparse(location)
        if parsed.scheme != "file":
            return None
        location = unquote(parsed.path)
    elif location.startswith("file:"):
        location = unquote(urlparse(location).path)
    path = Path(location).expanduser()
    return path if path.is_absolute() else folder / path


def check_files(refs: Iterable[Reference], folder: Path) -> None:
    """Mark each file attachment of ``refs`` whose file is not there as ``missing``."""
    for ref in refs:
        for attachment in ref.attachments:
            path = file_path(attachment, folder)
            attachment.missing = path is not None and not path.is_file()


def pdf_file(ref: Reference, folder: Path) -> Path | None:
    """The reference's first PDF file that is there (None if it has none)."""
    for attachment in ref.attachments:
        path = file_path(attachment, folder)
        if path is not None and attachment.is_pdf and path.is_file():
            return path
    return None


def sniff_mime(path: Path) -> str:
    """The media type of a file: PDF by its signature, else by its name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        head = b""
    if b"%PDF-" in head:
        return PDF_MIME
    guessed, _encoding = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def is_pdf(path: Path) -> bool:
    """Whether ``path`` is a PDF file (by its signature)."""
    return path.is_file() and sniff_mime(path) == PDF_MIME


def file_stem(ref: Reference) -> str:
    """A readable, portable file name (without extension) for a copy of ``ref``'s file:
    its citation key."""
    stem = _UNSAFE.sub("_", ref.citekey or base_key(ref)).strip("._")
    return stem[:100] or "attachment"


def copy_into(folder: Path, source: Path, stem: str) -> Path:
    """Copy ``source`` into ``folder`` as ``stem`` + its extension (``stem-2`` ... on a
    clash), atomically and never over an existing file; returns the copy's path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then linked)
            dir=folder, prefix=f".{stem}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise UserError(f"cannot copy into {folder}: {exc.strerror or exc}") from exc
    temp = Path(handle.name)
    suffix = source.suffix.lower()
    try:
        with handle, source.open("rb") as original:
            shutil.copyfileobj(original, handle, 1 << 20)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            shutil.copystat(source, temp)
        for n in range(1, _MAX_NAMES):
            target = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
            if _claim(temp, target):
                return target
        raise UserError(f"cannot copy into {folder}: too many files named {stem}")
    except OSError as exc:
        raise UserError(f"cannot copy {source} into {folder}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _claim(temp: Path, target: Path) -> bool:
    """Give the finished ``temp`` file the name ``target`` unless it is taken."""
    try:
        os.link(temp, target)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: rename, checking first
        if target.exists():
            return False
        os.replace(temp, target)
    return True


def _same_file(path: Path, other: Path | None, *, content: bool) -> bool:
    if other is None or not other.is_file():
        return False
    try:
        if os.path.samefile(path, other):
            return True
        return content and filecmp.cmp(path, other, shallow=False)
    except OSError:
        return False


def _new_attachment(
    source: Path, ref: Reference, folder: Path, *, copy: bool
) -> tuple[Attachment, Path | None]:
    """The attachment of ``source`` to ``ref`` (not stored) and the copy made for it."""
    attachment = Attachment(
        location=str(source), kind="file", mime=sniff_mime(source), size=source.stat().st_size
    )
    made = None
    if copy:
        if source.parent == folder:  # already one of the library's copies
            attachment.copied = True
        else:
            made = copy_into(folder, source, file_stem(ref))
            attachment.location, attachment.copied = str(made), True
    return attachment, made


def _source(source: Path) -> Path:
    source = Path(source).expanduser()
    if not source.is_file():
        raise UserError(f"attach: {source} is not a file")
    return source.resolve()


def attach_file(
    store: Store, ref_id: int, source: Path, *, copy: bool | None = None
) -> tuple[Attachment, bool]:
    """Attach the file ``source`` to reference ``ref_id``, copied into the attachment
    folder (``copy`` None: as the library's setting says) or linked where it is.
    Returns the attachment and whether it is new (False: the reference had the file)."""
    source = _source(source)
    found = store.references([ref_id], with_details=True)
    if not found:
        raise NotFoundError(f"no reference {ref_id}")
    ref = found[0]
    folder = attachment_folder(store).resolve()
    copy = preferences(store).copy if copy is None else copy
    for existing in ref.attachments:
        if _same_file(source, file_path(existing, folder), content=copy):
            return existing, False
    attachment, made = _new_attachment(source, ref, folder, copy=copy)
    try:
        with store.unit_of_work() as uow:
            if ref_id not in uow.reference_states([ref_id]):
                raise NotFoundError(f"no reference {ref_id}")
            attachment.id = uow.add_attachment(ref_id, attachment)
    except BaseException:
        _forget(made)
        raise
    return attachment, True


def add_reference_with_file(
    store: Store, ref: Reference, source: Path, *, copy: bool | None = None
) -> tuple[int, Attachment]:
    """Store the new reference ``ref`` (a citation key is allocated) with the file
    ``source`` attached, in one transaction; returns its id and the attachment."""
    source = _source(source)
    folder = attachment_folder(store).resolve()
    copy = preferences(store).copy if copy is None else copy
    made = None
    try:
        with store.unit_of_work() as uow:
            KeyAllocator(uow.citekeys()).assign(ref)
            attachment, made = _new_attachment(source, ref, folder, copy=copy)
            (ref_id,) = uow.insert_references([ref])
            attachment.id = uow.add_attachment(ref_id, attachment)
    except BaseException:
        _forget(made)
        raise
    return ref_id, attachment


def _forget(made: Path | None) -> None:
    """Remove a copy whose attachment was not stored."""
    if made is not None:
        with contextlib.suppress(OSError):
            made.unlink()


def delete_unused_copies(store: Store, locations: Sequence[str]) -> list[Path]:
    """Delete the copied files at ``locations`` that no attachment points at any more
    and that lie in the attachment folder; returns those deleted."""
    if not locations:
        return []
    folder = attachment_folder(store).resolve()
    with store.unit_of_work() as uow:
        used = uow.locations_in_use(locations)
    deleted = []
    for location in dict.fromkeys(locations):
        if location in used:
            continue
        path = file_path(Attachment(location, "file"), folder)
        if path is None or path.resolve().parent != folder:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            deleted.append(path)
    return deleted


# --- a reference from a PDF ---------------------------------------------------------
def reference_from_clues(clues: PdfClues, source: Path) -> Reference:
    """A new reference for a PDF that says ``clues`` about itself (not yet stored). Its
    title is provisional: the PDF's title metadata, else the identifier, else the file
    name, for the user or a metadata lookup to replace."""
    ref = Reference(title_provisional=True)
    if clues.arxiv_id:
        ref.entry_type = "preprint"
        ref.arxiv_id, ref.arxiv_version = clues.arxiv_id, clues.arxiv_version
        ref.year = clues.year
        ref.url = f"https://arxiv.org/abs/{clues.arxiv_id}"
    elif clues.doi:
        ref.entry_type = "article"
        ref.url = f"https://doi.org/{clues.doi}"
    else:
        ref.entry_type = "misc"
    ref.doi = clues.doi
    ref.title = (
        clues.title
        or (f"arXiv:{clues.arxiv_id}" if clues.arxiv_id else "")
        or (f"doi:{clues.doi}" if clues.doi else "")
        or title_from_file_name(source.stem)
        or "Untitled PDF"
    )
    return ref


def existing_reference(store: Store, clues: PdfClues) -> int | None:
    """The reference (live or trashed) with the arXiv id or DOI of ``clues``, if any."""
    if clues.arxiv_id:
        with contextlib.suppress(NotFoundError):
            return store.find_id(clues.arxiv_id)
    if clues.doi:
        return store.find_by_doi(clues.doi)
    return None
