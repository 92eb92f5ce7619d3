"""The quick-search language: the search field's text parsed into a query tree (pure).

Grammar (``refman search``, the window's search field and ``ReferenceQuery.text``)::

    distillation graph      every word must match (prefix: "distil" finds "distillation"),
                            in the title, authors, abstract, venue, a tag or a note,
                            ignoring case and accents
    "self distillation"     an exact phrase: whole words, in this order
    -survey  NOT survey     exclusion (also of a phrase, a filter or a group)
    pruning OR quantization either; OR binds tighter than the implicit AND:
                            ``a b OR c`` is ``a (b OR c)``; AND is accepted and ignored
    (a b) OR c              grouping
    title:distillation      a word (or ``title:"a phrase"``) in one field: ``title:``,
                            ``author:``, ``abstract:``, ``venue:``, ``note:``
    tag:reading             carries this tag (its whole name, ``tag:"to read"``)
    year:2021  year:2019..2021  year:..2020  year:2019..
    type:preprint           entry type
    has:note has:pdf has:code has:attachment has:doi has:arxiv has:abstract has:tag
    added:7d                added within 24h, 7d, 2w, 3m (30 days), 1y (365 days)
    status:reading          reading status: unread, reading or read
    arxiv:2106.16128  doi:10.1109/   identifier (prefix)

Field names ignore case and take plural forms (``authors:``, ``tags:``, ``notes:``);
operators are upper case only (``or`` is a word). A ``name:value`` whose name is no field
is plain text (``re:birth`` searches "re" and "birth": titles and URLs carry colons)
unless the name is a near miss of a field (``autor:``, ``yaer:``, ``auth:``), which is an
error naming the field meant. Malformed filters (``year:20x1``, ``has:nothing``), an
unbalanced quote or parenthesis, and a dangling ``OR`` raise :class:`QuerySyntaxError`
with the 0-based position of the offending text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from refman.domain.text import fold

TEXT_FIELDS: dict[str, str] = {
    "title": "title",
    "author": "authors",
    "authors": "authors",
    "abstract": "abstract",
    "venue": "venue",
    "note": "notes",
    "notes": "notes",
}
"""Field names of text filters -> the canonical field of a :class:`Term`."""

HAS_VALUES: dict[str, str] = {
    "note": "note",
    "notes": "note",
    "pdf": "pdf",
    "code": "code",
    "attachment": "attachment",
    "attachments": "attachment",
    "file": "attachment",
    "files": "attachment",
    "doi": "doi",
    "arxiv": "arxiv",
    "abstract": "abstract",
    "tag": "tag",
    "tags": "tag",
}
"""``has:`` values -> the canonical one."""

ADDED_UNITS: dict[str, dt.timedelta] = {
    "h": dt.timedelta(hours=1),
    "d": dt.timedelta(days=1),
    "w": dt.timedelta(weeks=1),
    "m": dt.timedelta(days=30),
    "y": dt.timedelta(days=365),
}
"""``added:`` units: hours, days, weeks, months (30 days), years (365 days)."""

STATUS_VALUES: dict[str, str] = {
    "unread": "unread",
    "reading": "reading",
    "read": "read",
}
"""``status:`` values -> the reading status (``refman.domain.model.READING_STATUSES``)."""

_FILTERS = frozenset({"tag", "tags", "year", "type", "has", "added", "arxiv", "doi", "status"})
FIELD_NAMES = frozenset(TEXT_FIELDS) | _FILTERS
"""Every name allowed before a colon."""

_WORD = re.compile(r"\w+")
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_YEAR = re.compile(r"(\d{4})?(\.\.)?(\d{4})?")
_ADDED = re.compile(r"(\d{1,6})([a-z])")
_MAX_ADDED = dt.timedelta(days=365 * 1000)


class QuerySyntaxError(ValueError):
    """A malformed query; ``position`` is the 0-based offset of the offending text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    @property
    def column(self) -> int:
        """The 1-based column of the offending text (for messages)."""
        return self.position + 1

    def __str__(self) -> str:
        return f"{self.message} (at column {self.column})"


