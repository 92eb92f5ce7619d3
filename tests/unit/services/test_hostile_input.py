"""Hostile or broken input never crashes the import and never changes the library: each
case is refused with a message naming the file (and the line where there is one), and the
library's contents are the same before and after."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from refman.app import open_library
from refman.formats.base import FormatError
from refman.services import atomic, reading
from refman.services.errors import UserError
from refman.services.exporting import ExportRequest
from refman.services.library import Library
from refman.services.reading import MAX_LINE_CHARS, WHOLE_FILE_MAX_BYTES, open_records
from tests.conftest import SEED_FILES
from tests.full_disk import fill, small_filesystem
from tests.library_state import library_checksum

GIB = 1 << 30
LISTING_RECORD = (
    "We study a problem of some interest with a method of some merit.\n\n"
    "arXiv:2301.{n:05d}\nCreated: 2023-01-01\n\n"
)


@pytest.fixture
def lib(library_path: Path) -> Iterator[Library]:
    """A library holding the seeds."""
    library = open_library(str(library_path))
    library.import_files(SEED_FILES)
    yield library
    library.close()


def refused(lib: Library, path: Path, library_path: Path) -> str:
    """Import ``path``: it must be refused (``FormatError``) with the library unchanged;
    returns the message."""
    before = library_checksum(library_path)
    count = lib.count()
    with pytest.raises(FormatError) as info:
        lib.import_files([path])
    assert library_checksum(library_path) == before
    assert lib.count() == count
    message = str(info.value)
    assert message.startswith(str(path))
    return message


MALFORMED = [  # (name, content, what the message says after the file's name)
    ("unclosed.bib", "@article{key,\n  title = {Open {braces},\n  year = 2020\n", ":1: the block"),
    ("no-key.bib", "@string{a = b # }\n@article{k, title = a}\n", ":1: @string a: a value"),
    ("unclosed.ris", "TY  - JOUR\nTI  - A title\nAU  - Doe, J.\n", ":1: the record starting"),
    ("comma.json", '[{"type": "article", "title": "x",]', ":1: invalid JSON: Expecting"),
    ("authors.json", '[{"type": "article", "author": "Doe"}]', ":1: item 1: 'author' must be"),
    ("created.txt", "An abstract.\n\narXiv:2101.00001\nCreated: 2021-02-30\n", ":4: malformed"),
    ("bare-id.txt", "An abstract.\n\narXiv:2101.00001\narXiv:2101.00002\n", ":4: the record arXiv"),
    ("profile.txt", "Researcher profile\n\nnothing else\n", ": the profile page lists no works"),
    ("prose.txt", "Dear colleague,\n\nplease find attached.\n", ": not a recognised bibliography"),
    ("deep.json", '[{"type": "article", "title": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}]",
     ":1: JSON nested too deeply"),
    ("deep-open.bib", "@article{k,\n  title = {" + "{" * 100_000 + "x\n", ":1: the block"),
]  # fmt: skip


@pytest.mark.parametrize("case", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_files_are_refused_naming_file_and_line(
    lib: Library, library_path: Path, tmp_path: Path, case: tuple[str, str, str]
) -> None:
    name, text, expected = case
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = refused(lib, path, library_path)
    assert message.startswith(f"{path}{expected}"), message


def test_deeply_nested_braces_are_read_as_text(lib: Library, tmp_path: Path) -> None:
    path = tmp_path / "nested.bib"
    path.write_text("@article{k,\n title = {" + "{" * 100_000 + "Deep" + "}" * 100_000 + "}}\n")
    result = lib.import_files([path])
    assert result.added == 1
    assert lib.get(result.added_ids[0]).title == "Deep"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
         ":3: the file contains NUL"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n\x00\x01\x02",
         ":6: the file contains NUL"),
        (b"A title\n\xff\xfe\xfa and then text that is no encoding at all \x81\x8d\x8f\n",
         ":2: the file is neither UTF-8 nor windows-1252"),
        (b"", ": the file is empty"),
        (b"   \n\n\t\n", ": the file is empty"),
    ],
)  # fmt: skip
def test_binary_and_undecodable_files_are_refused(
    lib: Library, library_path: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    message = refused(lib, path, library_path)
    assert message.startswith(f"{path}{expected}"), message


def test_invalid_utf8_after_the_sample_names_its_line(
    lib: Library, library_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "long.txt"
    records = "".join(LISTING_RECORD.format(n=n) for n in range(30_000))  # > 1 MiB sample
    path.write_bytes(records.encode() + b"Broken \xc3\x28 text.\n\narXiv:2302.00001\n")
    line = records.count("\n") + 1
    message = refused(lib, path, library_path)
    assert message == f"{path}:{line}: not valid utf-8 text (byte 0xc3)"


def test_paths_that_cannot_be_read(
    lib: Library, library_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no" / "such.bib"
    assert refused(lib, missing, library_path) == f"{missing}: no such file"
    assert refused(lib, tmp_path, library_path) == f"{tmp_path}: is a folder, not a file"
    locked = tmp_path / "locked.bib"
    locked.write_text("@article{k, title={x}}\n")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: the refusal, injected
        real_open = Path.open

        def denied(self: Path, *args: object, **kwargs: object) -> object:
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(Path, "open", denied)
    assert refused(lib, locked, library_path) == f"{locked}: cannot read: Permission denied"


def _sparse(path: Path, head: bytes, size: int = GIB) -> Path:
    """A file of ``size`` bytes: ``head``, then a hole (zeros that take no disk space)."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


