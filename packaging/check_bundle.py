"""``make bundle-check``: the PyInstaller bundle in ``dist/refman`` works and is small.

1. Size: at most ``--max-mb`` MB on disk, and none of the Qt modules refman leaves out
   (QtWebEngine, QtQml/Quick, Qt3D, QtMultimedia, QtCharts ...) slipped in.
2. Libraries: every Qt library a bundled library or plugin links to is in the bundle.
3. First launch: ``refman --smoke-test`` offscreen in an empty home folder creates the
   library in the user data folder, paints the window and finds the bundled files.
4. Import: a file large enough to be read in a child process (the bundle's executable
   started as the reader) imports through the bundle's command line; the reader started
   from the bundle is also driven directly. Then the smoke test over that library.
5. Single instance: a second bundle process on the same library hands over to the first
   and exits 0.

Run from the repository with the project's interpreter (it uses refman and the
benchmarks' synthetic dumps); exits 1 naming what failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_BUNDLE = ROOT / "dist" / "refman"
LEFT_OUT = re.compile(
    r"Qt6?(WebEngine|Qml|Quick|3D|Multimedia|Charts|DataVisualization|Graphs|Designer|"
    r"Sensors|Positioning|Location|Bluetooth|SerialPort|RemoteObjects|Scxml|TextToSpeech|"
    r"VirtualKeyboard|WebView|WebSockets|Sql|Test|Help|UiTools)",
)
LISTING_RECORDS = 6_000
"""About 11 MB of listing: above ``importing.PARALLEL_MIN_BYTES``, so read in a child."""
TIMEOUT_S = 120


class CheckFailedError(Exception):
    """A check that did not pass."""


def bundle_size(folder: Path) -> int:
    """Bytes of the files in ``folder`` (links counted once, as links)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def check_size(bundle: Path, max_mb: float) -> str:
    size_mb = bundle_size(bundle) / 1e6
    if size_mb > max_mb:
        raise CheckFailedError(f"the bundle is {size_mb:.0f} MB, over the {max_mb:g} MB limit")
    extra = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if LEFT_OUT.search(p.name))
    if extra:
        raise CheckFailedError(
            f"Qt modules refman does not use are bundled: {', '.join(extra[:8])}"
        )
    return f"size: {size_mb:.0f} MB (limit {max_mb:g} MB)"


def check_libraries(bundle: Path) -> str:
    """No bundled library or plugin misses a Qt library (system ones are the desktop's)."""
    if not sys.platform.startswith("linux"):
        return "libraries: not checked on this platform"
    elves = [
        p
        for p in bundle.rglob("*")
        if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"
    ]
    missing: set[str] = set()
    for elf in elves:
        out = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, check=False)
        for line in out.stdout.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if re.match(r"lib(Qt6|icu|shiboken6|pyside6)", name):
                    missing.add(f"{elf.relative_to(bundle)} needs {name}")
    if missing:
        raise CheckFailedError("missing libraries: " + "; ".join(sorted(missing)[:10]))
    return f"libraries: {len(elves)} ELF files, no Qt library missing"


@contextmanager
def fresh_home() -> Iterator[tuple[Path, dict[str, str]]]:
    """A new user's environment: empty home, config, data and runtime folders."""
    with tempfile.TemporaryDirectory(prefix="refman-bundle-check-") as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REFMAN_", "XDG_"))}
        for name, folder in {
            "HOME": home,
            "XDG_CONFIG_HOME": home / ".config",
            "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_RUNTIME_DIR": home / "runtime",
        }.items():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            env[name] = str(folder)
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield home, env


