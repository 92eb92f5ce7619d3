"""Fuzzing every importer: real files of each registered format, mutated (cut, spliced,
repeated, sprinkled with hostile text or bytes, re-encoded), go through the importer's
own path (the file on disk, sniffing, decoding, the reader). Each is read or refused with
a ``FormatError``; nothing else may escape, and a refused import leaves the library as it
was. The number of examples is bounded for CI (``REFMAN_FUZZ_EXAMPLES``, default 40 per
test); ``tests/fuzz/fuzz_importers.py`` runs the same inputs under atheris for longer."""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import refman.formats  # noqa: F401  (registers the formats)
from refman.app import open_library
from refman.formats.base import FormatError, formats
from refman.services.reading import open_records
from tests.conftest import ROOT, SEEDS
from tests.library_state import library_checksum

EXAMPLES = int(os.environ.get("REFMAN_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAMPLE_CHARS = 12_000
"""Samples are cut to this length: mutations of a short file find the same bugs faster."""

SAMPLE_FILES = [
    *sorted(SEEDS.glob("*.txt")),
    *sorted((ROOT / "tests" / "data" / "corpus").rglob("*.*")),
    *sorted((ROOT / "tests" / "data" / "golden").rglob("*.bib")),
    *sorted((ROOT / "tests" / "data" / "golden").rglob("*.ris")),
    *sorted((ROOT / "tests" / "data" / "crossref").glob("*.json")),
]


@cache
def samples() -> dict[str, list[str]]:
    """Real files by the format the registry detects them as (the readable ones)."""
    found: dict[str, list[str]] = {}
    for path in SAMPLE_FILES:
        if path.suffix == ".md":
            continue
        try:
            opened = open_records(path)
            list(opened.records)
        except FormatError:
            continue
        text = path.read_bytes().decode(_codec(path), errors="replace")[:SAMPLE_CHARS]
        found.setdefault(opened.format.name, []).append(text)
    return found


def _codec(path: Path) -> str:
    head = path.read_bytes()[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


SHARED_READERS = {"biblatex": "bibtex"}
"""Formats an import never detects on their own: BibLaTeX files are read by the BibTeX
reader (one reader, two names for the provenance)."""


def test_every_registered_format_has_files_to_mutate() -> None:
    registered = {fmt.name for fmt in formats()}
    assert set(samples()) == registered - set(SHARED_READERS)
    assert set(SHARED_READERS.values()) <= set(samples())


HOSTILE = [
    "{", "}", "{{{{{{{{", "}}}}", '"', "\\", "@", "@article{", "@string{x = ", "#", ",", "=",
    "\n", "\r\n", "\r", "\n\n", "\t", "\x00", "\x1b", "\x7f", "\ufeff", "\u202e", "\ud7ff",
    "TY  - ", "ER  - ", "AU  - ", "  - ", "[", "]", "{\"type\": ", "null", "1e999", "-0",
    "<", ">", "<img src=\"http://127.0.0.1:1/x\">", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "&a;",
    "arXiv:", "arXiv:2106.16128v9", "Created: 9999-99-99", "Created: 2021-02-29",
    "preprint2023arXiv", "\\'{e}", "\\url{", "$$", "%", "~", "é", "中文", "😀", " " * 300,
]  # fmt: skip


def _mutate(text: str, draw: st.DrawFn) -> str:
    """One random edit of ``text``."""
    size = len(text)
    at = draw(st.integers(0, size))
    end = draw(st.integers(at, min(size, at + 400)))
    kind = draw(st.sampled_from(["cut", "delete", "repeat", "insert", "replace", "lines"]))
    if kind == "cut":
        return text[:at]
    if kind == "delete":
        return text[:at] + text[end:]
    if kind == "repeat":
        return text[:end] + text[at:end] * draw(st.integers(1, 30)) + text[end:]
    if kind == "lines":
        lines = text.splitlines(keepends=True)
        return "".join(draw(st.permutations(lines))) if len(lines) < 200 else text[::-1]
    piece = draw(
        st.one_of(
            st.sampled_from(HOSTILE).map(lambda s: s * draw(st.integers(1, 200))),
            st.text(max_size=60),
        )
    )
    if kind == "insert":
        return text[:at] + piece + text[at:]
    return text[:at] + piece + text[end:]


@st.composite
def mutated_files(draw: st.DrawFn, name: str | None = None) -> tuple[str, bytes]:
    """(format name, file content): a real file of that format, edited 1-6 times, then
    encoded (sometimes not as UTF-8, sometimes with raw bytes spliced in)."""
    chosen = name or draw(st.sampled_from(sorted(samples())))
    text = draw(st.sampled_from(samples()[chosen]))
    for _ in range(draw(st.integers(1, 6))):
        text = _mutate(text, draw)
    codec = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "cp1252", "latin-1", "utf-8-sig"]))
    data = text.encode(codec, errors="replace")
    if draw(st.booleans()) and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return chosen, data


def _extension(name: str) -> str:
    return next(fmt.extensions[0] for fmt in formats() if fmt.name == name)


def _read(path: Path) -> FormatError | None:
    """Read ``path`` as an import does; the ``FormatError`` refusing it, if any (nothing
    else may escape)."""
    try:
        for _ref in open_records(path).records:
            pass
    except FormatError as exc:
        refusal = exc
    else:
        return None
    assert str(refusal).startswith(str(path))  # names the file (and the line, if known)
    return refusal


@pytest.mark.parametrize("name", sorted(samples()))
@FUZZ
@given(data=st.data())
def test_mutated_files_are_read_or_refused(name: str, data: st.DataObject) -> None:
    fmt, content = data.draw(mutated_files(name))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{_extension(fmt)}"
        path.write_bytes(content)
        _read(path)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".txt", ".bib", ".ris", ".json"]))
def test_random_bytes_are_read_or_refused(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        _read(path)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
@given(case=mutated_files())
def test_a_refused_import_leaves_the_library_unchanged(case: tuple[str, bytes]) -> None:
    fmt, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{_extension(fmt)}"
        path.write_bytes(data)
        library_path = Path(folder) / "library.sqlite"
        lib = open_library(str(library_path))
        try:
            lib.import_files([SEEDS / "003_0d5942242b4dab14.txt"])
            before = library_checksum(library_path)
            refusal = None
            try:
                lib.import_files([path])
            except FormatError as exc:
                refusal = exc
            if refusal is not None:
                assert str(refusal).startswith(str(path))
                assert library_checksum(library_path) == before
        finally:
            lib.close()
