"""``refman fetch REF... [--yes | --dry-run]``: metadata from arXiv or Crossref.

Each reference is looked up by its arXiv id or DOI; the changes (field: old -> new) are
printed, then written once confirmed (``--yes`` confirms in advance, ``--dry-run`` only
prints). Every lookup is done before anything is written: offline, or with a service
down, the command prints one line and exits 1 with the library unchanged. A reference
that cannot be looked up (no identifier, not found) is reported on stderr and makes
the exit status 1; the others' changes are still written."""

from __future__ import annotations

import argparse
import sys

from refman.services import lookup
from refman.services.errors import UserError
from refman.services.library import Library
from refman.services.metadata import FetchOutcome, FieldChange, updates_for

NAME = "fetch"
_WIDTH = 70


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="fetch metadata from arXiv or Crossref for references",
        description="Look references up by their arXiv id (arXiv API) or DOI (Crossref), "
        "show what would change (titles, authors, venue, date, categories, DOI ...) and "
        "write it once confirmed. Provisional titles are replaced. The contact e-mail "
        "sent with the requests is $REFMAN_CONTACT_EMAIL or the library's setting.",
    )
    p.add_argument("refs", nargs="+", metavar="REF", help="id, citation key or arXiv id")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("-y", "--yes", action="store_true", help="write every change, no question")
    mode.add_argument(
        "-n", "--dry-run", action="store_true", help="only show the changes; write nothing"
    )


def _short(text: str) -> str:
    text = " ".join(text.split()) or "(none)"
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _change_line(change: FieldChange, provisional: bool) -> str:
    old = _short(change.old_text)
    if change.name == "title" and provisional:
        old += " (provisional)"
    return f"    {change.label}: {old}\n      -> {_short(change.new_text)}"


def _print_outcome(outcome: FetchOutcome) -> None:
    where = f" ({outcome.identifier})" if outcome.identifier is not None else ""
    head = f"{outcome.reference_id} {outcome.citekey}{where}"
    if outcome.error:
        print(f"refman: {head}: {outcome.error}", file=sys.stderr)
        return
    if not outcome.changes:
        print(f"{head}: up to date")
        return
    noun = "change" if len(outcome.changes) == 1 else "changes"
    print(f"{head}: {len(outcome.changes)} {noun}")
    for change in outcome.changes:
        print(_change_line(change, outcome.title_provisional))


def _progress(done: int, total: int) -> None:
    if total > 1 and sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\rlooked up {done} of {total}", end=end, file=sys.stderr, flush=True)


def _confirmed(count: int, references: int) -> bool:
    """Ask on a terminal; elsewhere, refuse (``--yes`` is the way to say yes)."""
    if not sys.stdin.isatty():
        raise UserError("nothing written: confirm with --yes (or see with --dry-run)")
    noun = "reference" if references == 1 else "references"
    answer = input(f"Write {count} change(s) to {references} {noun}? [y/N] ")
    return answer.strip().lower() in {"y", "yes"}


def command(args: argparse.Namespace, library: Library) -> int:
    """Look up, show, confirm, write."""
    ids = library.resolve(args.refs)
    with lookup.open_client(library.lookup_settings()) as client:
        outcomes = library.fetch_metadata(ids, client, _progress)
    for outcome in outcomes:
        _print_outcome(outcome)
    status = 1 if any(o.error for o in outcomes) else 0
    forward, _backward = updates_for(outcomes)
    if not forward or args.dry_run:
        return status
    count = sum(len(o.changes) for o in outcomes)
    if not args.yes and not _confirmed(count, len(forward)):
        print("nothing written")
        return status
    changed = library.apply_metadata(forward)
    noun = "reference" if changed.count == 1 else "references"
    print(f"updated {changed.count} {noun}")
    return status
