"""``refman show REF``: one reference in full."""

from __future__ import annotations

import argparse
import json

from refman.cli.json_output import reference_object
from refman.services.library import Library

NAME = "show"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME, help="show one reference", description="Show one reference in full."
    )
    p.add_argument("ref", metavar="REF", help="id, citation key or arXiv id")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def command(args: argparse.Namespace, library: Library) -> int:
    """Print the reference's fields."""
    obj = reference_object(library.get(args.ref), details=True)
    if args.json:
        print(json.dumps(obj, ensure_ascii=False, indent=1))
        return 0
    for key, value in obj.items():
        if key == "provenance":
            for p in value:
                print(f"{'source':>14}: {p['source']}:{p['line']} ({p['format']})")
        elif key == "attachments":
            for a in value:
                how = "url" if a["kind"] != "file" else "copy" if a["copied"] else "link"
                state = " (missing)" if a["missing"] else ""
                print(f"{'attachment':>14}: {a['location']} [{how}]{state}")
        elif value not in (None, "", []):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            print(f"{key:>14}: {shown}")
    return 0
