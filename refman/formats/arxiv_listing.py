"""arXiv listings: abstracts with comments, each closed by an ``arXiv:<id>`` line.

Two layouts are read, and may even be mixed in one file:

Blank-line form (seeds 000, 001, 003)::

    <abstract paragraph>
                                    (blank line)
    <comment paragraph>             (zero or more: "Accepted by CVPR2021", "9 pages")
                                    (blank line)
    arXiv:<id>[ - <journal reference>]
    Created: YYYY-MM-DD             (optional)

Compact form (seed 004): an abstract line, zero or more comment lines, then the
``arXiv:<id>[ - <journal reference>]`` line, whose text runs straight on into the next
record's abstract with no line break (``arXiv:2202.07190Network sparsity ...``).

Rules (each is a decision, tested in ``tests/unit/formats/test_arxiv_listing.py``):

* An identifier line starts (after indentation) with ``arXiv:`` followed by a new-style
  (``2106.16128``; four digits after the dot before 2015, five after) or old-style
  (``hep-th/9901001``, ``math.GT/0309136``) identifier with an optional ``vN`` suffix,
  and then the end of the line, `` - <journal reference>`` or glued text. An ``arXiv:``
  id followed by a space and ordinary words ("arXiv:1911.10862 is the companion paper")
  or by punctuation ("arXiv:1911.10862."), or an id inside a line ("... overlap with
  arXiv:1911.10862"), is text (a comment), never a record.
* The text between two records is the record: in the blank-line form (the text holds a
  blank line) the first paragraph is the abstract (lines joined with spaces) and every
  other non-blank line a comment; in the compact form the first line is the abstract and
  every later line a comment. Comments are joined with "\\n".
* A ``Created:`` line belongs to the identifier line directly above it (blank lines may
  separate them); anywhere else it is an error, as is a malformed date.
* A journal reference on an identifier line that is followed by a non-blank line other
  than ``Created:`` (the compact form) ends where the glued abstract starts: at the first
  capital that starts a word straight after a digit or closing bracket (``... (T-PAMI)
  2021In this paper``), else at a letter straight after a year. Without such a point the
  whole rest is the journal reference, unless it is longer than 250 characters: that is
  refused rather than guessed. In the blank-line form the rest of the line is taken whole.
* Parse errors (:class:`FormatError` with the line): no identifier line at all; an
  identifier line with no abstract above it; text after the last identifier line;
  a malformed identifier (``arXiv:2113.00001``, ``arXiv:2106.1612``); a misplaced
  ``Created:`` line or a malformed date.

The reader streams: it takes lines and yields each reference when it is complete, holding
only the current record in memory.

Each record becomes a :class:`Reference` of type "preprint" - or "article" /
"inproceedings" when a journal reference names a journal / conference - with the arXiv
id without version, ``arxiv_version``, DOI ``10.48550/arXiv.<id>``, URL
``https://arxiv.org/abs/<id>``, the date from ``Created:`` and the year from that date
or, without one, from the identifier (``2106`` is 2021, ``hep-th/99..`` 1999). Venue, page
and figure counts, code URL and a provisional title come from :mod:`.enrichment`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from refman.domain import Provenance, Reference
from refman.domain.identifiers import ArxivId, parse_arxiv_id
from refman.domain.identifiers import arxiv_id_at as _id_at
from refman.formats.base import Format, FormatError, register
from refman.formats.enrichment import code_url, find_venue, page_and_figure_counts
from refman.formats.enrichment import provisional_title as _provisional_title

__all__ = ["FORMAT", "NAME", "ArxivId", "parse_arxiv_id", "read", "sniff"]

NAME = "arxiv-listing"

_OLD_ARCHIVE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/")
_CREATED = re.compile(r"Created:[ \t]*([0-9]{4})-([0-9][0-9])-([0-9][0-9])")
_GLUE = re.compile(r"(?<=[0-9)\]])(?=[A-Z][a-z]|[AI][ \t,])")
"""A glued abstract after a journal reference: a capitalised word right after a digit or
a closing bracket ("... (T-PAMI) 2021In this paper")."""
_GLUE_AFTER_YEAR = re.compile(r"(?<=(?:19|20)[0-9][0-9])(?=[A-Za-z$\\\"'(])")
"""Failing that: any letter right after a year ("... 2021we present")."""
_SNIFF = re.compile(
    r"^[ \t]*[Aa][Rr][Xx][Ii][Vv]:[ \t]*(?:[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/"
    r"[0-9]{7})(?![0-9])(?:v[0-9]+(?![0-9]))?(?:[ \t]*$|[ \t]+-|\S)",
    re.M,
)
_FOREIGN_START = re.compile(r"\s*(?:@|%|TY  - |Researcher profile[ \t]*(?:\n|$))", re.I)
"""BibTeX, JabRef headers, RIS and profile pages are never listings."""

_MAX_GLUED_JOURNAL = 250


def sniff(head: str) -> bool:
    """Whether ``head`` (the start of a text) looks like a listing: a line of it is an
    identifier line, and it does not open like BibTeX, RIS or a profile page."""
    if _FOREIGN_START.match(head):
        return False
    return _SNIFF.search(head) is not None


@dataclass(slots=True)
class _Pending:
    """The last record read, kept back while a ``Created:`` line may still follow it."""

    reference: Reference
    raw: list[str]
    gap: list[str]  # blank lines seen since (raw text too, if a Created: line follows)

    def finish(self) -> Reference:
        """The record without a ``Created:`` line: its raw text ends at its identifier."""
        self.reference.provenance[0].raw = "".join(self.raw).rstrip()
        return self.reference


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The references in a listing given as lines (ends kept), in file order.

    Each reference is yielded once complete: when the next line shows that no ``Created:``
    line belongs to it. Raises :class:`FormatError` naming the source and the line.
    """
    block: list[str] = []  # the lines of the record being read: abstract and comments
    contents: list[str] = []  # ... stripped
    block_line = 0  # the number of its first line
    has_blank = False  # whether a blank line separates paragraphs in it
    pending: _Pending | None = None
    seen_text = False
    records = 0
    number = 0
    iterator = iter(lines)
    line = next(iterator, None)
    while line is not None:
        following = next(iterator, None)
        number += 1
        content = line.strip()
        if not content:
            if block:
                block.append(line)
                contents.append(content)
                has_blank = True
            elif pending is not None:
                pending.gap.append(line)
            line = following
            continue
        seen_text = True
        first = content[0]
        if first in "aA" and content[:6].lower() == "arxiv:":
            record = _identifier_line(line, content, following, source, number)
            if record is not None:
                records += 1
                arxiv_id, id_text, journal_ref, glued = record
                if pending is not None:
                    yield pending.finish()
                    pending = None
                if not block:
                    raise FormatError(
                        source,
                        number,
                        f"the record arXiv:{arxiv_id.id} has no abstract above its identifier line",
                    )
                abstract, comments = _abstract_and_comments(contents, has_blank)
                block.append(id_text)
                # the raw text is joined when the record is complete (with its Created:
                # line, if one follows)
                reference = _reference(
                    arxiv_id,
                    abstract,
                    comments,
                    journal_ref,
                    Provenance(source, block_line, NAME, ""),
                )
                if glued:
                    reference.provenance[0].raw = "".join(block).rstrip()
                    yield reference
                    block, contents, block_line, has_blank = [glued], [glued.strip()], number, False
                else:
                    pending = _Pending(reference, block, [])
                    block, contents, has_blank = [], [], False
                line = following
                continue
        elif first == "C" and content.startswith("Created:"):
            if pending is None or block:
                raise FormatError(
                    source, number, "a Created: line must directly follow an arXiv:<id> line"
                )
            reference = pending.reference
            reference.date = _created_date(content, source, number)
            reference.year = reference.date.year
            reference.provenance[0].raw = "".join([*pending.raw, *pending.gap, content]).rstrip()
            yield reference
            pending = None
            line = following
            continue
        # a line of abstract or comments
        if pending is not None:
            yield pending.finish()
            pending = None
        if not block:
            block_line = number
        block.append(line)
        contents.append(content)
        line = following
    if pending is not None:
        yield pending.finish()
    if block:
        message = (
            "text after the last record has no arXiv:<id> line below it"
            if records
            else "no arXiv:<id> line found: this is not an arXiv listing"
        )
        raise FormatError(source, block_line, message)
    if not seen_text:
        raise FormatError(source, None, "the listing is empty")


