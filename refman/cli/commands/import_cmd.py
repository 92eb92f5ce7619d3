"""``refman import PATH...``: import files into the library in one transaction."""

from __future__ import annotations

import argparse
from pathlib import Path

from refman.services.library import Library

NAME = "import"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="import bibliography files (arXiv listings, profile pages, ...)",
        description="Import files in one transaction: on any error nothing is imported.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files to import")
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="import only when the library holds no references yet (first run)",
    )


def command(args: argparse.Namespace, library: Library) -> int:
    """Import and print the added / merged / unchanged counts."""
    if args.if_empty and library.count() > 0:
        print("library not empty; nothing imported")
        return 0
    result = library.import_files(args.paths)
    print(result.summary())
    return 0
