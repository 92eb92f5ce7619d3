"""A really full disk for tests: a small tmpfs mounted on a test folder.

Mounting needs root (and the right to mount, which a container may withhold): when it
cannot be had, ``small_filesystem`` yields None and the test injects the same failure
instead (the operating system's or SQLite's own "disk full" error), so it never skips."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def small_filesystem(folder: Path, size_kib: int) -> Iterator[Path | None]:
    """``folder`` on a tmpfs of ``size_kib`` KiB (unmounted afterwards), or None."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if os.name != "posix" or os.geteuid() != 0 or mount is None:
        yield None
        return
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem of ``folder`` until about ``leave`` bytes are free."""
    filler = folder / "filler.bin"
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


def free_bytes(folder: Path) -> int:
    """Free space on ``folder``'s filesystem."""
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


@contextlib.contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path | None]:
    """``folder`` seen read-only at ``view`` (a read-only bind mount: root can write
    through permissions, not through that), or None when it cannot be mounted."""
    view.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if os.name != "posix" or os.geteuid() != 0 or mount is None:
        yield None
        return
    bound = subprocess.run(
        [mount, "--bind", str(folder), str(view)], capture_output=True, check=False
    )
    if bound.returncode != 0:
        yield None
        return
    try:
        remounted = subprocess.run(
            [mount, "-o", "remount,bind,ro", str(view)], capture_output=True, check=False
        )
        yield view if remounted.returncode == 0 else None
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True, check=False)