def _identifier_line(
    line: str, content: str, following: str | None, source: str, number: int
) -> tuple[ArxivId, str, str, str] | None:
    """Read an ``arXiv:`` line: the identifier, the raw text that belongs to its record,
    the journal reference and the glued start of the next record ("" when none).

    None when the line is prose that merely starts with an identifier ("arXiv:1911.10862
    is the companion paper").
    """
    position = 6
    while position < len(content) and content[position] in " \t":
        position += 1
    parsed = _id_at(content, position)
    if parsed is None:
        if _looks_like_id(content, position):
            raise FormatError(
                source,
                number,
                f"malformed arXiv identifier {content[position:].split(maxsplit=1)[0]!r}",
            )
        return None
    arxiv_id, end = parsed
    rest = content[end:]
    if not rest:
        return arxiv_id, line, "", ""
    if rest[0] in ".,;:)]}":
        return None  # "arXiv:1911.10862." or "(arXiv:1911.10862)": a mention in prose
    if rest[0] not in " \t":
        return arxiv_id, content[:end], "", _glued(rest, line, source, number)
    stripped = rest.lstrip(" \t")
    if stripped[0] != "-":
        return None
    journal = stripped[1:].strip()
    compact = (
        following is not None
        and bool(following.strip())
        and not following.lstrip().startswith("Created:")
    )
    if not compact:
        return arxiv_id, line, journal, ""
    glue = _glue_offset(journal)
    if glue is None:
        if len(journal) > _MAX_GLUED_JOURNAL:
            raise FormatError(
                source,
                number,
                f"cannot tell where the journal reference after arXiv:{arxiv_id.id} ends "
                "and the next abstract begins",
            )
        return arxiv_id, line, journal, ""
    cut = len(content) - len(journal) + glue
    glued = _glued(content[cut:], line, source, number)
    return arxiv_id, content[:cut], journal[:glue].rstrip(), glued


