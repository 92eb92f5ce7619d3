"""``refman merge``: merge duplicate references into one (the others go to the Trash)."""

from __future__ import annotations

import argparse
import json

from refman.cli.commands.duplicates_cmd import confidence
from refman.cli.json_output import reference_object
from refman.services.duplicates import CHOOSABLE_FIELDS
from refman.services.errors import UserError
from refman.services.library import Library

NAME = "merge"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="merge duplicate references into one",
        description="Merge references into a master: its empty fields are filled from the "
        "others, tags, notes, attachments and provenance are united, and the others go to "
        "the Trash. With --min-confidence instead of REFs, merge every cluster 'refman "
        "duplicates' finds at that confidence or above.",
    )
    p.add_argument("refs", nargs="*", metavar="REF", help="id, citation key or arXiv id")
    p.add_argument(
        "--master", metavar="REF", help="the reference to keep (default: the most complete)"
    )
    p.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="FIELD=REF",
        help="take FIELD (title, authors, year, doi ...) from REF (repeatable)",
    )
    p.add_argument(
        "--min-confidence",
        type=confidence,
        metavar="X",
        help="merge every cluster of duplicates at least this sure",
    )
    p.add_argument("--json", action="store_true", help="print the masters as JSON")


def command(args: argparse.Namespace, library: Library) -> int:
    """Merge, then report each master and what went into it."""
    if args.min_confidence is not None:
        if args.refs or args.master or args.use:
            raise UserError("merge: --min-confidence takes no REFs, --master or --use")
        _changed, records = library.merge_clusters(args.min_confidence)
    else:
        if len(args.refs) < 2:
            raise UserError("merge: give at least two references (or --min-confidence X)")
        ids = library.resolve(args.refs)
        master = library.resolve([args.master])[0] if args.master else None
        choices = {}
        for item in args.use:
            name, _, ref = item.partition("=")
            if name not in CHOOSABLE_FIELDS or not ref:
                fields = ", ".join(sorted(CHOOSABLE_FIELDS))
                raise UserError(f"merge --use {item!r}: expected FIELD=REF, FIELD one of {fields}")
            choices[name] = library.resolve([ref])[0]
        _changed, record = library.merge(ids, master, choices)
        records = [record]
    masters = {r.id: r for r in library.load([r.master for r in records])}
    if args.json:
        out = [
            {"master": reference_object(masters[r.master]), "merged": list(r.merged)}
            for r in records
        ]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for record in records:
        master_ref = masters[record.master]
        merged = ", ".join(str(i) for i in record.merged)
        print(f"merged {merged} into {master_ref.id} {master_ref.citekey}: {master_ref.title}")
    total = sum(len(r.merged) for r in records)
    print(f"{total} reference(s) merged into {len(records)}; the merged ones are in the Trash")
    return 0
