"""The entry point of the PyInstaller bundle (``packaging/refman.spec``).

A frozen app has no interpreter to start with ``-c``: an import's reader process is the
app's own executable started with ``CHILD_READER_ARG`` and a socket descriptor
(``refman.services.reading.child_command``), dispatched here before anything of the app
is set up. Everything else is the ``refman`` command.
"""

from __future__ import annotations

import os
import sys


def restore_library_path() -> None:
    """Give programs this process starts (a PDF viewer or a browser through xdg-open) the
    user's ``LD_LIBRARY_PATH``, not the bundle's: PyInstaller's bootloader points it at
    the bundle's libraries and starts the app again with it, so this process's loader has
    read it already, but a desktop program loading the bundle's libstdc++ or GLib may
    crash. (The reader process, this executable again, gets it from the bootloader.)"""
    if not (getattr(sys, "frozen", False) and sys.platform.startswith("linux")):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


def main() -> int:
    """Run the reader process or the ``refman`` command; returns the exit status."""
    restore_library_path()
    from refman.services.reading import CHILD_READER_ARG, child_main

    if len(sys.argv) == 3 and sys.argv[1] == CHILD_READER_ARG:
        child_main(sys.argv[2])
        return 0
    from refman.cli.main import main as refman_main

    return refman_main()


if __name__ == "__main__":
    sys.exit(main())
