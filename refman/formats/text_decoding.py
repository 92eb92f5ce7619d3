"""Turn the bytes of an imported file into text, or refuse them with a clear message.

The rules, in order (the first that applies decides):

1. An empty or whitespace-only file is refused.
2. A byte-order mark selects UTF-32 (LE/BE), UTF-8 or UTF-16 (LE/BE); the rest must decode
   strictly in that encoding.
3. Without a BOM, NUL bytes are either the signature of BOM-less UTF-16/UTF-32 text (ASCII
   characters leave a NUL in every other, or three of every four, bytes in a regular
   pattern) or the mark of a binary file, which is refused.
4. A JabRef-style header (``% Encoding: windows-1252`` in the first lines) names the
   encoding; it is honoured strictly, and an unknown name is refused.
5. Strict UTF-8.
6. GB18030 (GBK), only when it is unmistakable: every run of non-ASCII bytes is an even
   number of bytes and reads as CJK characters (Western windows-1252 text has lone
   accented letters, so it never passes).
7. Windows-1252 as a fallback, only when every byte is defined in it and the result reads
   like Western text (at most 30 % of the visible characters outside ASCII: Cyrillic or
   Shift-JIS bytes read as windows-1252 would be mojibake); otherwise the file is refused
   with advice to save it as UTF-8.

Whatever the encoding, text containing control characters (other than tab, line feed,
carriage return, vertical tab and form feed) is refused as binary. CRLF and lone CR line
ends become LF. Nothing is ever decoded with replacement characters: a file is either read
exactly or refused with :class:`~refman.formats.base.FormatError` naming the source and,
where it helps, the line.

:func:`decode` takes a whole file. For streaming, :func:`detect_encoding` judges a leading
sample the same way and returns a codec whose strict incremental decoder then reads the
rest (a BOM-stripping one where the file has a BOM); bytes after the sample are checked
only by that decoder.
"""

from __future__ import annotations

import codecs
import re

from refman.formats.base import FormatError

__all__ = ["decode", "detect_encoding"]

_BOMS: tuple[tuple[bytes, str, str, str], ...] = (
    # (BOM, codec for the bytes after it, codec for the whole file, label)
    # UTF-32 first: its little-endian BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16", "UTF-16 (big-endian)"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters that do not occur in text files (tab, LF, VT, FF, CR are allowed)."""

_ENCODING_HEADER = re.compile(rb"^%[ \t]*Encoding:[ \t]*([A-Za-z0-9_.:-]+)[ \t]*\r?$", re.M)
"""JabRef writes ``% Encoding: <name>`` as one of the first lines of a file."""

_HEADER_WINDOW = 1024
"""How many leading bytes may hold the encoding header."""

_HIGH_BYTES = bytes(range(0x80, 0x100))
_ASCII_SPACE = b" \t\n\r\x0b\x0c"

_NUL_SAMPLE = 4096
"""How many leading bytes are inspected for the BOM-less UTF-16/UTF-32 signature."""

_MAX_NON_ASCII_SHARE = 0.3
"""Above this share of non-ASCII characters, a windows-1252 reading is likely mojibake."""


def decode(data: bytes, source: str) -> str:
    """Decode ``data`` (the whole content of ``source``) to text with LF line ends.

    Raises :class:`FormatError` for an empty or binary file, and for bytes that are not
    valid in the encoding the file declares or appears to use.
    """
    return _detect(data, source, complete=True)[1]


def detect_encoding(sample: bytes, source: str, *, complete: bool = True) -> str:
    """The codec to read ``source`` with, judged from its first bytes ``sample``.

    ``complete`` says whether ``sample`` is the whole file; when it is not, a character cut
    at the end of the sample is not an error, and an empty-looking sample is not refused
    (the reader refuses a file that turns out to hold no records). A BOM gives a codec that
    strips it ("utf-8-sig", "utf-16", "utf-32"). The sample is checked exactly as
    :func:`decode` checks a whole file; bytes after it are checked by the strict decoder
    that reads them.
    """
    codec, _ = _detect(sample, source, complete=complete)
    return codec


def _detect(data: bytes, source: str, *, complete: bool) -> tuple[str, str]:
    """The codec for ``data`` and its checked text (LF line ends, no BOM)."""
    if complete and not data.strip():
        raise FormatError(source, None, "the file is empty")
    for bom, codec, reader, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], codec, label, source, complete)
            return reader, _finish(text, source, complete)
    if b"\x00" in data:
        wide = _bomless_wide_encoding(data)
        if wide is None:
            line = data.count(b"\n", 0, data.index(b"\x00")) + 1
            raise FormatError(
                source, line, "the file contains NUL bytes; it looks binary, not a text file"
            )
        codec, label = wide
        return codec, _finish(_strict(data, codec, label, source, complete), source, complete)
    header = _ENCODING_HEADER.search(data, 0, _HEADER_WINDOW)
    if header is not None:
        name = header.group(1).decode("ascii")
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            line = data.count(b"\n", 0, header.start()) + 1
            raise FormatError(
                source, line, f"the header names an unknown encoding {name!r}"
            ) from None
        return codec, _finish(_strict(data, codec, name, source, complete), source, complete)
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        codec = "utf-8"
    except UnicodeDecodeError as utf8_error:
        chinese = _chinese(data, complete)
        if chinese is not None:
            return "gb18030", _finish(chinese, source, complete)
        text = _windows_1252(data, source, utf8_error)
        codec = "cp1252"
    return codec, _finish(text, source, complete)


