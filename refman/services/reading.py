"""Opening an input file (checks, encoding, format detection, streamed records) and reading
the records of an import, matched and ready to write, in this process or in a child."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import gc
import hashlib
import io
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

import refman.formats  # noqa: F401  (registers the formats)
from refman.domain import Attachment, Note, Person, Provenance, Reference
from refman.domain.model import REFERENCE_FIELDS, extra_from_json, extra_to_json
from refman.domain.text import Work, fold, name_key, title_key, work_of
from refman.formats.base import SNIFF_CHARS, Format, FormatError, detect
from refman.formats.text_decoding import detect_encoding
from refman.services.citekeys import key_base_of
from refman.services.matching import RecordMatcher

SAMPLE_BYTES = 1 << 20
"""Bytes read up front to choose the encoding and the format."""
_READ_CHUNK = 1 << 20
WHOLE_FILE_MAX_BYTES = 100_000_000
"""The largest file a reader that needs the whole text (``Format.streams`` False:
BibTeX, CSL-JSON, Atom) is given: parsing holds about five times the file in memory
(a 22 MB BibTeX file peaks at 175 MB), so above this the file is refused with advice.
Streaming readers take files of any size."""
MAX_LINE_CHARS = 32 << 20
"""A longer line is no bibliography (a binary or corrupted file): refused as soon as it
is seen, rather than held in memory until its end (minified JSON of 10,000 references is
one line of 23 MB)."""


@dataclass(slots=True)
class OpenedFile:
    """A file being read: its format and a stream of its records."""

    path: Path
    format: Format
    size: int
    records: Iterator[Reference]
    _handle: BinaryIO

    def bytes_read(self) -> int:
        """How far into the file reading has got (for progress)."""
        return 0 if self._handle.closed else self._handle.tell()


def _check_readable(path: Path) -> int:
    source = str(path)
    if not path.exists():
        raise FormatError(source, None, "no such file")
    if path.is_dir():
        raise FormatError(source, None, "is a folder, not a file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormatError(source, None, f"cannot read: {exc.strerror}") from exc
    if size == 0:
        raise FormatError(source, None, "the file is empty")
    return size


def _lines(handle: BinaryIO, encoding: str, source: str, first: bytes) -> Iterator[str]:
    """Decoded lines with LF ends (CRLF and CR normalised); a decoding error names its line.

    Lines come a block at a time through ``chain``, so the generator runs once per block
    of the file rather than once per line."""
    return chain.from_iterable(_line_blocks(handle, encoding, source, first))


def _line_blocks(handle: BinaryIO, encoding: str, source: str, first: bytes) -> Iterator[list[str]]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    carry = ""
    line_no = 1
    chunk = first
    while True:
        try:
            text = carry + decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            bad_line = line_no + chunk[: exc.start].count(b"\n")
            raise FormatError(
                source, bad_line, f"not valid {encoding} text (byte {chunk[exc.start]:#04x})"
            ) from exc
        if "\x00" in text:  # (binary data after the sample: a memchr, no regex)
            where = line_no + text.count("\n", 0, text.index("\x00"))
            raise FormatError(
                source, where, "the file contains NUL bytes; it looks binary, not a text file"
            )
        hold = ""
        if "\r" in text:  # (a memchr: most files have no CR, and replace costs more)
            if chunk and text.endswith("\r"):
                text, hold = text[:-1], "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        cut = text.rfind("\n") + 1
        carry = text[cut:] + hold
        if len(carry) > MAX_LINE_CHARS:
            raise FormatError(
                source,
                line_no + text.count("\n", 0, cut),
                f"a line longer than {MAX_LINE_CHARS >> 20} million characters: "
                "not a bibliography file (binary or damaged?)",
            )
        if cut:
            lines = text[:cut].split("\n")
            lines.pop()  # "" after the last line end
            yield [line + "\n" for line in lines]
            line_no += len(lines)
        if not chunk:
            break
        chunk = handle.read(_READ_CHUNK)
    if carry:
        yield [carry]


def _size(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def open_records(path: Path) -> OpenedFile:
    """Open ``path`` for import; raises :class:`FormatError` for anything unreadable.

    The file is streamed: only a sample is read here, the records come as they are parsed,
    so a large file never sits in memory whole."""
    source = str(path)
    size = _check_readable(path)
    try:
        handle: BinaryIO = path.open("rb")
    except OSError as exc:
        raise FormatError(source, None, f"cannot read: {exc.strerror}") from exc
    try:
        sample = handle.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample, source, complete=len(sample) == size)
        # The sample may end inside a character: decode it leniently, for sniffing only.
        head = sample.decode(encoding, errors="ignore")[:SNIFF_CHARS]
        fmt = detect(head.replace("\r\n", "\n").replace("\r", "\n"), source)
        if not fmt.streams and size > WHOLE_FILE_MAX_BYTES:
            raise FormatError(
                source,
                None,
                f"{_size(size)} is too large for a {fmt.label} file, which is read whole "
                f"(at most {_size(WHOLE_FILE_MAX_BYTES)}): split it, or export it as RIS, "
                "which refman reads in bounded memory",
            )
    except BaseException:
        handle.close()
        raise

    def records() -> Iterator[Reference]:
        with handle:
            yield from fmt.read(_lines(handle, encoding, source, sample), source)

    return OpenedFile(path=path, format=fmt, size=size, records=records(), _handle=handle)


# --- records on their way to the writer ----------------------------------------------
#
# A large import reads in a child process (see ``RecordReader``) while the main process
# writes, so a record travels between processes. It does so as plain tuples - a tenth of
# the cost of pickling a ``Reference`` - in two steps that split the work between the
# processes: the reader sends a ``Read`` (values as stored, the match decision) and the
# writer ``finish``-es it into a ``Wire`` (title and name keys, citation-key base, raw texts
# encoded and hashed) - or the reader does, when it is the one waiting (see ``child_main``).

ROW_COLUMNS: tuple[str, ...] = tuple(f for f in REFERENCE_FIELDS if f != "citekey")
"""The ``references`` columns of a record's ``row``, in order: stored as given (a date as
an ISO string, an empty arXiv id or DOI as None)."""

Read = tuple[Any, ...]
"""A record as the reader sends it: ``(target, citekey, added, row, title_key, authors,
provenance, extras)``:

- ``target``: what the record matched (see ``RecordMatcher.match``): None (new), a library
  reference's id, or ``-(n + 1)`` for this import's ``n``-th new reference;
- ``citekey``: the key the source gave (usually ""); ``added``: its timestamp or None;
- ``row``: values for ``ROW_COLUMNS``; ``title_key`` if the reader needed it, else None;
- ``authors``: ``(family, given)`` tuples; ``provenance``: ``(source, line, format, raw)``;
- ``extras``: None, or ``(tags, note texts, (location, kind) attachments)``.
"""

(
    W_TARGET,
    W_CITEKEY,
    W_KEY_BASE,
    W_ADDED,
    W_ROW,
    W_TITLE_KEY,
    W_SORT_AUTHOR,
    W_AUTHORS,
    W_PROVENANCE,
    W_EXTRAS,
) = range(10)

Wire = tuple[Any, ...]
"""A record ready to write: ``(target, citekey, key_base, added, row, title_key,
sort_author, authors, provenance, extras)``; as ``Read`` but for ``key_base`` (the
citation key to make unique, ``citekeys.key_base``), ``sort_author``, ``authors`` as
``(family, given, name_key)`` and ``provenance`` entries ``(source, line, format, data,
raw_hash)``, ``data`` the raw text in UTF-8."""


def raw_hash(raw: str) -> str:
    """Stable fingerprint of a record's raw text (``refman.storage.store.raw_hash``)."""
    return hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()


_ASCII_SEPARATORS = bytes(
    byte if (0x30 <= byte <= 0x39 or 0x61 <= byte <= 0x7A) else 0x20 for byte in range(256)
)
"""A ``bytes.translate`` table: ASCII digits and lower-case letters stay, all else is a
space."""


