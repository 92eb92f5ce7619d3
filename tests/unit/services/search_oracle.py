"""What a query should match, computed in Python from loaded references: an independent
statement of the query language's semantics for the search tests to compare SQL with."""

from __future__ import annotations

import datetime as dt
import re

from refman.domain import Reference
from refman.domain.search_query import (
    AddedWithin,
    AllOf,
    AnyOf,
    Has,
    IdentifierIs,
    Node,
    Not,
    StatusIs,
    TagIs,
    Term,
    TypeIs,
    YearIn,
)
from refman.domain.text import fold, split_arxiv_version

_TOKEN = re.compile(r"[^\W_]+")  # FTS5 unicode61: letters and digits, no underscore


def tokens(text: str) -> list[str]:
    """The words the index holds for ``text`` (folded)."""
    return _TOKEN.findall(fold(text))


def _in_tokens(term: Term, words: list[str]) -> bool:
    wanted = term.words
    if not term.phrase:
        return any(w.startswith(wanted[0]) for w in words)
    n = len(wanted)
    return any(tuple(words[i : i + n]) == wanted for i in range(len(words) - n + 1))


def _starts_a_word(term: Term, text: str, separators: str) -> bool:
    """SQL LIKE's notion (tags and notes): the term's text at the start or after one of
    ``separators``, ignoring ASCII case."""
    pattern = rf"(^|[{re.escape(separators)}]){re.escape(term.text)}"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _columns(ref: Reference) -> dict[str, list[str]]:
    authors = " ".join(f"{p.given} {p.family}" for p in ref.authors)
    return {
        "title": tokens(ref.title),
        "authors": tokens(authors),
        "abstract": tokens(ref.abstract),
        "venue": tokens(ref.venue),
    }


def matches(ref: Reference, node: Node, now: dt.datetime) -> bool:
    """Whether ``ref`` (loaded with tags, notes and attachments) matches ``node``."""
    if isinstance(node, AllOf):
        return all(matches(ref, n, now) for n in node.nodes)
    if isinstance(node, AnyOf):
        return any(matches(ref, n, now) for n in node.nodes)
    if isinstance(node, Not):
        return not matches(ref, node.node, now)
    if isinstance(node, Term):
        columns = _columns(ref)
        if node.field in columns:
            return _in_tokens(node, columns[node.field])
        in_notes = any(_starts_a_word(node, n.text, " -\n") for n in ref.notes)
        if node.field == "notes":
            return in_notes
        in_tags = any(_starts_a_word(node, " ".join(t.split()).casefold(), " -") for t in ref.tags)
        return in_tags or in_notes or any(_in_tokens(node, w) for w in columns.values())
    if isinstance(node, TagIs):
        return any(fold(" ".join(t.split())) == fold(node.name) for t in ref.tags)
    if isinstance(node, YearIn):
        if ref.year is None:
            return False
        return (node.start is None or ref.year >= node.start) and (
            node.end is None or ref.year <= node.end
        )
    if isinstance(node, TypeIs):
        return ref.entry_type.lower() == node.name
    if isinstance(node, Has):
        return {
            "note": bool(ref.notes),
            "pdf": any(a.is_pdf for a in ref.attachments),
            "attachment": bool(ref.attachments),
            "code": bool(ref.code_url),
            "doi": bool(ref.doi),
            "arxiv": bool(ref.arxiv_id),
            "abstract": bool(ref.abstract),
            "tag": bool(ref.tags),
        }[node.what]
    if isinstance(node, AddedWithin):
        return ref.added is not None and ref.added >= now - node.span
    if isinstance(node, StatusIs):
        return ref.reading_status == node.status
    assert isinstance(node, IdentifierIs)
    if node.kind == "arxiv":
        return ref.arxiv_id.startswith(split_arxiv_version(node.value)[0])
    return ref.doi.lower().startswith(node.value.lower())
