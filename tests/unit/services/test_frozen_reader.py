"""The import's reader process in a frozen app (PyInstaller): the app's own executable,
started with ``CHILD_READER_ARG``, dispatched by the bundle's entry point."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from refman.services import importing, reading
from refman.services.library import Library
from tests.conftest import ROOT, SEED_FILES

ENTRY = ROOT / "packaging" / "refman_main.py"


def test_an_interpreter_runs_the_reader_with_dash_c() -> None:
    command = reading.child_command(7)
    assert command[:2] == [sys.executable, "-c"]
    assert command[-1] == "7"


def test_a_frozen_app_runs_itself_as_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/refman/refman")
    assert reading.child_command(7) == ["/opt/refman/refman", reading.CHILD_READER_ARG, "7"]
    assert reading.child_reading_supported()


@pytest.fixture
def frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the bundle's executable: the bundle's entry point run by this
    interpreter, in an environment without this process's ``sys.path`` (as a frozen
    app's child gets); it notes its arguments in ``argv.txt``."""
    notes = tmp_path / "argv.txt"
    app = tmp_path / "refman"
    app.write_text(
        f"#!{sys.executable}\n"
        "import runpy, sys\n"
        f"open({str(notes)!r}, 'a').write(' '.join(sys.argv[1:2]) + '\\n')\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"runpy.run_path({str(ENTRY)!r}, run_name='__main__')\n",
        encoding="utf-8",
    )
    app.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    monkeypatch.setattr(importing, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importing, "BATCH_SIZE", 7)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    return notes


def test_an_import_in_a_frozen_app_reads_in_its_own_executable(
    library: Library, frozen_app: Path
) -> None:
    result = library.import_files(SEED_FILES)
    assert (result.added, result.merged, result.unchanged) == (79, 2, 6)  # (batches of 7)
    assert frozen_app.read_text(encoding="utf-8").split() == [reading.CHILD_READER_ARG]
    assert library.count() == 79


@pytest.fixture
def entry_point() -> ModuleType:
    """``packaging/refman_main.py`` as a module."""
    sys.path.insert(0, str(ENTRY.parent))
    try:
        import refman_main  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ENTRY.parent))
    module: ModuleType = refman_main
    return module


def test_the_entry_point_without_the_reader_argument_is_refman(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    entry_point: ModuleType,
) -> None:
    monkeypatch.setattr(sys, "argv", ["refman", "--db", str(tmp_path / "x.sqlite"), "list"])
    assert entry_point.main() == 0
    assert capsys.readouterr().err == ""


def test_programs_the_bundle_starts_get_the_users_library_path(
    monkeypatch: pytest.MonkeyPatch, entry_point: ModuleType
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/refman/_internal")
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    entry_point.restore_library_path()
    assert "LD_LIBRARY_PATH" not in os.environ
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/refman/_internal")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/home/me/lib")
    entry_point.restore_library_path()
    assert os.environ["LD_LIBRARY_PATH"] == "/home/me/lib"
    assert "LD_LIBRARY_PATH_ORIG" not in os.environ


def test_an_interpreter_keeps_its_library_path(
    monkeypatch: pytest.MonkeyPatch, entry_point: ModuleType
) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/lib")
    entry_point.restore_library_path()
    assert os.environ["LD_LIBRARY_PATH"] == "/usr/local/lib"
