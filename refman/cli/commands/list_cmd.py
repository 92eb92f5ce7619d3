"""``refman list``: the references, optionally filtered by tags."""

from __future__ import annotations

import argparse
import json

from refman.cli.json_output import reference_object
from refman.services.library import Library

NAME = "list"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(NAME, help="list references", description="List references.")
    p.add_argument(
        "--tag", action="append", default=[], metavar="T", help="only references tagged T (all)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON array")


def command(args: argparse.Namespace, library: Library) -> int:
    """Print one line per reference, or a JSON array."""
    refs = library.references(args.tag)
    if args.json:
        print(json.dumps([reference_object(r) for r in refs], ensure_ascii=False, indent=1))
        return 0
    for ref in refs:
        year = ref.year or "----"
        marker = "~" if ref.title_provisional else " "
        print(f"{ref.id:>6} {ref.citekey:<28} {year} {marker}{ref.title}")
    return 0