def fast_title_key(title: str) -> str:
    """``refman.domain.text.title_key``, four times faster on ASCII titles and on ASCII
    titles cut with an ellipsis (as provisional titles are): for them folding is
    lower-casing (NFKD turns "…" into "..."), and the non-alphanumeric runs become single
    spaces by translation and splitting instead of a regular expression."""
    if not title.isascii():
        plain = title.replace("…", "...")
        if not plain.isascii():
            return title_key(title)
        title = plain
    ascii_lower = title.lower().encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii")
    return " ".join(ascii_lower.split())


@lru_cache(maxsize=4096)
def _person_keys(family: str, given: str) -> tuple[str, str]:
    """A person's ``name_key`` and the fold of the family name (the sort key of a first
    author): the same people recur across records."""
    return name_key(family, given), fold(family)


def encode(ref: Reference, target: int | None, key: str | None = None) -> Read:
    """``ref`` as the reader sends it (see ``Read``); ``key`` is its title's key if known."""
    date = ref.date
    row = (
        ref.entry_type,
        ref.title,
        ref.title_provisional,
        ref.abstract,
        ref.year,
        None if date is None else date.isoformat(),
        ref.venue,
        ref.journal_ref,
        ref.arxiv_id or None,
        ref.arxiv_version,
        ref.doi or None,
        ref.url,
        ref.code_url,
        ref.comments,
        ref.page_count,
        ref.figure_count,
        ref.volume,
        ref.issue,
        ref.pages,
        ref.publisher,
        extra_to_json(ref.extra),
    )
    extras = None
    if ref.tags or ref.notes or ref.attachments:
        extras = (
            tuple(ref.tags),
            tuple(note.text for note in ref.notes),
            tuple((a.location, a.kind) for a in ref.attachments),
        )
    return (
        target,
        ref.citekey,
        ref.added,
        row,
        key,
        tuple((p.family, p.given) for p in ref.authors),
        tuple((p.source, p.line, p.format, p.raw) for p in ref.provenance),
        extras,
    )


def finish(read: Read) -> Wire:
    """A record as read (``Read``) made ready to write (``Wire``): the derived keys, the
    raw texts encoded and hashed."""
    target, citekey, added, row, key, authors, entries, extras = read
    if key is None:
        key = fast_title_key(row[1])
    if authors:
        sort_author = _person_keys(*authors[0])[1]
        people = tuple((f, g, _person_keys(f, g)[0]) for f, g in authors)
        family = authors[0][0]
    else:
        sort_author, people, family = "", (), None
    provenance = []
    for source, line, fmt, raw in entries:
        data = raw.encode("utf-8")
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        provenance.append((source, line, fmt, data, digest))
    return (
        target,
        citekey,
        key_base_of(citekey, key, family, row[4]),
        added,
        row,
        key,
        sort_author,
        people,
        tuple(provenance),
        extras,
    )


def decode(wire: Wire, *, provenance: bool = True) -> Reference:
    """The ``Reference`` a wire tuple was made from (without ids and import timestamps);
    ``provenance=False`` leaves the provenance out (a merge into a written reference
    takes it from the wire)."""
    row = wire[W_ROW]
    ref = Reference(
        entry_type=row[0],
        title=row[1],
        title_provisional=bool(row[2]),
        abstract=row[3],
        year=row[4],
        date=None if row[5] is None else dt.date.fromisoformat(row[5]),
        venue=row[6],
        journal_ref=row[7],
        arxiv_id=row[8] or "",
        arxiv_version=row[9],
        doi=row[10] or "",
        url=row[11],
        code_url=row[12],
        comments=row[13],
        page_count=row[14],
        figure_count=row[15],
        volume=row[16],
        issue=row[17],
        pages=row[18],
        publisher=row[19],
        extra=extra_from_json(row[20]),
        citekey=wire[W_CITEKEY],
        authors=[Person(family, given) for family, given, _key in wire[W_AUTHORS]],
        added=wire[W_ADDED],
    )
    if provenance:
        ref.provenance = [
            Provenance(source, line, fmt, data.decode("utf-8"))
            for source, line, fmt, data, _digest in wire[W_PROVENANCE]
        ]
    if wire[W_EXTRAS] is not None:
        tags, notes, attachments = wire[W_EXTRAS]
        ref.tags = list(tags)
        ref.notes = [Note(text) for text in notes]
        ref.attachments = [Attachment(location, kind) for location, kind in attachments]
    return ref


