"""What a face asks the library for: a query over references and the rows it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class SortKey(StrEnum):
    """Orders the reference list can be sorted in (in SQL). ``RELEVANCE`` ranks by the
    search text, best first (``refman search``); without search text it is ``ADDED``."""

    TITLE = "title"
    AUTHORS = "authors"
    YEAR = "year"
    VENUE = "venue"
    ADDED = "added"
    STATUS = "status"
    """Reading status: read, reading, unread (in the order of their names)."""
    RELEVANCE = "relevance"


@dataclass(frozen=True, slots=True)
class ReferenceQuery:
    """Which references to list and in which order.

    ``text`` is the quick search in the language of ``refman.domain.search_query``
    (words prefix-matched in the title, authors, abstract, venue, tags or notes, ignoring
    case and accents; phrases, ``-word``, ``OR``, ``author:``, ``year:`` ... filters;
    a malformed one raises ``QuerySyntaxError`` when queried). ``tags`` must all
    be carried (or any of them with ``any_tag``); ``untagged`` keeps references with no
    tag; ``trashed`` lists the trash instead of the library. ``collection`` keeps the
    references of one folder; ``scope_text`` is a saved search's text, which applies with
    ``text`` (both must match)."""

    text: str = ""
    tags: tuple[str, ...] = ()
    any_tag: bool = False
    untagged: bool = False
    trashed: bool = False
    ids: tuple[int, ...] | None = None
    collection: int | None = None
    scope_text: str = ""
    sort: SortKey = SortKey.ADDED
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListRow:
    """The few fields the reference list shows for one reference."""

    id: int
    title: str
    title_provisional: bool
    authors: str
    year: int | None
    venue: str
    added: dt.datetime
    tags: tuple[tuple[str, str | None], ...]
    reading_status: str = "unread"
