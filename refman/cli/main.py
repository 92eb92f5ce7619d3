"""Entry point: ``refman`` opens the app; ``refman SUBCOMMAND`` is the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from refman import __version__
from refman.app import open_library
from refman.cli.commands import (
    auto_export_cmd,
    collection_cmd,
    duplicates_cmd,
    export_cmd,
    import_cmd,
    keys_cmd,
    list_cmd,
    merge_cmd,
    note_cmd,
    search_cmd,
    show_cmd,
    tag_cmd,
)
from refman.services.errors import USER_ERRORS
from refman.services.library import Library

COMMANDS: tuple[ModuleType, ...] = (
    import_cmd,
    list_cmd,
    search_cmd,
    show_cmd,
    tag_cmd,
    note_cmd,
    export_cmd,
    keys_cmd,
    auto_export_cmd,
    collection_cmd,
    duplicates_cmd,
    merge_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``refman`` and every sub-command."""
    parser = argparse.ArgumentParser(
        prog="refman",
        description="refman: a reference manager. Without a command it opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="library: an SQLite file path, sqlite:///PATH or postgresql+psycopg://... "
        "(default: $REFMAN_DB, else the library in the user data folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``refman``; returns the exit status (0 ok, 1 user error, 2 usage error)."""
    args = build_parser().parse_args(argv)
    try:
        library = open_library(args.db)
        try:
            if args.command is None:
                return _open_app(library)
            module = next(m for m in COMMANDS if args.command == m.NAME)
            status: int = module.command(args, library)
            if library.store.commits and module is not auto_export_cmd:
                _update_auto_exports(library)
            return status
        finally:
            library.store.close()
    except USER_ERRORS as exc:
        print(f"refman: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head, less, ...
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("refman: interrupted; nothing was changed by the unfinished command", file=sys.stderr)
        return 130


def _update_auto_exports(library: Library) -> None:
    """After a command changed the library, rewrite the auto-exported files it affects
    (those whose text changed); a failure is reported but the change stands."""
    for outcome in library.run_auto_exports():
        if outcome.error:
            print(f"refman: auto-export: {outcome.error}", file=sys.stderr)


def _open_app(library: Library) -> int:
    """Open the desktop window (Qt is imported only now, so the command line never loads
    it)."""
    from refman.gui.app import run  # noqa: PLC0415 (keep Qt out of command-line runs)

    return run(library, sys.argv[:1])


if __name__ == "__main__":
    sys.exit(main())
