"""Exporting references: bibliography files (BibTeX, BibLaTeX, RIS, CSL-JSON) and
formatted bibliographies in a CSL style (plain text, HTML, Markdown).

One entry point for both faces: ``render`` turns references into text for a preview, the
clipboard or stdout; ``export_to_file`` writes it atomically. Which references and in what
order is the caller's choice (the selection, a tag, the whole library)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from refman.domain import Reference
from refman.formats import base as formats
from refman.formats.base import WriteOptions
from refman.services.atomic import write_atomically
from refman.services.errors import UserError

CitationOutput = Literal["text", "html", "markdown"]
CITATION_OUTPUTS: dict[str, str] = {
    "text": "Plain text",
    "html": "HTML",
    "markdown": "Markdown",
}
"""Formatted-bibliography outputs (in a CSL style) by name, with their labels."""

CITATION_EXTENSIONS = {"text": ".txt", "html": ".html", "markdown": ".md"}

DEFAULT_STYLE = "apa"

LOAD_CHUNK = 2000
"""References loaded from the library at a time during a large export."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to write: a file format (``bibtex``, ``biblatex``, ``ris``, ``csljson``) or a
    formatted bibliography (``text``, ``html``, ``markdown``) in ``style``."""

    kind: str
    style: str = DEFAULT_STYLE
    options: WriteOptions = field(default_factory=WriteOptions)

    def __post_init__(self) -> None:
        if self.kind not in export_kinds():
            known = ", ".join(export_kinds())
            raise UserError(f"unknown export format {self.kind!r} (choose from {known})")

    @property
    def is_citation(self) -> bool:
        """Whether this is a formatted bibliography rather than a bibliography file."""
        return self.kind in CITATION_OUTPUTS

    @property
    def extension(self) -> str:
        """The file extension an export of this kind proposes (".bib", ".ris", ...)."""
        if self.is_citation:
            return CITATION_EXTENSIONS[self.kind]
        return formats.by_name(self.kind).extensions[0]


def export_kinds() -> dict[str, str]:
    """Every export kind by name, with its label: the writable formats, then the
    formatted-bibliography outputs."""
    kinds = {fmt.name: fmt.label for fmt in formats.writable()}
    kinds.update(CITATION_OUTPUTS)
    return kinds


def kind_for_extension(extension: str) -> str | None:
    """The export kind a file extension suggests (".bib": BibTeX, ".ris", ".json",
    ".txt", ".html", ".md"), or None."""
    extension = extension.lower()
    for kind in export_kinds():
        if ExportRequest(kind).extension == extension:
            return kind
    return {".htm": "html", ".markdown": "markdown"}.get(extension)


def render_chunks(refs: Iterable[Reference], request: ExportRequest) -> Iterator[str]:
    """The text of ``request`` for ``refs``, in chunks (a file format streams)."""
    if request.is_citation:
        from refman.services import citing  # noqa: PLC0415 (citeproc loads on first use)

        output: CitationOutput = request.kind  # type: ignore[assignment]  # is_citation
        yield citing.format_bibliography(list(refs), request.style, output)
        return
    writer = formats.by_name(request.kind).write
    assert writer is not None  # export_kinds lists writable formats only
    yield from writer(refs, request.options)


def render(refs: Iterable[Reference], request: ExportRequest) -> str:
    """The whole text of ``request`` for ``refs``."""
    return "".join(render_chunks(refs, request))


def provisional_count(refs: Iterable[Reference]) -> int:
    """How many of ``refs`` carry a title refman derived (an export says so)."""
    return sum(1 for ref in refs if ref.title_provisional)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    count: int
    provisional: int
    written: bool
    """False when the file already held exactly this text (``only_if_changed``)."""

    def summary(self) -> str:
        """One line for the user."""
        noun = "reference" if self.count == 1 else "references"
        line = f"exported {self.count} {noun} to {self.path}"
        if not self.written:
            line = f"{self.path} is up to date ({self.count} {noun})"
        if self.provisional:
            line += f"; {self.provisional} with a provisional title"
        return line


Loader = Callable[[Sequence[int]], list[Reference]]
"""``load(ids) -> references`` in that order (``Library.load``)."""


class ReferenceSource:
    """References loaded in chunks as an export consumes them, counting provisional
    titles on the way: a 100,000-reference export never holds them all."""

    def __init__(self, load: Loader, ids: Sequence[int]) -> None:
        self._load = load
        self._ids = list(ids)
        self.provisional = 0

    def __iter__(self) -> Iterator[Reference]:
        for start in range(0, len(self._ids), LOAD_CHUNK):
            for ref in self._load(self._ids[start : start + LOAD_CHUNK]):
                self.provisional += ref.title_provisional
                yield ref

    def __len__(self) -> int:
        return len(self._ids)


def export_to_file(
    load: Loader,
    ids: Sequence[int],
    request: ExportRequest,
    path: Path,
    *,
    only_if_changed: bool = False,
) -> ExportResult:
    """Write the references ``ids`` (loaded with ``load``) to ``path`` atomically: an
    existing file is replaced only when the whole export succeeded (and, with
    ``only_if_changed``, only when its text differs)."""
    source = ReferenceSource(load, ids)
    with _cyclic_gc_paused():
        written = write_atomically(
            Path(path), render_chunks(source, request), only_if_changed=only_if_changed
        )
    return ExportResult(Path(path), len(source), source.provisional, written)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (unless something else paused it): an
    export makes ten objects or so per reference, freed by reference counting (citeproc-py
    leaves a few cycles, collected afterwards), and their allocation alone sets off
    collections, now and then one of the whole heap (30 ms in a 10,000-reference export,
    more in the window with its larger heap)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
