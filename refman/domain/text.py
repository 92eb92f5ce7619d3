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
