"""``refman list``: the references, optionally filtered by tags."""

from __future__ import annotations

import argparse

from refman.cli.json_output import print_references
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
    print_references(refs, as_json=args.json)
    return 0
