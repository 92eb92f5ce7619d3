"""``refman duplicates``: references that look like one paper, in clusters; ``--not``
remembers that references are not duplicates."""

from __future__ import annotations

import argparse
import json

from refman.cli.json_output import reference_object
from refman.services.errors import UserError
from refman.services.library import Library

NAME = "duplicates"


def confidence(text: str) -> float:
    """An argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="find duplicate references (or mark some as not duplicates)",
        description="List clusters of references that look like one paper: the same arXiv "
        "id or DOI, a matching title of the same work, or (for a provisional title) the "
        "same abstract. Merge them with 'refman merge'.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array of clusters")
    p.add_argument(
        "--min-confidence",
        type=confidence,
        default=0.0,
        metavar="X",
        help="only clusters at least this sure (0 to 1)",
    )
    p.add_argument(
        "--not",
        dest="not_duplicates",
        nargs="+",
        metavar="REF",
        help="remember that these references are not duplicates of each other",
    )


def command(args: argparse.Namespace, library: Library) -> int:
    """Print the clusters, or remember a false positive."""
    if args.not_duplicates is not None:
        if len(args.not_duplicates) < 2:
            raise UserError("duplicates --not: give at least two references")
        ids = library.resolve(args.not_duplicates)
        changed = library.mark_not_duplicates(ids)
        count = len(set(ids))
        print(f"remembered: these {count} are not duplicates ({changed.count} new pair(s))")
        return 0
    clusters = library.duplicates(args.min_confidence)
    refs = {r.id: r for r in library.load([i for c in clusters for i in c.ids])}
    if args.json:
        out = [
            {
                "reason": c.reason,
                "reasons": list(c.reasons),
                "confidence": c.confidence,
                "references": [reference_object(refs[i]) for i in c.ids],
            }
            for c in clusters
        ]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    if not clusters:
        print("no duplicates found")
        return 0
    for n, cluster in enumerate(clusters, 1):
        print(f"[{n}] {cluster.reason}, confidence {cluster.confidence:.2f}")
        for ref_id in cluster.ids:
            ref = refs[ref_id]
            marker = "~" if ref.title_provisional else " "
            print(f"  {ref.id:>6} {ref.citekey:<28} {ref.year or '----'} {marker}{ref.title}")
    print(f"{len(clusters)} cluster(s); merge one with: refman merge REF REF...")
    return 0