def run(command: list[str], env: dict[str, str], what: str) -> str:
    out = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    if out.returncode != 0:
        raise CheckFailedError(f"{what} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return out.stdout


def check_first_launch(exe: Path) -> str:
    with fresh_home() as (home, env):
        report = run([str(exe), "--smoke-test"], env, "the smoke test")
        library = home / ".local" / "share" / "refman" / "library.sqlite"
        if not library.is_file():
            raise CheckFailedError(f"the first launch did not create {library}")
    if "sample papers: 5 files" not in report:
        raise CheckFailedError(f"the sample papers are not offered:\n{report}")
    lines = [line.strip() for line in report.splitlines()[1:] if line.strip() != "ok"]
    return "first launch: " + "; ".join(lines)


def check_import(exe: Path) -> str:
    from benchmarks.synthetic import write_listing
    from refman.services import importing

    with fresh_home() as (home, env):
        dump = write_listing(home / "listing.txt", LISTING_RECORDS)
        size_mb = dump.stat().st_size / 1e6
        if dump.stat().st_size < importing.PARALLEL_MIN_BYTES:
            raise CheckFailedError("the listing is too small to be read in a child process")
        db = home / "import.sqlite"
        started = time.perf_counter()
        out = run([str(exe), "--db", str(db), "import", str(dump)], env, "the import")
        seconds = time.perf_counter() - started
        if out.strip() != f"added {LISTING_RECORDS}, merged 0, unchanged 0":
            raise CheckFailedError(f"the import said {out.strip()!r}")
        report = run([str(exe), "--db", str(db), "--smoke-test"], env, "the smoke test")
        if f"({LISTING_RECORDS:,} references)" not in report:
            raise CheckFailedError(f"the window does not show the imported library:\n{report}")
    batches = check_frozen_reader(exe)
    return (
        f"import: {LISTING_RECORDS:,} records ({size_mb:.0f} MB) in "
        f"{seconds:.1f} s; the bundle's reader process gave {batches} batches of the seeds"
    )


def check_frozen_reader(exe: Path) -> int:
    """Drive the reader process as the frozen app starts it (its own executable with
    ``CHILD_READER_ARG``), over the seeds."""
    from refman.resources import bundled_seeds
    from refman.services.reading import RecordReader

    frozen, executable = getattr(sys, "frozen", None), sys.executable
    sys.frozen = True  # type: ignore[attr-defined]
    sys.executable = str(exe)
    try:
        with RecordReader(bundled_seeds(), batch_size=7, in_child=True) as reader:
            if reader._process is None:
                raise CheckFailedError("the reader process did not start")
            reader.start(({}, {}, {}))
            batches = list(reader)
    finally:
        sys.executable = executable
        if frozen is None:
            del sys.frozen  # type: ignore[attr-defined]
    records = sum(len(batch.wires) for batch in batches)
    if records != 87:  # the seeds' records (79 references once 8 are merged)
        raise CheckFailedError(f"the bundle's reader read {records} records of the seeds, not 87")
    return len(batches)


def check_single_instance(exe: Path) -> str:
    with fresh_home() as (home, env):
        ready = home / "ready.json"
        db = home / "one.sqlite"
        first = subprocess.Popen(
            [str(exe), "--db", str(db)],
            env={**env, "REFMAN_READY_FILE": str(ready)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + TIMEOUT_S
            while not ready.exists():
                if first.poll() is not None or time.monotonic() > deadline:
                    raise CheckFailedError("the first instance did not show its window")
                time.sleep(0.05)  # polling for the ready file, bounded by the deadline
            json.loads(ready.read_text(encoding="utf-8"))
            started = time.perf_counter()
            run([str(exe), "--db", str(db)], env, "the second instance")
            seconds = time.perf_counter() - started
            if first.poll() is not None:
                raise CheckFailedError("the first instance ended when the second started")
        finally:
            if first.poll() is None:
                first.send_signal(signal.SIGTERM)
            try:
                first.wait(30)
            except subprocess.TimeoutExpired:
                first.kill()
                first.wait()
        if first.returncode != 0:
            stderr = first.stderr.read().decode(errors="replace") if first.stderr else ""
            raise CheckFailedError(f"the first instance exited {first.returncode}: {stderr}")
    return f"single instance: the second process handed over in {seconds:.2f} s"


def main() -> None:
    """Run every check; exit 1 at the first failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--max-mb", type=float, default=250)
    args = parser.parse_args()
    bundle: Path = args.bundle
    exe = bundle / ("refman.exe" if sys.platform == "win32" else "refman")
    if not exe.is_file():
        raise SystemExit(f"bundle-check: no bundle at {exe}: run `make bundle`")
    checks = [
        lambda: check_size(bundle, args.max_mb),
        lambda: check_libraries(bundle),
        lambda: check_first_launch(exe),
        lambda: check_import(exe),
    ]
    if sys.platform != "win32":
        checks.append(lambda: check_single_instance(exe))
    for check in checks:
        try:
            print(f"bundle-check: {check()}", flush=True)
        except CheckFailedError as exc:
            raise SystemExit(f"bundle-check: FAILED: {exc}") from None
    print("bundle-check: ok")


if __name__ == "__main__":
    if shutil.which("ldd") is None and sys.platform.startswith("linux"):
        raise SystemExit("bundle-check: ldd is missing")
    main()
