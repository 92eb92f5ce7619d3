"""Pure text helpers shared by every layer: normalised keys and arXiv identifiers."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ARXIV_VERSION = re.compile(r"^(?P<id>.+?)v(?P<version>\d+)$")


def fold(text: str) -> str:
    """Lower-case ASCII approximation: accents stripped, ligatures expanded."""
    if text.isascii():
        return text.casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def title_key(title: str) -> str:
    """A title reduced for matching: case, accents, punctuation and spacing ignored."""
    return _NON_ALNUM.sub(" ", fold(title)).strip()


def name_key(family: str, given: str = "") -> str:
    """Key identifying a person: folded family name and full given names."""
    return f"{title_key(family)}|{title_key(given)}"


def split_arxiv_version(identifier: str) -> tuple[str, int | None]:
    """``"2106.16128v2"`` -> ``("2106.16128", 2)``; no suffix -> version None."""
    match = _ARXIV_VERSION.match(identifier.strip())
    if match:
        return match["id"], int(match["version"])
    return identifier.strip(), None


PAPER_TYPES = frozenset(
    "article inproceedings conference preprint misc online unpublished techreport report "
    "electronic www".split()
)
"""Entry types one paper may carry over its life (preprint, report, then article or
proceedings paper, or a catch-all): a title match across them is the same work."""

Work = tuple[int | None, str, str]
"""What a title match must also agree on: ``(year, first author's folded family name,
kind)``, the kind being "paper" for ``PAPER_TYPES`` and the entry type otherwise. An
empty author or kind is unknown and agrees with anything."""


def work_of(year: int | None, first_family: str, entry_type: str) -> Work:
    """The ``Work`` of a record (``first_family`` already folded, "" without authors)."""
    kind = "paper" if entry_type in PAPER_TYPES else entry_type
    return year, first_family, kind
