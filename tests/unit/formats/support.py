"""Helpers shared by the format tests: the seed files and line splitting."""

from __future__ import annotations

from pathlib import Path

from refman.domain import Reference
from refman.formats import arxiv_listing, researcher_profile
from refman.formats.base import detect
from refman.formats.text_decoding import decode

SEEDS = Path(__file__).parents[3] / "seeds"
SOURCE = "test.txt"


def seed_path(prefix: str) -> Path:
    """The seed file whose name starts with ``prefix`` ("000" ... "004")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    """A seed file decoded as the importer decodes it."""
    path = seed_path(prefix)
    return decode(path.read_bytes(), str(path))


def lines(text: str) -> list[str]:
    """``text`` split after each "\\n", as the importer hands lines to a reader."""
    parts = text.split("\n")
    result = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        result.append(parts[-1])
    return result


def read_seed(prefix: str) -> list[Reference]:
    """The references of a seed file, through format detection like the importer."""
    path = seed_path(prefix)
    text = seed_text(prefix)
    fmt = detect(text[:65536], str(path))
    return list(fmt.read(lines(text), str(path)))


def listing(text: str, source: str = SOURCE) -> list[Reference]:
    """Read ``text`` as an arXiv listing."""
    return list(arxiv_listing.read(lines(text), source))


def profile(text: str, source: str = SOURCE) -> list[Reference]:
    """Read ``text`` as a researcher profile page."""
    return list(researcher_profile.read(lines(text), source))