# --- the tree -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    """Text to find: one word (a prefix) or, with ``phrase``, whole words in order.

    ``text`` is folded (lower case, no accents), its words separated by single spaces.
    ``field`` is None (anywhere: title, authors, abstract, venue, tags, notes) or one of
    ``title``, ``authors``, ``abstract``, ``venue``, ``notes``."""

    text: str
    field: str | None = None
    phrase: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        """The words of the term."""
        return tuple(self.text.split())


@dataclass(frozen=True, slots=True)
class TagIs:
    """Carries the tag ``name`` (compared folded, whole name)."""

    name: str


@dataclass(frozen=True, slots=True)
class YearIn:
    """Year within ``start..end`` (inclusive; None is open)."""

    start: int | None
    end: int | None


@dataclass(frozen=True, slots=True)
class TypeIs:
    """Entry type ``name`` (lower case)."""

    name: str


@dataclass(frozen=True, slots=True)
class Has:
    """Has something: one of the values of ``HAS_VALUES`` (canonical)."""

    what: str


@dataclass(frozen=True, slots=True)
class AddedWithin:
    """Added within the last ``amount`` ``unit`` (a key of ``ADDED_UNITS``)."""

    amount: int
    unit: str

    @property
    def span(self) -> dt.timedelta:
        """How far back from now."""
        return self.amount * ADDED_UNITS[self.unit]


@dataclass(frozen=True, slots=True)
class StatusIs:
    """Reading status ``status`` (one of the values of ``STATUS_VALUES``)."""

    status: str


@dataclass(frozen=True, slots=True)
class IdentifierIs:
    """An identifier starting with ``value``: ``kind`` is ``arxiv`` or ``doi``."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Not:
    """Everything ``node`` does not match."""

    node: Node


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Any of ``nodes`` (OR)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """All of ``nodes`` (the implicit AND); empty: everything."""

    nodes: tuple[Node, ...] = ()


Filter = TagIs | YearIn | TypeIs | Has | AddedWithin | IdentifierIs | StatusIs
Node = Term | Filter | Not | AnyOf | AllOf


# --- parsing --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "field", "(", ")", "-", "OR", "AND", "NOT"
    text: str
    position: int
    name: str = ""  # a field's name (lower case)
    value_position: int = 0
    quoted: bool = False  # a field's value was quoted


def _near_miss(name: str) -> str | None:
    """The field ``name`` probably meant (a typo or an abbreviation), or None."""
    if len(name) < 3:
        return None
    for known in sorted(FIELD_NAMES):
        if known.startswith(name) or osa_distance(name, known) <= (1 if len(known) <= 4 else 2):
            return known
    return None


