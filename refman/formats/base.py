"""The format contract: readers turn text into references; a registry finds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from refman.domain import Reference


class FormatError(ValueError):
    """Input that a reader cannot accept; names the source and the 1-based line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


Reader = Callable[[Iterable[str], str], Iterator[Reference]]
"""``read(lines, source) -> references``: lines keep their ``"\n"`` ends (CRLF already
normalised); references are yielded as soon as they are complete, so a large file streams.
Raises :class:`FormatError` naming the line."""

Sniffer = Callable[[str], bool]
"""``sniff(head) -> bool``: whether the start of a text (up to 64 KiB) looks like this
format."""

SNIFF_CHARS = 65536

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
"""English month names and abbreviations (lower case) to their numbers, for readers."""


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """What a writer includes beyond the bibliographic fields."""

    notes: bool = False
    """Write the references' notes (RIS ``N1``, BibTeX ``annote``, CSL-JSON ``annote``)."""
    abstracts: bool = True
    """Write abstracts."""
    lossless: bool = False
    """Also write what only refman reads back (the provisional-title flag, code URL, page
    and figure counts, arXiv comments ...) in fields other tools ignore, so that a library
    exported and imported again is the same library. Off for a bibliography."""


Writer = Callable[[Iterable[Reference], WriteOptions], Iterator[str]]
"""``write(references, options) -> chunks``: the text of a file for ``references`` in the
order given, as chunks to join (one per reference, plus any header or footer), so that a
large export streams. Every reference gets a non-empty title (a provisional one is written
as it is) and its ``citekey``; writers do no I/O."""


@dataclass(frozen=True, slots=True)
class Format:
    """A registered format: its name, file extensions, content sniffer, reader and (when it
    can be exported) writer. ``extensions`` carry the dot (".bib"); the first is the one an
    export proposes."""

    name: str
    label: str
    extensions: tuple[str, ...]
    sniff: Sniffer
    read: Reader
    write: Writer | None = None
    streams: bool = True
    """Whether the reader takes its input line by line in bounded memory; a reader that
    needs the whole text (BibTeX's crossrefs, JSON, XML) sets False, and the importer
    refuses files too large to hold (``reading.WHOLE_FILE_MAX_BYTES``)."""


_FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add ``fmt`` to the registry (later registrations of a name replace earlier ones)."""
    _FORMATS[fmt.name] = fmt
    return fmt


def formats() -> list[Format]:
    """All registered formats in registration order."""
    return list(_FORMATS.values())


def by_name(name: str) -> Format:
    """The format called ``name``; KeyError when unknown."""
    return _FORMATS[name]


def detect(text: str, source: str) -> Format:
    """The first registered format whose sniffer accepts ``text``."""
    for fmt in _FORMATS.values():
        try:
            accepted = fmt.sniff(text)
        except RecursionError:  # input nested deeper than any bibliography
            accepted = False
        if accepted:
            return fmt
    raise FormatError(source, None, "not a recognised bibliography format")


def writable() -> list[Format]:
    """The registered formats that have a writer."""
    return [fmt for fmt in _FORMATS.values() if fmt.write is not None]


def write_text(fmt: Format, refs: Iterable[Reference], options: WriteOptions | None = None) -> str:
    """The whole text ``fmt`` writes for ``refs`` (convenience for small outputs and tests)."""
    if fmt.write is None:
        raise KeyError(f"{fmt.name} cannot be written")
    return "".join(fmt.write(refs, options or WriteOptions()))


def read_text(fmt: Format, text: str, source: str) -> list[Reference]:
    """All references in ``text`` (convenience for small inputs and tests)."""
    return list(fmt.read(text.splitlines(keepends=True), source))
