"""``refman auto-export add|list|remove|run``: files kept in sync with the library or a
tag, rewritten after every change."""

from __future__ import annotations

import argparse
import json

from refman.domain import AutoExport
from refman.services.exporting import DEFAULT_STYLE, export_kinds
from refman.services.library import Library

NAME = "auto-export"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command and its actions."""
    p = subparsers.add_parser(
        NAME, help="keep files in sync with the library or a tag", description=__doc__
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="keep FILE up to date", description="Keep FILE up to date."
    )
    add.add_argument("path", metavar="FILE")
    add.add_argument("--format", default="bibtex", choices=list(export_kinds()), dest="kind")
    add.add_argument("--style", default=DEFAULT_STYLE, help="CSL style (text, html, markdown)")
    add.add_argument("--tag", metavar="T", help="only references tagged T (default: all)")
    add.add_argument("--notes", action="store_true", help="include notes")
    listing = actions.add_parser("list", help="the files kept in sync")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    remove = actions.add_parser("remove", help="stop keeping a file in sync (by id)")
    remove.add_argument("id", type=int, metavar="ID")
    actions.add_parser("run", help="bring every file up to date now")


def command(args: argparse.Namespace, library: Library) -> int:
    """Run the chosen action."""
    if args.action == "add":
        export = library.add_auto_export(
            AutoExport(
                path=args.path,
                kind=args.kind,
                tag=args.tag,
                style=args.style if args.kind in ("text", "html", "markdown") else "",
                notes=args.notes,
            )
        )
        scope = f"tag {export.tag!r}" if export.tag else "the whole library"
        print(f"auto-export {export.id}: {export.path} ({export.kind}) follows {scope}")
    elif args.action == "remove":
        library.remove_auto_export(args.id)
        print(f"auto-export {args.id} removed (its file stays)")
    elif args.action == "run":
        failed = 0
        for outcome in library.run_auto_exports():
            if outcome.result is not None:
                print(outcome.result.summary())
            else:
                failed += 1
                print(f"refman: {outcome.error}")
        return 1 if failed else 0
    else:
        exports = library.auto_exports()
        if args.json:
            rows = [
                {
                    "id": e.id,
                    "path": e.path,
                    "format": e.kind,
                    "tag": e.tag,
                    "tag_lost": e.tag_lost,
                    "style": e.style or None,
                    "notes": e.notes,
                    "last_written": e.last_written.isoformat() if e.last_written else None,
                }
                for e in exports
            ]
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        for e in exports:
            scope = "(tag deleted)" if e.tag_lost else (f"tag {e.tag}" if e.tag else "library")
            print(f"{e.id:>4} {e.kind:<9} {scope:<24} {e.path}")
    return 0
