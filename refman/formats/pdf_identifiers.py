"""What a PDF says about itself: arXiv id, DOI and title, from its text and metadata (pure).

The GUI extracts the text of a PDF's first pages and its metadata (QtPdf); this module
reads identifiers out of them, so that a PDF dropped onto the window becomes a reference.

- arXiv ids need their prefix (``arXiv:2106.16128v2``, ``arxiv.org/abs/...``,
  ``arXiv 2106.16128``): a bare ``2106.16128`` may be any number. New-style ids
  (``YYMM.NNNN``, ``YYMM.NNNNN`` since 2015) and old-style ones (``hep-th/9901001``) are
  found; the month must be a month. The stamp arXiv prints in the margin of its PDFs
  (``arXiv:2106.16128v2 [cs.CV] 30 Jun 2021``) wins over any other id on the page.
- DOIs (``10.NNNN/suffix``): one in the metadata, else one introduced as a DOI
  (``doi:``, ``DOI``, ``doi.org/``) in the text, else the first on the first page. An
  arXiv DOI (``10.48550/arXiv.2106.16128``) gives the arXiv id.
- The metadata title, unless it is a file name or a word processor's placeholder
  ("Microsoft Word - draft.docx", "untitled").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from refman.domain.text import split_arxiv_version

_PREFIX = r"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/|arxiv\s+(?=\d{4}\.))"
_NEW_ID = r"(?P<new>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})"
_OLD_ID = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3})"
_ARXIV = re.compile(
    _PREFIX + r"(?:" + _NEW_ID + "|" + _OLD_ID + r")(?:v(?P<version>\d{1,3}))?(?![\d])",
    re.IGNORECASE,
)
_STAMP = re.compile(r"\s*\[[a-z\-]+(?:\.[A-Za-z\-]+)?\]\s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)")
_DOI_INTRO = re.compile(r"(?:\bdoi\s*[:.]?\s*|doi\.org/)$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_TRAILING = ".,;:)]}'\""
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint) - .*|untitled.*|no title|title|document\d*|"
    r"slide \d+|.*\.(?:pdf|docx?|tex|dvi|ps|odt|rtf|pptx?|indd))$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PdfClues:
    """Identifiers and a title found in a PDF (empty strings when not found)."""

    arxiv_id: str = ""
    arxiv_version: int | None = None
    doi: str = ""
    title: str = ""

    @property
    def year(self) -> int | None:
        """The year a new- or old-style arXiv id was given (None without one)."""
        if not self.arxiv_id:
            return None
        digits = self.arxiv_id.rsplit("/", 1)[-1][:2]
        if not digits.isdigit():
            return None
        yy = int(digits)
        return (1900 if yy >= 91 else 2000) + yy


def find_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """The arXiv id (and version) ``text`` gives: arXiv's margin stamp if present, else
    the first prefixed id; None without one."""
    first = None
    for match in _ARXIV.finditer(text):
        identifier = match["new"] or _old_style(match["old"])
        found = (identifier, int(match["version"]) if match["version"] else None)
        if _STAMP.match(text, match.end()):
            return found
        if first is None:
            first = found
    return first


def _old_style(identifier: str) -> str:
    archive, _slash, number = identifier.partition("/")
    head, dot, subject = archive.partition(".")
    return f"{head.lower()}{dot}{subject.upper()}/{number}"


def find_doi(text: str) -> str | None:
    """The DOI ``text`` introduces as one (``doi:``, ``DOI``, ``doi.org/``), else the
    first DOI in it; None without one. Trailing punctuation is not part of it."""
    first = None
    for match in _DOI.finditer(text):
        doi = _clean_doi(match[1])
        if not doi:
            continue
        if _DOI_INTRO.search(text, max(0, match.start() - 12), match.start()):
            return doi
        if first is None:
            first = doi
    return first


def _clean_doi(doi: str) -> str:
    doi = doi.rstrip(_TRAILING)
    while doi.endswith(")") and doi.count("(") < doi.count(")"):
        doi = doi[:-1]
    return doi if "/" in doi and len(doi.split("/", 1)[1]) >= 2 else ""


def usable_title(title: str) -> str:
    """``title`` tidied, or "" when it is no title: empty, a file name, a placeholder."""
    title = " ".join(title.split())
    if len(title) < 4 or _PLACEHOLDER_TITLE.match(title) or not re.search(r"[^\W\d_]", title):
        return ""
    return title


def title_from_file_name(stem: str) -> str:
    """A readable title from a file name: ``attention_is-all_you_need`` -> "attention is
    all you need" ("" when nothing is left)."""
    return " ".join(re.sub(r"[_\-.+]+", " ", stem).split())


def find_clues(pages: Sequence[str], metadata: Mapping[str, str]) -> PdfClues:
    """What the text of a PDF's first ``pages`` and its ``metadata`` (``title``,
    ``subject``, ``keywords`` ...) say it is."""
    meta_text = "\n".join(v for k, v in metadata.items() if k != "title" and v)
    arxiv = None
    doi = None
    for text in (meta_text, *pages):
        arxiv = arxiv or find_arxiv_id(text)
        doi = doi or find_doi(text)
        if arxiv and doi:
            break
    arxiv_id, version = arxiv or ("", None)
    if doi and not arxiv_id:
        match = _ARXIV_DOI.match(doi)
        if match:
            arxiv_id, version = split_arxiv_version(match[1])
            doi = None
    return PdfClues(arxiv_id, version, doi or "", usable_title(metadata.get("title", "")))
