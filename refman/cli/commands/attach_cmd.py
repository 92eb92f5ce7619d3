"""``refman attach REF FILE [--link|--copy]``: attach a file (a PDF) to a reference."""

from __future__ import annotations

import argparse
from pathlib import Path

from refman.services.library import Library

NAME = "attach"


def parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the sub-command."""
    p = subparsers.add_parser(
        NAME,
        help="attach a file (e.g. the paper's PDF) to a reference",
        description="Attach a file to a reference: copied into the library's attachment "
        "folder (named after the citation key) or linked where it is, as the library's "
        "preference says unless --copy or --link is given. `refman show REF --json` "
        "lists the attachments.",
    )
    p.add_argument("ref", metavar="REF", help="id, citation key or arXiv id")
    p.add_argument("file", metavar="FILE", type=Path, help="the file to attach")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--link", dest="copy", action="store_const", const=False, help="link the file where it is"
    )
    how.add_argument(
        "--copy",
        dest="copy",
        action="store_const",
        const=True,
        help="copy it into the attachment folder",
    )


def command(args: argparse.Namespace, library: Library) -> int:
    """Attach the file and say where it is."""
    (ref_id,) = library.resolve([args.ref])
    _changed, ((attachment, new),) = library.attach_files(ref_id, [args.file], copy=args.copy)
    if not new:
        print(f"{args.ref} already has this file: {attachment.location}")
    elif attachment.copied:
        print(f"attached to {args.ref}: copied to {attachment.location}")
    else:
        print(f"attached to {args.ref}: linked {attachment.location}")
    return 0
