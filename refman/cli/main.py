"""Entry point: ``refman [FILE...]`` opens the app; ``refman SUBCOMMAND`` is the command
line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from refman import __version__
from refman.app import library_url, open_library
from refman.cli.commands import (
    add_cmd,
    attach_cmd,
    auto_export_cmd,
    collection_cmd,
    db_cmd,
    duplicates_cmd,
    export_cmd,
    fetch_cmd,
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
    add_cmd,
    fetch_cmd,
    list_cmd,
    search_cmd,
    show_cmd,
    tag_cmd,
    note_cmd,
    attach_cmd,
    export_cmd,
    keys_cmd,
    auto_export_cmd,
    collection_cmd,
    duplicates_cmd,
    merge_cmd,
    db_cmd,
)


USAGE = """refman [-h] [--version] [--db URL] [--smoke-test] [FILE ...]
       refman [--db URL] COMMAND ..."""


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="library: an SQLite file path, sqlite:///PATH or postgresql+psycopg://... "
        "(default: $REFMAN_DB, else the library in the user data folder)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start the app, open the library, paint the window, check the bundled files "
        "and exit (0 if all went well)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``refman`` and every sub-command."""
    parser = argparse.ArgumentParser(
        prog="refman",
        usage=USAGE,
        description="refman: a reference manager. Without a command it opens the window "
        "(the one already open on the library, if any) and offers to import the FILEs.",
    )
    parser.add_argument("--version", action="version", version=f"refman {__version__}")
    _add_window_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.parser(subparsers)
    return parser


def _files_parser() -> argparse.ArgumentParser:
    """``refman [OPTIONS] FILE...``: the window, asked to import files."""
    parser = argparse.ArgumentParser(prog="refman", usage=USAGE)
    _add_window_options(parser)
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to import")
    return parser


def _first_positional(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor ``--db``'s value."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--":
            return arg
        elif arg == "--db":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """``args.command`` (None for the window), the command's options, and ``args.files``:
    the files to open (a first positional argument that is no command must be a file,
    so that a mistyped command is an error rather than a missing file)."""
    first = _first_positional(argv)
    names = {module.NAME for module in COMMANDS}
    if first is None or first in names:
        args = build_parser().parse_args(argv)
        args.files = []
    else:
        if first != "--" and not os.path.exists(first):
            build_parser().error(
                f"argument COMMAND: invalid choice: {first!r} (no such file either; "
                f"choose from {', '.join(sorted(names))})"
            )
        args = _files_parser().parse_args(argv)
        args.command = None
    if args.smoke_test and (args.command is not None or args.files):
        build_parser().error("--smoke-test takes no command and no files")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``refman``; returns the exit status (0 ok, 1 user error, 2 usage error)."""
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        if args.command is None:
            return _open_app(args)
        module = next(m for m in COMMANDS if args.command == m.NAME)
        if hasattr(module, "run"):
            return int(module.run(args))  # works on the library file itself (refman db)
        library = open_library(args.db)
        try:
            status: int = module.command(args, library)
            if library.store.commits and module is not auto_export_cmd:
                _update_auto_exports(library)
            if library.store.commits:
                _back_up(library)
            return status
        finally:
            library.close()
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


def _back_up(library: Library) -> None:
    """After a command that wrote: the backup a large operation (import, merge, tag
    rename) asked for, or the daily one; a failure is reported, the change stands."""
    try:
        library.run_pending_backup() or library.run_daily_backup()
    except USER_ERRORS as exc:
        print(f"refman: backup: {exc}", file=sys.stderr)


def _open_app(args: argparse.Namespace) -> int:
    """Open the desktop window (Qt is imported only now, so the command line never loads
    it), or hand the files to the one already open on the library."""
    from refman.gui.app import launch  # noqa: PLC0415 (keep Qt out of command-line runs)

    files = [Path(os.path.abspath(f)) for f in args.files]
    return launch(
        library_url(args.db),
        open_library,
        files=files,
        smoke_test=args.smoke_test,
        argv=sys.argv[:1],
    )


if __name__ == "__main__":
    sys.exit(main())