def osa_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap neighbours) turning ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _tokens(text: str) -> list[_Token]:
    """The tokens of ``text``: words, phrases, fields, parentheses and operators."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char == '"':
            end = _closing_quote(text, i)
            tokens.append(_Token("phrase", text[i + 1 : end], i))
            i = end + 1
        elif char == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            tokens.append(_Token("-", char, i))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            i = _bare_token(text, start, i, tokens)
    return tokens


def _closing_quote(text: str, quote: int) -> int:
    end = text.find('"', quote + 1)
    if end < 0:
        raise QuerySyntaxError("unbalanced quote", quote)
    return end


def _bare_token(text: str, start: int, end: int, tokens: list[_Token]) -> int:
    """Add the token of ``text[start:end]`` (a word, a field or an operator) to
    ``tokens``; returns where the next token starts (after a field's quoted value)."""
    word = text[start:end]
    if word in ("OR", "AND", "NOT"):
        tokens.append(_Token(word, word, start))
        return end
    match = _FIELD.fullmatch(word)
    if match is not None:
        name = match[1].lower()
        if name in FIELD_NAMES:
            value, at = match[2], start + len(match[1]) + 1
            if not value and end < len(text) and text[end] == '"':
                closing = _closing_quote(text, end)
                value, at = text[end + 1 : closing], end + 1
                tokens.append(_Token("field", value, start, name, at, quoted=True))
                return closing + 1
            if not value:
                raise QuerySyntaxError(f"{name}: needs a value right after the colon", start)
            tokens.append(_Token("field", value, start, name, at))
            return end
        meant = _near_miss(name)
        if meant is not None:
            raise QuerySyntaxError(f"unknown field {name}: (did you mean {meant}:?)", start)
    if _WORD.search(fold(word)):
        tokens.append(_Token("word", word, start))
    return end


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def sequence(self, closing: _Token | None) -> Node:
        """Terms up to the end (or a closing parenthesis), all of which must match."""
        nodes: list[Node] = []
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind == "AND":
                self.take()
                following = self.peek()
                if not nodes or following is None or following.kind in (")", "OR", "AND"):
                    raise QuerySyntaxError("AND needs a term on each side", token.position)
                continue
            nodes.append(self.either())
        if token is not None and closing is None:
            raise QuerySyntaxError("unbalanced parenthesis: nothing to close", token.position)
        return _all_of(nodes)

    def either(self) -> Node:
        """Terms joined by OR."""
        first = self.peek()
        assert first is not None
        if first.kind == "OR":
            raise QuerySyntaxError("OR needs a term before it", first.position)
        nodes = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise QuerySyntaxError("OR needs a term after it", token.position)
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else AnyOf(tuple(nodes))

    def unary(self) -> Node:
        token = self.take()
        if token.kind in ("-", "NOT"):
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise QuerySyntaxError(f"{token.text} needs a term after it", token.position)
            return Not(self.unary())
        if token.kind == "(":
            inner = self.sequence(token)
            closing = self.peek()
            if closing is None:
                raise QuerySyntaxError("unbalanced parenthesis: not closed", token.position)
            self.take()
            return inner
        if token.kind == "phrase":
            return _term(token.text, None, phrase=True)
        if token.kind == "field":
            return _field(token)
        if token.kind == "word":
            return _all_of([Term(w) for w in _WORD.findall(fold(token.text))])
        raise QuerySyntaxError(f"unexpected {token.text}", token.position)


def _term(text: str, field: str | None, *, phrase: bool) -> Node:
    words = _WORD.findall(fold(text))
    if phrase:
        return Term(" ".join(words), field, phrase=True) if words else AllOf()
    return _all_of([Term(w, field) for w in words])


def _all_of(nodes: list[Node]) -> Node:
    """Nodes that must all match, nested AllOfs flattened, empty ones dropped."""
    flat: list[Node] = []
    for node in nodes:
        if isinstance(node, AllOf):
            flat.extend(node.nodes)
        else:
            flat.append(node)
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def _field(token: _Token) -> Node:
    name, value, at = token.name, token.text.strip(), token.value_position
    if not value:
        raise QuerySyntaxError(f"{name}: needs a value inside the quotes", at)
    if name in TEXT_FIELDS:
        node = _term(value, TEXT_FIELDS[name], phrase=token.quoted)
        if node == AllOf():
            raise QuerySyntaxError(f"{name}: needs a word", at)
        return node
    if name in ("tag", "tags"):
        return TagIs(" ".join(value.split()))
    if name == "year":
        return _year(value, at)
    if name == "type":
        words = _WORD.findall(fold(value))
        if len(words) != 1:
            raise QuerySyntaxError(f"type: {value!r} is not an entry type (type:preprint)", at)
        return TypeIs(words[0])
    if name == "has":
        what = HAS_VALUES.get(value.lower())
        if what is None:
            choices = ", ".join(sorted(set(HAS_VALUES.values())))
            raise QuerySyntaxError(f"has: {value!r} is not one of {choices}", at)
        return Has(what)
    if name == "added":
        return _added(value, at)
    if name == "status":
        status = STATUS_VALUES.get(value.lower())
        if status is None:
            choices = ", ".join(STATUS_VALUES)
            raise QuerySyntaxError(f"status: {value!r} is not one of {choices}", at)
        return StatusIs(status)
    if name == "arxiv":
        return IdentifierIs("arxiv", value.removeprefix("arXiv:").removeprefix("arxiv:"))
    return IdentifierIs("doi", value.lower())


def _year(value: str, at: int) -> YearIn:
    match = _YEAR.fullmatch(value)
    if match is None or not (match[1] or match[3]) or (match[1] and match[3] and not match[2]):
        raise QuerySyntaxError(
            f"year: {value!r} is not a year (2021) or a range (2019..2021, ..2020, 2019..)", at
        )
    start = int(match[1]) if match[1] else None
    end = int(match[3]) if match[3] else None
    if not match[2]:
        end = start
    if start is not None and end is not None and end < start:
        raise QuerySyntaxError(f"year: the range {value} ends before it starts", at)
    return YearIn(start, end)


def _added(value: str, at: int) -> AddedWithin:
    match = _ADDED.fullmatch(value.lower())
    if match is None or match[2] not in ADDED_UNITS or int(match[1]) == 0:
        raise QuerySyntaxError(f"added: {value!r} is not a time span (24h, 7d, 2w, 3m, 1y)", at)
    node = AddedWithin(int(match[1]), match[2])
    if node.span > _MAX_ADDED:
        raise QuerySyntaxError(f"added: {value} reaches too far back", at)
    return node


def parse_query(text: str) -> Node:
    """The query tree of ``text`` (``AllOf()`` when it has no terms); a malformed query
    raises :class:`QuerySyntaxError`."""
    parser = _Parser(text)
    node = parser.sequence(None)
    return node if isinstance(node, AllOf) else AllOf((node,))


# --- working with trees ---------------------------------------------------------------
def positive_terms(node: Node) -> list[Term]:
    """The terms that make a reference match (those under a ``Not`` excluded), in
    order, without repeats: what ranking scores and typo tolerance expands."""
    found: dict[Term, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            found[n] = None
        elif isinstance(n, AnyOf | AllOf):
            for child in n.nodes:
                walk(child)

    walk(node)
    return list(found)


def replace_terms(node: Node, change: Callable[[Term], Node]) -> Node:
    """``node`` with each term outside a ``Not`` replaced by ``change(term)``."""
    if isinstance(node, Term):
        return change(node)
    if isinstance(node, AllOf):
        return AllOf(tuple(replace_terms(n, change) for n in node.nodes))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(replace_terms(n, change) for n in node.nodes))
    return node


def format_query(node: Node) -> str:
    """Query text that parses back into ``node`` (terms are folded)."""
    return _format(node, top=True)


def _quoted(value: str) -> str:
    return f'"{value}"' if not value or not re.fullmatch(r"[^\s()\"]+", value) else value


def _format(node: Node, *, top: bool = False) -> str:
    if isinstance(node, Term):
        name = {"authors": "author:", "notes": "note:"}.get(node.field or "", "")
        prefix = name or (f"{node.field}:" if node.field else "")
        return f'{prefix}"{node.text}"' if node.phrase else f"{prefix}{node.text}"
    if isinstance(node, TagIs):
        return f"tag:{_quoted(node.name)}"
    if isinstance(node, YearIn):
        if node.start is not None and node.start == node.end:
            return f"year:{node.start}"
        return f"year:{node.start or ''}..{node.end or ''}"
    if isinstance(node, TypeIs):
        return f"type:{node.name}"
    if isinstance(node, Has):
        return f"has:{node.what}"
    if isinstance(node, AddedWithin):
        return f"added:{node.amount}{node.unit}"
    if isinstance(node, StatusIs):
        return f"status:{node.status}"
    if isinstance(node, IdentifierIs):
        return f"{node.kind}:{_quoted(node.value)}"
    if isinstance(node, Not):
        return f"-{_format(node.node)}"
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(_format(n) for n in node.nodes) + ")"
    inner = " ".join(_format(n) for n in node.nodes)
    return inner if top or len(node.nodes) == 1 else f"({inner})"


_TEXT_WORD = re.compile(r"\w+")


def highlight_words(text: str) -> tuple[str, ...]:
    """The folded words a search ``text`` looks for, to highlight in what it found (none
    for a malformed query, or one that only filters)."""
    try:
        node = parse_query(text)
    except QuerySyntaxError:
        return ()
    return tuple(dict.fromkeys(w for term in positive_terms(node) for w in term.words))


def highlight_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where in ``text`` the words start that the search ``words`` match (a word matches
    as a prefix, ignoring case and accents, as the search does): ``(start, end)`` of each
    whole matching word."""
    if not words or not text:
        return []
    spans = []
    for match in _TEXT_WORD.finditer(text):
        folded = fold(match.group())
        if any(folded.startswith(word) for word in words):
            spans.append(match.span())
    return spans
