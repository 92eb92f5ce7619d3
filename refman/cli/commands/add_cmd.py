"""``refman add ID...``: new references from arXiv ids, DOIs or links to either.

Each is read from arXiv or Crossref. One the library already has (by arXiv id or DOI,
Trash included) is named and left as it is. Every lookup is done before anything is
written: offline, or with a service down, the command prints one line and exits 1 with
the library unchanged; an identifier nobody knows is reported and makes the status 1."""

from __future__ import annotations

import argparse
import sys

from refman.services import lookup
from refman.services.library import Library

NAME = "add"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="add references by arXiv id or DOI (looked up online)",
        description="Add references by arXiv id (2106.16128, arXiv:hep-th/9901001v2), DOI "
        "(10.1109/CVPR.2016.90) or a link to either (arxiv.org/abs/..., doi.org/...), with "
        "their metadata from arXiv or Crossref. One the library already has is not added "
        "again.",
    )
    p.add_argument("identifiers", nargs="+", metavar="ID", help="arXiv id, DOI or link")


def command(args: argparse.Namespace, library: Library) -> int:
    """Look up and add; say what happened to each identifier."""
    with lookup.open_client(library.lookup_settings()) as client:
        _changed, outcomes = library.add_by_identifier(args.identifiers, client)
    citekeys = {
        r.id: r.citekey for r in library.load([o.reference_id for o in outcomes if o.reference_id])
    }
    status = 0
    for outcome in outcomes:
        if outcome.error:
            print(f"refman: {outcome.text}: {outcome.error}", file=sys.stderr)
            status = 1
            continue
        ref_id = outcome.reference_id
        key = citekeys.get(ref_id, "")
        if outcome.created:
            print(f"added {ref_id} {key}: {outcome.title}")
        else:
            where = " (in the Trash)" if outcome.trashed else ""
            print(f"{outcome.text}: already in the library as {ref_id} {key}{where}")
    return status
