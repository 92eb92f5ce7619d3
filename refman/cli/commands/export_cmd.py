"""``refman export``: references as BibTeX, BibLaTeX, RIS, CSL-JSON or a formatted
bibliography, to a file (written atomically) or standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refman.domain.query import ReferenceQuery
from refman.formats.base import WriteOptions
from refman.services.citing import STYLES
from refman.services.exporting import DEFAULT_STYLE, ExportRequest, export_kinds, render_chunks
from refman.services.library import Library

NAME = "export"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="export references (BibTeX, RIS, CSL-JSON, formatted bibliography)",
        description="Export references: all of them, those carrying every --tag, or the "
        "--ref ones in the order given. Without -o the text goes to standard output.",
    )
    p.add_argument("--format", required=True, choices=list(export_kinds()), dest="kind")
    p.add_argument(
        "--style",
        default=DEFAULT_STYLE,
        help=f"CSL style for text, html and markdown (default {DEFAULT_STYLE}): "
        + ", ".join(STYLES),
    )
    p.add_argument("--tag", action="append", default=[], metavar="T", help="references tagged T")
    p.add_argument("--ref", action="append", default=[], metavar="REF", help="this reference")
    p.add_argument("--collection", metavar="PATH", help="references of this folder or saved search")
    p.add_argument("--notes", action="store_true", help="include notes (RIS N1, BibTeX annote)")
    p.add_argument("--no-abstracts", action="store_true", help="leave abstracts out")
    p.add_argument(
        "--lossless",
        action="store_true",
        help="also write refman's own fields, for a round trip into another library",
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write FILE atomically")


def command(args: argparse.Namespace, library: Library) -> int:
    """Export and say what was written (on standard error when writing to a file)."""
    options = WriteOptions(
        notes=args.notes, abstracts=not args.no_abstracts, lossless=args.lossless
    )
    request = ExportRequest(args.kind, style=args.style, options=options)
    if args.ref:
        ids = list(dict.fromkeys(library.resolve(args.ref)))
    else:
        query = ReferenceQuery(tags=tuple(args.tag))
        if args.collection:
            query = library.collection_query(args.collection, query)
        ids = library.query_ids(query)
    if args.output is None:
        for chunk in render_chunks(library.store.references(ids), request):
            sys.stdout.write(chunk)
        return 0
    result = library.export(ids, request, args.output)
    print(result.summary(), file=sys.stderr)
    return 0
