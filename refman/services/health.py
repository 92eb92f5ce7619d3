"""Is it safe to write to this SQLite library? Integrity checks on open, unclean
shutdowns, read-only files.

- **Sessions.** Each process that opens a library leaves a marker file
  (``<library>-backups/.state/open-<host>-<pid>``) and removes it when it closes the
  library (or exits normally). A marker whose process is gone means that process ended
  without closing: killed, crashed, or a power cut.
- **Checks.** Writes wait for a check (``WriteGuard``): ``PRAGMA quick_check``, or the
  full ``PRAGMA integrity_check`` after an unclean shutdown. The window runs it at start
  on a worker thread; a command runs it before its first write, unless one passed within
  ``CHECK_INTERVAL`` (a quick check reads the whole file: 0.6 s for 100,000 references
  with a warm cache) and no session ended uncleanly since. A library that fails is never
  written to: every write raises ``LibraryUnavailableError`` naming the newest good
  backup.
- **Read-only.** A library file (or folder) without write permission is opened for
  reading; writes are refused with a message saying so.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import socket
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from refman.services.backups import Backups
from refman.storage import sqlite_files
from refman.storage.engine import WriteGuard

CHECK_INTERVAL = dt.timedelta(hours=1)
_STATE = ".state"
_LAST_CHECK = "last-check.json"


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of one integrity check."""

    path: Path
    full: bool
    problems: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether the library passed."""
        return not self.problems

    def describe(self) -> str:
        """One line for people: the file and the outcome."""
        return f"{self.path}: {self.outcome()}"

    def outcome(self) -> str:
        """ "passed the quick check (0.12 s)" or "failed the integrity check: <findings>"."""
        kind = "integrity check" if self.full else "quick check"
        if self.ok:
            return f"passed the {kind} ({self.seconds:.2f} s)"
        listed = "; ".join(self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        return f"failed the {kind}: {listed}{more}"


def _host() -> str:
    return socket.gethostname().replace("-", "_") or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class LibraryHealth:
    """The safety state of one open SQLite library: its session marker, the guard its
    writes wait on, the last check's report."""

    def __init__(self, path: Path, backups: Backups) -> None:
        self.path = path
        self.backups = backups
        self.state = backups.folder / _STATE
        self.unclean = False
        """Whether an earlier session ended without closing the library."""
        self.read_only = False
        self.report: CheckReport | None = None
        self.guard = WriteGuard(self._check_before_write)
        self._marker: Path | None = None

    # --- sessions ---------------------------------------------------------------------
    def begin(self) -> None:
        """Start this process's session: note an earlier unclean shutdown, leave our
        marker, and settle what needs no check (a new library; a read-only one)."""
        existing = self.path.exists()
        self.unclean = existing and self._collect_stale_markers()
        self._marker = self._leave_marker()
        if not existing:
            self.guard.allow()  # a new library: nothing to check
        elif not _writable(self.path):
            self.read_only = True
            self.guard.refuse(
                f"the library {self.path} is read-only (no permission to write the file or "
                "its folder, or a read-only disk): refman shows it but cannot change it; "
                "nothing was changed"
            )
        # ``end`` at a normal exit of the interpreter too: only a crash leaves a marker.
        atexit.register(_end_at_exit, weakref.ref(self))

    def end(self) -> None:
        """End the session (the library is closed cleanly)."""
        if self._marker is not None:
            with contextlib.suppress(OSError):
                self._marker.unlink()
            self._marker = None

    def other_sessions(self) -> list[int]:
        """Processes of this machine that have the library open, besides this one."""
        prefix = f"open-{_host()}-"
        pids = []
        with contextlib.suppress(OSError):
            for marker in self.state.glob(f"{prefix}*"):
                pid = marker.name.removeprefix(prefix)
                if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                    pids.append(int(pid))
        return sorted(pids)

    def _leave_marker(self) -> Path | None:
        marker = self.state / f"open-{_host()}-{os.getpid()}"
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            marker.write_text(
                json.dumps({"pid": os.getpid(), "started": dt.datetime.now(dt.UTC).isoformat()}),
                encoding="utf-8",
            )
        except OSError:  # a read-only folder: no sessions to track
            return None
        return marker

    def _collect_stale_markers(self) -> bool:
        """Remove markers of processes of this host that are gone; whether any was."""
        stale = False
        prefix = f"open-{_host()}-"
        with contextlib.suppress(OSError):
            for marker in self.state.glob("open-*"):
                if not marker.name.startswith(prefix):
                    continue  # another machine's (a shared folder): cannot tell
                pid = marker.name.removeprefix(prefix)
                if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                    stale = True
                    with contextlib.suppress(OSError):
                        marker.unlink()
        return stale

    # --- checks -----------------------------------------------------------------------
    def check(self, *, full: bool | None = None) -> CheckReport:
        """Run the integrity check now (``full``: default after an unclean shutdown);
        writes are allowed or refused by its outcome and wait while it runs."""
        reports: list[CheckReport] = []

        def decide() -> str | None:
            reports.append(self._run_check(self.unclean if full is None else full))
            return self._refusal(reports[-1])

        if self.read_only:
            decide()
        else:
            self.guard.run(decide)
        return reports[-1] if reports else self._last_or_run(full)

    def _last_or_run(self, full: bool | None) -> CheckReport:
        """(``check`` found another thread's check running and waited for it.)"""
        if self.report is not None:
            return self.report
        return self._run_check(self.unclean if full is None else full)

    def _check_before_write(self) -> str | None:
        """The guard's check before the first write of a session: skipped when a check
        passed within ``CHECK_INTERVAL`` and no session ended uncleanly."""
        if not self.unclean and self._recently_checked():
            return None
        return self._refusal(self._run_check(self.unclean))

    def _run_check(self, full: bool) -> CheckReport:
        started = time.perf_counter()
        problems = tuple(sqlite_files.integrity_problems(self.path, full=full))
        report = CheckReport(self.path, full, problems, time.perf_counter() - started)
        self.report = report
        if report.ok:
            self.unclean = False  # (a full check after an unclean shutdown passed)
            self._note_check(report)
        return report

    def _refusal(self, report: CheckReport) -> str | None:
        if report.ok:
            return None
        newest = self.backups.newest_good()
        advice = (
            f"restore the newest good backup, of {newest.created.astimezone():%Y-%m-%d %H:%M} "
            f"({newest.counts()}): `refman db restore` or File > Restore from Backup"
            if newest is not None
            else "no good backup was found; copy the file somewhere safe before repairing it"
        )
        return (
            f"the library {self.path} {report.outcome()}; refman will not write to it "
            f"(nothing was changed): {advice}"
        )

    def _recently_checked(self) -> bool:
        try:
            stamp = json.loads((self.state / _LAST_CHECK).read_text(encoding="utf-8"))
            when = dt.datetime.fromisoformat(stamp["passed"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return dt.datetime.now(dt.UTC) - when < CHECK_INTERVAL

    def _note_check(self, report: CheckReport) -> None:
        with contextlib.suppress(OSError):
            self.state.mkdir(parents=True, exist_ok=True)
            temp = self.state / f".{_LAST_CHECK}.{os.getpid()}"
            temp.write_text(
                json.dumps(
                    {
                        "passed": dt.datetime.now(dt.UTC).isoformat(),
                        "full": report.full,
                        "seconds": round(report.seconds, 3),
                    }
                ),
                encoding="utf-8",
            )
            temp.replace(self.state / _LAST_CHECK)


def _writable(path: Path) -> bool:
    """Whether SQLite can write the library: the file, and its folder (the write-ahead
    log and its index are files beside it)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _end_at_exit(ref: weakref.ReferenceType[LibraryHealth]) -> None:
    health = ref()
    if health is not None:
        health.end()
