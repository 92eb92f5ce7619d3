"""``refman note add REF TEXT``: notes from the command line."""

from __future__ import annotations

import argparse

from refman.services.library import Library

NAME = "note"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command and its actions."""
    p = subparsers.add_parser(NAME, help="add notes to references", description=__doc__)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="add a Markdown note", description="Add a Markdown note to a reference."
    )
    add.add_argument("ref", metavar="REF", help="id, citation key or arXiv id")
    add.add_argument("text", metavar="TEXT", help="the note (Markdown)")


def command(args: argparse.Namespace, library: Library) -> int:
    """Run the chosen action."""
    (ref_id,) = library.resolve([args.ref])
    library.add_note(ref_id, args.text)
    print(f"note added to {args.ref}")
    return 0
