"""``refman search QUERY``: references matching a query, best first."""

from __future__ import annotations

import argparse
import sys

from refman.cli.json_output import print_references
from refman.services.library import Library

NAME = "search"


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="search references, best first",
        description="Search the library, best matches first. Words match word starts "
        'anywhere (title, authors, abstract, venue, tags, notes); "exact phrase", -word, '
        "a OR b, (grouping), title: author: abstract: venue: note: tag: year:2019..2021 "
        "type: has:note|pdf|code|attachment|doi|arxiv|abstract|tag added:7d arxiv: doi:. "
        "A query finding little also searches near misses of its words (typos). "
        "Put -- before a query that starts with '-'.",
    )
    p.add_argument("query", nargs="+", metavar="QUERY", help="the query (its words are joined)")
    p.add_argument("--json", action="store_true", help="print a JSON array (as list --json)")
    p.add_argument("--limit", type=positive, metavar="N", help="at most N references")


def command(args: argparse.Namespace, library: Library) -> int:
    """Print the matches best first, one line each or as a JSON array; a malformed query
    is an error (exit status 1)."""
    result = library.search(" ".join(args.query), limit=args.limit)
    if result.error is not None:
        print(f"refman: query: {result.error}", file=sys.stderr)
        return 1
    if result.expansions:
        widened = "; ".join(f"{w} -> {', '.join(alts)}" for w, alts in result.expansions.items())
        print(f"refman: few exact matches; also searched near misses: {widened}", file=sys.stderr)
    refs = library.store.references(result.ids)
    print_references(refs, as_json=args.json)
    return 0
