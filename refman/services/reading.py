"""Opening an input file: checks, encoding, format detection, streamed records."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import refman.formats  # noqa: F401  (registers the formats)
from refman.domain import Reference
from refman.formats.base import SNIFF_CHARS, Format, FormatError, detect
from refman.formats.text_decoding import detect_encoding

SAMPLE_BYTES = 1 << 20
"""Bytes read up front to choose the encoding and the format."""
_READ_CHUNK = 1 << 20


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
    """Decoded lines with LF ends (CRLF and CR normalised); a decoding error names its line."""
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
        hold = ""
        if chunk and text.endswith("\r"):
            text, hold = text[:-1], "\r"
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        carry = parts.pop() + hold
        for part in parts:
            yield part + "\n"
        line_no += len(parts)
        if not chunk:
            break
        chunk = handle.read(_READ_CHUNK)
    if carry:
        yield carry


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
    except BaseException:
        handle.close()
        raise

    def records() -> Iterator[Reference]:
        with handle:
            yield from fmt.read(_lines(handle, encoding, source, sample), source)

    return OpenedFile(path=path, format=fmt, size=size, records=records(), _handle=handle)