def _strict(data: bytes, codec: str, label: str, source: str, complete: bool) -> str:
    """Decode ``data`` strictly, naming the line of the first undecodable byte; a sample
    (``complete`` false) may end inside a character."""
    try:
        return codecs.getincrementaldecoder(codec)().decode(data, final=complete)
    except UnicodeDecodeError as error:
        line = _line_of_byte(data, error.start, codec)
        raise FormatError(
            source,
            line,
            f"the file is not valid {label}: undecodable byte(s) "
            f"{data[error.start : error.end]!r} at offset {error.start}",
        ) from None


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _chinese(data: bytes, complete: bool) -> str | None:
    """The GB18030 (GBK) reading of ``data`` when it is unmistakably Chinese text: every
    run of non-ASCII bytes has an even length (two bytes per character) and reads as CJK
    characters. Western windows-1252 text fails this at its first lone accented letter,
    and would otherwise be taken for windows-1252 and silently garbled."""
    runs = list(_HIGH_RUN.finditer(data))
    if not runs:
        return None
    last = runs[-1]
    for run in runs:
        cut_at_end = not complete and run is last and run.end() == len(data)
        if (run.end() - run.start()) % 2 and not cut_at_end:
            return None
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not all(_CJK.match(c) for c in non_ascii):
        return None
    return text


def _windows_1252(data: bytes, source: str, utf8_error: UnicodeDecodeError) -> str:
    """The windows-1252 reading of ``data``, or a refusal explaining why not UTF-8."""
    line = data.count(b"\n", 0, utf8_error.start) + 1
    advice = "save it as UTF-8 and import it again"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise FormatError(
            source,
            line,
            f"the file is neither UTF-8 nor windows-1252 (byte {data[utf8_error.start]:#04x} "
            f"at offset {utf8_error.start}); {advice}",
        ) from None
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    visible = len(data.translate(None, _ASCII_SPACE))
    if non_ascii > _MAX_NON_ASCII_SHARE * max(visible, 1):
        raise FormatError(
            source,
            line,
            "the file is not UTF-8, and as windows-1252 it would not read as text "
            f"(too many accented or symbol characters); {advice}",
        )
    return text


def _bomless_wide_encoding(data: bytes) -> tuple[str, str] | None:
    """UTF-16/UTF-32 codec and label when the NUL bytes follow their ASCII pattern."""
    sample = data[:_NUL_SAMPLE]
    size = len(sample)
    if size >= 4 and size % 4 == 0:
        # outside the astral planes a UTF-32 character has two NUL bytes on its high side
        quads = [sample[i::4] for i in range(4)]
        if _all_nul(quads[2]) and _all_nul(quads[3]) and not _all_nul(quads[0]):
            return "utf-32-le", "UTF-32 (little-endian)"
        if _all_nul(quads[0]) and _all_nul(quads[1]) and not _all_nul(quads[3]):
            return "utf-32-be", "UTF-32 (big-endian)"
    if size >= 2 and size % 2 == 0:
        even, odd = sample[0::2], sample[1::2]
        if _mostly_nul(odd) and not even.count(0):
            return "utf-16-le", "UTF-16 (little-endian)"
        if _mostly_nul(even) and not odd.count(0):
            return "utf-16-be", "UTF-16 (big-endian)"
    return None


def _all_nul(column: bytes) -> bool:
    return column.count(0) == len(column)


def _mostly_nul(column: bytes) -> bool:
    """At least 70 % NULs: ASCII-heavy UTF-16 (non-Latin text has fewer, and no BOM)."""
    return column.count(0) >= 0.7 * len(column)


def _line_of_byte(data: bytes, offset: int, codec: str) -> int:
    """The 1-based line holding byte ``offset`` of ``data`` in ``codec``."""
    if codec.startswith(("utf-16", "utf-32")):
        width = 2 if codec.startswith("utf-16") else 4
        prefix = data[: offset - offset % width].decode(codec, errors="replace")
        return prefix.count("\n") + 1
    return data.count(b"\n", 0, offset) + 1


def _finish(text: str, source: str, complete: bool) -> str:
    """Normalise line ends, drop a stray BOM, refuse control characters and blank text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        code = ord(control.group())
        why = (
            "its text looks encoded twice (UTF-8 read as Latin-1 and saved again): "
            "repair it or export it again"
            if 0x80 <= code <= 0x9F
            else "it looks binary, not a text file"
        )
        raise FormatError(
            source, line, f"the file contains the control character U+{code:04X}; {why}"
        )
    if complete and not text.strip():
        raise FormatError(source, None, "the file is empty")
    return text
