"""``refman tag add|remove|list|rename``: tagging from the command line."""

from __future__ import annotations

import argparse
import json

from refman.services.library import Library

NAME = "tag"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command and its actions."""
    p = subparsers.add_parser(NAME, help="add, remove, list or rename tags", description=__doc__)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="tag references", description="Tag references.")
    add.add_argument("tag", metavar="TAG")
    add.add_argument("refs", nargs="+", metavar="REF", help="id, citation key or arXiv id")
    remove = actions.add_parser("remove", help="untag references", description="Untag references.")
    remove.add_argument("tag", metavar="TAG")
    remove.add_argument("refs", nargs="+", metavar="REF", help="id, citation key or arXiv id")
    listing = actions.add_parser("list", help="tags with counts", description="List tags.")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    rename = actions.add_parser(
        "rename",
        help="rename a tag (onto an existing tag: merge)",
        description="Rename a tag; renaming onto an existing tag merges the two.",
    )
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")


def command(args: argparse.Namespace, library: Library) -> int:
    """Run the chosen action."""
    if args.action == "add":
        changed = library.add_tags([args.tag], library.resolve(args.refs))
        print(f"tagged {changed.count} reference(s) with {args.tag!r}")
    elif args.action == "remove":
        changed = library.remove_tag(args.tag, library.resolve(args.refs))
        print(f"removed {args.tag!r} from {changed.count} reference(s)")
    elif args.action == "rename":
        changed = library.rename_tag(args.old, args.new)
        verb = "merged into" if changed.count else "renamed to"
        print(f"{args.old!r} {verb} {args.new!r}")
    else:
        tags = library.tags()
        if args.json:
            rows = [{"name": t.name, "count": t.count, "colour": t.colour} for t in tags]
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for t in tags:
                print(f"{t.count:>7}  {t.name}")
    return 0
