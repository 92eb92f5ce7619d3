"""``refman keys regenerate``: new citation keys from a pattern."""

from __future__ import annotations

import argparse

from refman.domain.query import ReferenceQuery
from refman.services.citekeys import DEFAULT_PATTERN, PATTERN_FIELDS
from refman.services.library import Library

NAME = "keys"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(NAME, help="regenerate citation keys", description=__doc__)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    fields = "; ".join(f"{{{name}}}: {what}" for name, what in PATTERN_FIELDS.items())
    regen = actions.add_parser(
        "regenerate",
        help="give references new keys from a pattern",
        description=f"Give references new citation keys. Pattern fields: {fields}.",
    )
    regen.add_argument("refs", nargs="*", metavar="REF", help="these references")
    regen.add_argument("--all", action="store_true", help="every reference")
    regen.add_argument("--pattern", default=DEFAULT_PATTERN, help=f"default {DEFAULT_PATTERN}")


def command(args: argparse.Namespace, library: Library) -> int:
    """Regenerate and report how many keys changed."""
    if not args.refs and not args.all:
        raise SystemExit("refman keys regenerate: name references or use --all")
    ids = library.query_ids(ReferenceQuery()) if args.all else library.resolve(args.refs)
    changed = library.regenerate_citekeys(ids, args.pattern)
    print(f"{changed.count} of {len(ids)} citation key(s) changed")
    return 0
