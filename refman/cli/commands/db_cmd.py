"""``refman db check|backup|backups|restore|copy``: the library's database itself.

``check``, ``backup``, ``backups`` and ``restore`` work on an SQLite file without opening
it as a library (no migration, no session), so they also work on a damaged one; ``copy``
moves a whole library between databases (SQLite to PostgreSQL and back). Each action is
an ``Action``: a name, its help, a function adding its arguments and one running it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from refman.app import library_health
from refman.services.backups import DEFAULT_KEEP, KEEP_ENV, Backup, BackupError, Backups
from refman.services.errors import UserError
from refman.services.health import LibraryHealth
from refman.services.library_copy import copy_between

NAME = "db"

_SQLITE_ONLY = {
    "check": "PostgreSQL checks its own storage (see its amcheck extension)",
    "backup": "back up a PostgreSQL library with pg_dump (pg_dump -Fc -f refman.dump DBNAME) "
    "and restore it with pg_restore",
    "backups": "a PostgreSQL library is backed up with pg_dump",
    "restore": "restore a PostgreSQL library with pg_restore",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One ``refman db`` sub-command."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``db`` and its actions."""
    p = subparsers.add_parser(
        NAME, help="check, back up or restore the library file", description=__doc__
    )
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    for action in ACTIONS:
        sub = actions.add_parser(action.name, help=action.help, description=action.help)
        action.arguments(sub)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action (``main`` calls this instead of opening the library)."""
    action = next(a for a in ACTIONS if a.name == args.db_action)
    return action.run(args)


def _health(args: argparse.Namespace) -> LibraryHealth:
    """The SQLite library's health; a PostgreSQL library is a clear error."""
    health = library_health(args.db)
    if health is None:
        raise UserError(
            f"refman db {args.db_action} works on SQLite libraries; "
            f"{_SQLITE_ONLY.get(args.db_action, 'this library is not one')}"
        )
    if not health.path.exists():
        raise UserError(f"no library at {health.path}")
    return health


def _json_flag(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help="print JSON")


# --- check --------------------------------------------------------------------------
def _check_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--quick",
        action="store_true",
        help="PRAGMA quick_check (about half the time) instead of the full integrity_check",
    )
    _json_flag(sub)


def _check(args: argparse.Namespace) -> int:
    health = _health(args)
    report = health.check(full=not args.quick)
    if args.json:
        print(
            json.dumps(
                {
                    "library": str(report.path),
                    "ok": report.ok,
                    "full": report.full,
                    "problems": list(report.problems),
                    "seconds": round(report.seconds, 3),
                },
                indent=1,
            )
        )
    else:
        print(report.describe())
        for problem in report.problems:
            print(f"  {problem}")
    if report.ok:
        return 0
    newest = health.backups.newest_good()
    advice = (
        f"the newest good backup is of {newest.created.astimezone():%Y-%m-%d %H:%M} "
        f"({newest.counts()}): `refman db restore` puts it back"
        if newest is not None
        else "no good backup was found: copy the file somewhere safe before repairing it"
    )
    print(f"refman: the library is damaged; refman will not write to it; {advice}", file=sys.stderr)
    return 1


# --- backup -------------------------------------------------------------------------
def _keep(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("give a whole number, 1 or more")
    return int(text)


def _backup_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--keep",
        type=_keep,
        metavar="N",
        help=f"keep the N newest backups (default: ${KEEP_ENV}, else {DEFAULT_KEEP})",
    )
    _json_flag(sub)


def _backup(args: argparse.Namespace) -> int:
    health = _health(args)
    backups = health.backups
    if args.keep is not None:
        backups = Backups(health.path, keep=args.keep)
    made = backups.create("manual")
    if args.json:
        print(json.dumps(_backup_object(made), indent=1))
    else:
        print(f"backed up to {made.path}: {made.counts()}, checked")
    return 0


def _backup_object(backup: Backup) -> dict[str, object]:
    held = backup.contents
    return {
        "path": str(backup.path),
        "created": backup.created.isoformat(),
        "reason": backup.reason,
        "size": backup.size,
        "references": None if held is None else held.references,
        "trashed": None if held is None else held.trashed,
        "notes": None if held is None else held.notes,
    }


# --- backups ------------------------------------------------------------------------
def _backups(args: argparse.Namespace) -> int:
    health = _health(args)
    found = health.backups.available()
    if args.json:
        print(json.dumps([_backup_object(b) for b in found], indent=1))
        return 0
    if not found:
        print(f"no backups yet in {health.backups.folder}")
        return 0
    print(f"backups of {health.path} in {health.backups.folder}, newest first:")
    for number, backup in enumerate(found, start=1):
        print(f"{number:>3}  {backup.describe()}")
    return 0


# --- restore ------------------------------------------------------------------------
def _restore_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "backup",
        nargs="?",
        metavar="BACKUP",
        help="a number from `refman db backups` (1 = newest), a backup's file name or a "
        "path (default: the newest backup that passes its check)",
    )
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _restore(args: argparse.Namespace) -> int:
    health = _health(args)
    others = health.other_sessions()
    if others:
        raise UserError(
            f"the library is open in another refman process (pid {', '.join(map(str, others))}): "
            "close it first; nothing was changed"
        )
    backups = health.backups
    if args.backup is None:
        chosen = backups.newest_good()
        if chosen is None:
            raise BackupError(f"no good backup in {backups.folder}; nothing was changed")
    else:
        chosen = backups.find(args.backup)
    if not args.yes and not _confirm(
        f"Replace {health.path} with the backup of "
        f"{chosen.created.astimezone():%Y-%m-%d %H:%M} ({chosen.counts()})? "
        "The library as it is now is kept as a backup first. [y/N] "
    ):
        print("nothing was changed")
        return 1
    saved = backups.restore(chosen)
    print(f"restored {health.path} from {chosen.path} ({chosen.counts()})")
    if saved is not None:
        print(f"the library as it was is kept in {saved.path}")
    else:
        print(f"the damaged library was copied to {backups.folder} as it was")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UserError("refman db restore asks for confirmation: add --yes to run it unattended")
    return input(question).strip().lower() in {"y", "yes"}


# --- copy ---------------------------------------------------------------------------
def _copy_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("source", metavar="SRC_URL", help="the library to copy (a URL or a file)")
    sub.add_argument(
        "target",
        metavar="DST_URL",
        help="an empty library to copy into, created when missing "
        "(e.g. postgresql+psycopg://user@host/db or a .sqlite file)",
    )
    _json_flag(sub)


def _copy(args: argparse.Namespace) -> int:
    report = copy_between(args.source, args.target)
    if args.json:
        print(json.dumps(report.counts, indent=2))
    else:
        rows = ", ".join(f"{count:,} {table}" for table, count in report.counts.items() if count)
        print(
            f"copied {report.references:,} references into {args.target} ({rows}); "
            "every table's row count verified"
        )
    return 0


ACTIONS: tuple[Action, ...] = (
    Action(
        "check",
        "check the library file's integrity (SQLite's integrity_check)",
        _check_arguments,
        _check,
    ),
    Action("backup", "back up the library now (and keep the newest N)", _backup_arguments, _backup),
    Action("backups", "list the library's backups, newest first", _json_flag, _backups),
    Action(
        "restore",
        "replace the library with a backup (the current one is backed up first)",
        _restore_arguments,
        _restore,
    ),
    Action(
        "copy",
        "copy a whole library into an empty one: SQLite to PostgreSQL and back",
        _copy_arguments,
        _copy,
    ),
)
"""The ``refman db`` actions, in the order ``--help`` lists them."""
