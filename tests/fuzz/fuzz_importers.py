"""Atheris (libFuzzer) harness for every importer, for longer runs than the test suite's
hypothesis examples (``tests/unit/formats/test_fuzz_importers.py``).

Each input is a file given to the importer's own reading path: written to disk, sniffed
(formats are recognised by content, not by extension), decoded, parsed. It must be read
or refused with a ``FormatError`` naming the file; any other exception is a crash
(atheris saves the input as ``crash-*``).

    pip install -e '.[fuzz]'         # atheris: an optional extra, not in `make test`
    python tests/fuzz/fuzz_importers.py -max_total_time=180 -rss_limit_mb=2048

Without corpus folders it starts from the project's sample files (seeds, test corpus).
The file is not named ``test_*``: pytest never collects it."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import refman.formats  # noqa: F401  (registers the formats)
    from refman.formats.base import FormatError
    from refman.services.reading import open_records

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_BYTES = 12_000
_FOLDER = tempfile.mkdtemp(
    prefix="refman-fuzz-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
)
_INPUT = Path(_FOLDER) / "input"
"""Where each input is written (in memory where /dev/shm exists)."""


def fuzz_one_input(data: bytes) -> None:
    """One fuzz input: the bytes of a file to import."""
    _INPUT.write_bytes(data)
    try:
        for _ref in open_records(_INPUT).records:
            pass
    except FormatError as exc:
        if not str(exc).startswith(str(_INPUT)):
            raise AssertionError(f"a refusal that does not name the file: {exc}") from exc


def _seed_corpus() -> Path:
    """A corpus folder holding the project's sample files (cut short)."""
    corpus = Path(tempfile.mkdtemp(prefix="refman-fuzz-corpus-"))
    sources = [
        *sorted((ROOT / "seeds").glob("*.txt")),
        *sorted((ROOT / "tests" / "data" / "corpus").rglob("*.*")),
        *sorted((ROOT / "tests" / "data" / "crossref").glob("*.json")),
    ]
    for number, source in enumerate(sources):
        (corpus / f"sample-{number}").write_bytes(source.read_bytes()[:SAMPLE_BYTES])
    return corpus


def main() -> None:
    """Run libFuzzer with the project's samples as the starting corpus unless folders
    are given."""
    argv = list(sys.argv)
    if not [a for a in argv[1:] if not a.startswith("-")]:
        argv.append(str(_seed_corpus()))
    atheris.Setup(argv, fuzz_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
