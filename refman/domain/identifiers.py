"""Identifiers a user pastes or a record carries: arXiv ids and DOIs, bare or as links.

Pure functions, used by the readers (``parse_arxiv_id``, ``arxiv_id_at``), by the online
lookup and by both faces (``parse_identifier``).

arXiv ids: new style ``2106.16128`` (four digits after the dot before 2015, five from
``1501``), old style ``hep-th/9901001`` or ``math.GT/0309136``, each with an optional
``vN`` suffix. :func:`parse_identifier` also takes ``arXiv:`` prefixes, abstract, PDF and
HTML links (``https://arxiv.org/abs/2106.16128v2``, ``arxiv.org/pdf/2106.16128.pdf``),
arXiv's own DOIs (``10.48550/arXiv.2106.16128``: the paper is then read from arXiv), DOIs
(``10.1109/CVPR.2021.00123``, ``doi:10.1109/...``) and DOI links
(``https://doi.org/10.1109/...``, ``dx.doi.org``, percent-encoded or not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

__all__ = [
    "ARXIV",
    "DOI",
    "ArxivId",
    "Identifier",
    "arxiv_doi_id",
    "arxiv_id_at",
    "parse_arxiv_id",
    "parse_identifier",
    "reference_identifier",
]

ARXIV: Literal["arxiv"] = "arxiv"
DOI: Literal["doi"] = "doi"

_NEW_ID = re.compile(r"([0-9][0-9])([0-9][0-9])\.([0-9]{4,5})")
_OLD_ID = re.compile(r"([a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?)/([0-9][0-9])([0-9][0-9])([0-9]{3})")
_VERSION = re.compile(r"v([0-9]{1,4})")
_FIRST_FIVE_DIGIT_MONTH = 1501

_ARXIV_LINK = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/(?P<id>[^?#]+?)"
    r"(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_DOI_LINK = re.compile(
    r"(?:https?://)?(?:dx\.|www\.)?doi\.org/(?P<doi>.+)|doi:\s*(?P<prefixed>.+)", re.IGNORECASE
)
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(?P<id>.+)", re.IGNORECASE)
_TRAILING = ".,;"


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A parsed identifier: ``id`` has no version suffix; ``version`` is None without one;
    ``year`` and ``month`` are those of submission, read from the identifier."""

    id: str
    version: int | None
    year: int
    month: int


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Parse a whole identifier such as ``2106.16128v2``, ``arXiv:hep-th/9901001``."""
    text = text.strip()
    if text[:6].lower() == "arxiv:":
        text = text[6:].strip()
    parsed = arxiv_id_at(text, 0)
    if parsed is None or parsed[1] != len(text):
        return None
    return parsed[0]


def arxiv_id_at(text: str, pos: int) -> tuple[ArxivId, int] | None:
    """The identifier starting at ``pos`` and where it ends, or None when malformed."""
    match = _NEW_ID.match(text, pos)
    if match is not None:
        yy, mm, number = match.groups()
        width = 5 if int(yy + mm) >= _FIRST_FIVE_DIGIT_MONTH else 4
        if len(number) < width:
            return None
        end = match.start(3) + width
        identifier = f"{yy}{mm}.{number[:width]}"
        year = 2000 + int(yy)
    else:
        match = _OLD_ID.match(text, pos)
        if match is None:
            return None
        archive, yy, mm, number = match.groups()
        end = match.end()
        identifier = f"{archive}/{yy}{mm}{number}"
        year = 1900 + int(yy) if int(yy) >= 91 else 2000 + int(yy)
    month = int(mm)
    if not 1 <= month <= 12:
        return None
    version = None
    version_match = _VERSION.match(text, end)
    if version_match is not None:
        version = int(version_match.group(1))
        end = version_match.end()
    return ArxivId(identifier, version, year, month), end


@dataclass(frozen=True, slots=True)
class Identifier:
    """What to look a paper up by: an arXiv id (``value`` without version, ``version``
    the one asked for, if any) or a DOI (``value`` as written, compared ignoring case)."""

    kind: Literal["arxiv", "doi"]
    value: str
    version: int | None = None

    def __str__(self) -> str:
        if self.kind == ARXIV:
            suffix = f"v{self.version}" if self.version else ""
            return f"arXiv:{self.value}{suffix}"
        return f"doi:{self.value}"

    @property
    def key(self) -> str:
        """The value as compared: arXiv ids as they are, DOIs lower-cased."""
        return self.value if self.kind == ARXIV else self.value.lower()


def arxiv_doi_id(doi: str) -> str | None:
    """The arXiv id of one of arXiv's own DOIs (``10.48550/arXiv.2106.16128``), else
    None."""
    match = _ARXIV_DOI.fullmatch(doi.strip())
    if match is None:
        return None
    parsed = parse_arxiv_id(match["id"])
    return parsed.id if parsed is not None else None


def parse_identifier(text: str) -> Identifier | None:
    """The arXiv id or DOI that ``text`` gives (see the module docstring), None when it
    is neither."""
    text = text.strip().strip("<>\"'“”‘’ \t").rstrip(_TRAILING)
    if not text:
        return None
    link = _ARXIV_LINK.fullmatch(text)
    if link is not None:
        return _arxiv(unquote(link["id"]))
    arxiv = _arxiv(text)
    if arxiv is not None:
        return arxiv
    doi_link = _DOI_LINK.fullmatch(text)
    if doi_link is not None:
        text = unquote(doi_link["doi"] or doi_link["prefixed"]).strip()
    if not _DOI.fullmatch(text):
        return None
    arxiv_id = arxiv_doi_id(text)
    if arxiv_id is not None:
        return Identifier(ARXIV, arxiv_id)
    return Identifier(DOI, text)


def _arxiv(text: str) -> Identifier | None:
    parsed = parse_arxiv_id(text)
    if parsed is None:
        return None
    return Identifier(ARXIV, parsed.id, parsed.version)


def reference_identifier(arxiv_id: str, doi: str, url: str = "") -> Identifier | None:
    """What a reference is looked up by: its arXiv id, else its DOI (an arXiv DOI as the
    arXiv id), else an arXiv or DOI link in its URL; None when it has none."""
    if arxiv_id:
        parsed = parse_arxiv_id(arxiv_id)
        if parsed is not None:
            return Identifier(ARXIV, parsed.id)
    for text in (doi, url):
        if text:
            found = parse_identifier(text)
            if found is not None:
                return found
    return None
