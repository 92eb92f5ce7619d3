"""``refman collection add|list|put|take|rename|delete``: folders of references (nested,
by path "Thesis/Chapter 2") and saved searches."""

from __future__ import annotations

import argparse
import json

from refman.domain import Collection
from refman.services.library import Library

NAME = "collection"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command and its actions."""
    p = subparsers.add_parser(NAME, help="folders of references and saved searches",
                              description=__doc__)  # fmt: skip
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a folder or (with --query) a saved search")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--parent", metavar="PATH", help="inside this folder")
    add.add_argument("--query", metavar="QUERY", help="a saved search running QUERY")
    listing = actions.add_parser("list", help="every collection")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    put = actions.add_parser("put", help="put references into a folder")
    put.add_argument("collection", metavar="PATH")
    put.add_argument("refs", nargs="+", metavar="REF")
    take = actions.add_parser("take", help="take references out of a folder")
    take.add_argument("collection", metavar="PATH")
    take.add_argument("refs", nargs="+", metavar="REF")
    rename = actions.add_parser("rename", help="rename a collection")
    rename.add_argument("collection", metavar="PATH")
    rename.add_argument("name", metavar="NAME")
    delete = actions.add_parser("delete", help="delete a collection (its references stay)")
    delete.add_argument("collection", metavar="PATH")


def _paths(collections: list[Collection]) -> dict[int | None, str]:
    by_id = {c.id: c for c in collections}

    def path(c: Collection) -> str:
        parent = by_id.get(c.parent_id)
        return c.name if parent is None else f"{path(parent)}/{c.name}"

    return {c.id: path(c) for c in collections}


def command(args: argparse.Namespace, library: Library) -> int:
    """Run the chosen action."""
    if args.action == "add":
        made = library.create_collection(args.name, args.parent, args.query)
        kind = "saved search" if made.is_saved_search else "folder"
        print(f"{kind} {_paths(library.collections())[made.id]!r} created")
    elif args.action == "put":
        changed = library.add_to_collection(args.collection, library.resolve(args.refs))
        print(f"put {changed.count} reference(s) into {args.collection!r}")
    elif args.action == "take":
        changed = library.remove_from_collection(args.collection, library.resolve(args.refs))
        print(f"took {changed.count} reference(s) out of {args.collection!r}")
    elif args.action == "rename":
        library.rename_collection(args.collection, args.name)
        print(f"{args.collection!r} renamed to {args.name!r}")
    elif args.action == "delete":
        library.delete_collection(args.collection)
        print(f"{args.collection!r} deleted")
    else:
        collections = library.collections()
        paths = _paths(collections)
        if args.json:
            rows = [
                {"id": c.id, "path": paths[c.id], "query": c.query, "count": c.count}
                for c in collections
            ]
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        for c in sorted(collections, key=lambda c: paths[c.id].casefold()):
            what = f"search: {c.query}" if c.query is not None else f"{c.count} reference(s)"
            print(f"{c.id:>4} {paths[c.id]:<40} {what}")
    return 0