def _peak_reading(path: Path) -> tuple[BaseException | None, int]:
    """Read ``path``'s records here; the error raised and the peak of Python memory."""
    tracemalloc.start()
    try:
        try:
            for _ref in open_records(path).records:
                pass
        except FormatError as exc:
            return exc, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gigabyte_of_zeros_is_refused_from_its_first_megabyte(
    lib: Library, library_path: Path, tmp_path: Path
) -> None:
    path = _sparse(tmp_path / "zeros.txt", b"")
    error, peak = _peak_reading(path)
    assert isinstance(error, FormatError)
    assert peak < 16 << 20
    assert refused(lib, path, library_path).startswith(f"{path}:1: the file contains NUL bytes")


def test_a_gigabyte_listing_that_turns_binary_is_streamed_and_refused_at_the_junk(
    lib: Library, library_path: Path, tmp_path: Path
) -> None:
    head = "".join(LISTING_RECORD.format(n=n) for n in range(12_000)).encode()  # 1.2 MB
    path = _sparse(tmp_path / "listing.txt", head)
    error, peak = _peak_reading(path)
    line = head.count(b"\n") + 1
    assert str(error) == (
        f"{path}:{line}: the file contains NUL bytes; it looks binary, not a text file"
    )
    assert peak < 64 << 20  # streamed: never the gigabyte, nor all the records
    assert refused(lib, path, library_path) == str(error)


def test_a_gigabyte_bibtex_file_is_refused_before_reading(
    lib: Library, library_path: Path, tmp_path: Path
) -> None:
    entry = "@article{{key{n},\n  title = {{Title {n}}},\n  year = 2020\n}}\n\n"
    head = "".join(entry.format(n=n) for n in range(40_000)).encode()  # > the 1 MiB sample
    path = _sparse(tmp_path / "huge.bib", head)
    error, peak = _peak_reading(path)
    assert str(error) == (
        f"{path}: 1.1 GB is too large for a BibTeX file, which is read whole (at most "
        f"{WHOLE_FILE_MAX_BYTES / 1e6:.0f} MB): split it, or export it as RIS, which refman "
        "reads in bounded memory"
    )
    assert peak < 16 << 20
    assert refused(lib, path, library_path) == str(error)


def test_a_line_without_end_is_refused_before_it_fills_memory(
    lib: Library, library_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_LINE_CHARS", 4 << 20)  # (the real limit: 32 Mi)
    path = tmp_path / "one-line.txt"
    head = LISTING_RECORD.format(n=1)
    with path.open("w") as out:
        out.write(head)
        out.write("x" * (6 << 20))
    message = refused(lib, path, library_path)
    assert message == (
        f"{path}:{head.count(chr(10)) + 1}: a line longer than 4 million characters: not a "
        "bibliography file (binary or damaged?)"
    )
    assert MAX_LINE_CHARS == 32 << 20


def test_one_bad_file_among_good_ones_imports_none(
    lib: Library, library_path: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(LISTING_RECORD.format(n=7))
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - never closed\n")
    before = library_checksum(library_path)
    with pytest.raises(FormatError, match=r"bad\.ris:1: the record starting here"):
        lib.import_files([good, bad])
    assert library_checksum(library_path) == before


def test_an_export_that_fills_the_disk_leaves_the_old_file(
    lib: Library, library_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [ref.id for ref in lib.references() if ref.id is not None]
    request = ExportRequest("bibtex")
    with small_filesystem(tmp_path / "disk", 512) as disk:
        folder = disk or tmp_path / "disk"
        target = folder / "refs.bib"
        target.write_text("% the previous export\n")
        if disk is not None:
            fill(disk, 16 * 1024)
        else:  # no tmpfs here: the operating system's "disk full", injected

            def full(_fd: int) -> None:
                raise OSError(28, "No space left on device")

            monkeypatch.setattr(atomic.os, "fsync", full)
        before = library_checksum(library_path)
        with pytest.raises(UserError) as info:
            lib.export(ids, request, target)
        assert str(info.value) == f"cannot write {target}: No space left on device"
        assert target.read_text() == "% the previous export\n"
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["refs.bib", *(["filler.bin"] if disk is not None else [])]
        )
        assert library_checksum(library_path) == before