def _glued(text: str, line: str, source: str, number: int) -> str:
    """The next record's first line, glued onto an identifier line, with the line end."""
    head = text.lstrip()
    if head[:6].lower() == "arxiv:" or head.startswith("Created:"):
        raise FormatError(
            source, number, "an arXiv:<id> line runs into another identifier or Created: line"
        )
    return text + line[len(line.rstrip("\r\n")) :]


def _looks_like_id(text: str, pos: int) -> bool:
    """Whether a failed identifier at ``pos`` was meant as one (a digit or archive/)."""
    return pos < len(text) and (text[pos].isdigit() or bool(_OLD_ARCHIVE.match(text, pos)))


def _glue_offset(journal_text: str) -> int | None:
    """Where an abstract glued onto a compact-form journal reference starts, if anywhere."""
    match = _GLUE.search(journal_text) or _GLUE_AFTER_YEAR.search(journal_text)
    return match.start() if match is not None else None


def _abstract_and_comments(contents: list[str], has_blank: bool) -> tuple[str, str]:
    """Split a record's (stripped) lines: in the blank-line form (a blank line anywhere in
    the record, even just above its identifier) the first paragraph is the abstract; in
    the compact form the first line is. Every other non-blank line is a comment."""
    end = len(contents)
    while end and not contents[end - 1]:
        end -= 1
    if not has_blank:
        return contents[0], "\n".join(contents[1:end])
    blank = contents.index("", 0, end) if "" in contents[:end] else end
    comments = "\n".join(content for content in contents[blank + 1 : end] if content)
    return " ".join(contents[:blank]), comments


def _created_date(content: str, source: str, number: int) -> dt.date:
    # The usual "Created: YYYY-MM-DD" is read without the regular expression.
    digits = content[9:13] + content[14:16] + content[17:]
    if (
        len(content) == 19
        and content[8] == " "
        and content[13] == "-"
        and content[16] == "-"
        and digits.isascii()
        and digits.isdigit()
    ):
        try:
            return dt.date(int(content[9:13]), int(content[14:16]), int(content[17:]))
        except ValueError:
            pass
    match = _CREATED.fullmatch(content)
    if match is not None:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise FormatError(
        source, number, f"malformed Created: line {content!r} (expected Created: YYYY-MM-DD)"
    )


def _reference(
    arxiv_id: ArxivId, abstract: str, comments: str, journal_ref: str, provenance: Provenance
) -> Reference:
    identifier = arxiv_id.id
    venue = find_venue(comments, journal_ref)
    entry_type = "preprint"
    if journal_ref:
        conference = venue is not None and venue.kind == "conference"
        entry_type = "inproceedings" if conference else "article"
    pages, figures = page_and_figure_counts(comments)
    return Reference(
        entry_type=entry_type,
        title=_provisional_title(abstract, f"arXiv:{identifier}"),
        title_provisional=True,
        abstract=abstract,
        year=arxiv_id.year,
        venue=venue.display if venue is not None else "",
        journal_ref=journal_ref,
        arxiv_id=identifier,
        arxiv_version=arxiv_id.version,
        doi=f"10.48550/arXiv.{identifier}",
        url=f"https://arxiv.org/abs/{identifier}",
        code_url=code_url(comments, abstract),
        comments=comments,
        page_count=pages,
        figure_count=figures,
        provenance=[provenance],
    )


FORMAT = register(
    Format(name=NAME, label="arXiv listing", extensions=(".txt",), sniff=sniff, read=read)
)