MatchKeys = tuple[dict[str, int], dict[str, int], dict[str, list[tuple[int, Work]]]]
"""What the library already holds, for ``RecordMatcher``: arXiv ids, lower-cased DOIs and
real titles' keys with their ``Work``, each to a reference id."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Records read and matched, in file order; ``done`` bytes of all files are read;
    ``last`` marks the final batch (which may be empty). The records are ``Read`` tuples,
    or ``Wire`` ones once ``finished``."""

    wires: list[Read]
    done: int
    last: bool
    finished: bool = False

    def finish(self) -> Batch:
        """This batch with its records ready to write (see ``finish``)."""
        if self.finished:
            return self
        return Batch([finish(read) for read in self.wires], self.done, self.last, finished=True)


def _guarded(records: Iterator[Reference], source: str) -> Iterator[Reference]:
    """``records``, a reader's recursion overflow (input nested deeper than any
    bibliography) turned into a ``FormatError``."""
    try:
        yield from records
    except RecursionError:
        raise FormatError(source, None, "nested too deeply to be a bibliography") from None


def read_batches(paths: Sequence[Path], keys: MatchKeys, batch_size: int) -> Iterator[Batch]:
    """Read ``paths`` in order, matching each record against ``keys`` and the records
    before it. A batch ends after every ``batch_size``-th record of a file and at the end."""
    matcher = RecordMatcher(*keys)
    del keys  # the titles now live in the matcher's index
    wires: list[Read] = []
    done_before = 0
    for path in paths:
        opened = open_records(path)
        for count, ref in enumerate(_guarded(opened.records, str(path)), start=1):
            # A real title's key is needed to match it; other keys the writer computes.
            key = fast_title_key(ref.title) if ref.title and not ref.title_provisional else None
            first = _person_keys(ref.authors[0].family, "")[1] if ref.authors else ""
            work = work_of(ref.year, first, ref.entry_type)
            target = matcher.match(ref.arxiv_id, ref.doi.lower(), key or "", work)
            wires.append(encode(ref, target, key))
            if count % batch_size == 0:
                yield Batch(wires, done_before + opened.bytes_read(), last=False)
                wires = []
        done_before += opened.size
    yield Batch(wires, done_before, last=True)


class RecordReader:
    """Reads and matches the records of an import, in this process or in a child.

    Use as a context manager: ``start(keys)`` once the library's keys are known, then
    iterate the batches. With ``in_child`` the reading runs in a child process (started
    on entry, so it gets going while the writer opens its transaction) and the batches
    come through a socket, so parsing and matching use the second core while this
    process writes. Leaving the block stops the child, whatever happened.

    The child is a fresh interpreter (``python -c``; in a frozen app the app's own
    executable, see ``child_command``), not a ``multiprocessing`` one: no fork (the GUI
    runs Qt threads), and unlike spawn or forkserver it does not re-import the parent's
    ``__main__`` (a script, the GUI), only this module."""

    def __init__(self, paths: Sequence[Path], *, batch_size: int, in_child: bool) -> None:
        self.paths = list(paths)
        self.batch_size = batch_size
        self.in_child = in_child and child_reading_supported()
        self._keys: MatchKeys | None = None
        self._started = False
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> RecordReader:
        if self.in_child:
            ours, theirs = socket.socketpair()
            with ours, theirs:
                try:
                    self._process = subprocess.Popen(
                        child_command(theirs.fileno()),
                        pass_fds=[theirs.fileno()],
                        stdin=subprocess.DEVNULL,
                        env=_child_environment(),
                    )
                except OSError:  # no interpreter to start: read here, more slowly
                    self.in_child = False
                    return self
                self._conn = Connection(ours.detach())
            self._send((self.paths, self.batch_size))
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process = None

    def start(self, keys: MatchKeys) -> None:
        """Begin matching against ``keys`` (the library as the import's transaction sees
        it; the reader takes them over)."""
        self._started = True
        if self._conn is None:
            self._keys = keys
        else:
            self._send(keys)

    def _send(self, message: object) -> None:
        if self._conn is not None:
            # OSError: the child has already stopped; iterating reports why.
            with contextlib.suppress(OSError):
                self._conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def __iter__(self) -> Iterator[Batch]:
        if not self._started:
            raise RuntimeError("RecordReader.start() must be called before reading")
        if self._conn is None:
            assert self._keys is not None
            keys, self._keys = self._keys, None
            yield from read_batches(self.paths, keys, self.batch_size)
            return
        while True:
            try:
                message = pickle.loads(self._conn.recv_bytes())
            except (EOFError, OSError):
                raise RuntimeError(self._died()) from None
            kind = message[0]
            if kind == "batch":
                batch: Batch = message[1]
                yield batch
                if batch.last:
                    return
            elif kind == "format-error":
                raise FormatError(*message[1:])
            else:
                raise RuntimeError(f"reading failed: {message[1]}\n{message[2]}")

    def _died(self) -> str:
        code = None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=5)
        return f"the reader process stopped unexpectedly (exit code {code})"


def child_reading_supported() -> bool:
    """Whether this platform can read in a child process (POSIX: the child inherits the
    socket's descriptor)."""
    return os.name == "posix"


_CHILD_CODE = "import sys; from refman.services.reading import child_main; child_main(sys.argv[1])"

CHILD_READER_ARG = "--refman-child-reader"
"""A frozen app's executable started with this argument and a descriptor runs
``child_main`` instead of the app (``packaging/refman_main.py``, the bundle's entry
point, checks for it before anything else)."""


def child_command(fd: int) -> list[str]:
    """The command that starts the reader process on the socket ``fd``: the interpreter
    with ``-c``, or in a frozen app (PyInstaller's ``sys.executable`` is the app, which
    takes no ``-c``) the app with ``CHILD_READER_ARG``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_READER_ARG, str(fd)]
    return [sys.executable, "-c", _CHILD_CODE, str(fd)]


def _child_environment() -> dict[str, str]:
    """The reader's environment: ours, and for an interpreter our ``sys.path`` (a frozen
    app finds its modules inside itself)."""
    if getattr(sys, "frozen", False):
        return dict(os.environ)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


_QUEUED_BATCHES = 2
"""Batches the child may read ahead of the writer besides the one being sent (bounds the
memory in flight)."""


def child_main(fd: str) -> None:
    """The reader process: read, match and send batches; a failure is sent as a message.
    A sender thread writes to the socket so reading goes on while the writer is busy."""
    conn = Connection(int(fd))
    outbox: queue.Queue[memoryview | None] = queue.Queue(maxsize=_QUEUED_BATCHES)

    def send() -> None:
        while (data := outbox.get()) is not None:
            try:
                conn.send_bytes(data)
            except OSError:  # the writer is gone (and stops us anyway)
                os._exit(0)

    sender = threading.Thread(target=send, name="refman-reader-sender", daemon=True)
    sender.start()

    def put(message: tuple[Any, ...]) -> None:
        # "fast" mode skips the memo: a third quicker, and batches share no objects
        # worth writing once (only the source path repeats).
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
        pickler.dump(message)
        outbox.put(buffer.getbuffer())  # no copy

    # Reading creates no reference cycles worth collecting, while the matcher's index
    # grows to hundreds of thousands of tracked objects that every full collection would
    # walk again: this short-lived process runs without the cyclic collector.
    gc.disable()
    try:
        paths, batch_size = pickle.loads(conn.recv_bytes())
        for batch in read_batches(paths, pickle.loads(conn.recv_bytes()), batch_size):
            # Batches waiting to be sent mean the writer is the slower side: take over
            # the finishing of records, which the writer otherwise does.
            put(("batch", batch.finish() if outbox.qsize() else batch))
    except FormatError as exc:
        put(("format-error", exc.source, exc.line, exc.message))
    except EOFError:
        pass  # the writer went away before sending everything
    except BaseException as exc:  # reported to the writer, which raises it
        put(("failure", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    outbox.put(None)
    sender.join()
    conn.close()
