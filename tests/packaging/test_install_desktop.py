"""``make install-desktop``: the desktop entry, icons, MIME types and AppStream metadata
installed for one user, checked with the freedesktop.org tools (Debian's
desktop-file-utils, appstream and shared-mime-info: ``make test`` installs them)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from refman.resources import ICON_SIZES, resource_path
from tests.conftest import ROOT

SCRIPT = ROOT / "packaging" / "install-desktop.sh"
MIME_TYPES = [
    "text/x-bibtex",
    "application/x-research-info-systems",
    "application/vnd.citationstyles.csl+json",
]
APP_ID = "io.github.refman.refman"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing: `make test` installs it (packaging/debian-deps.sh desktop)"
        )
    return path


def install(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False
    )


def fake_bundle(folder: Path) -> Path:
    folder.mkdir(parents=True)
    exe = folder / "refman"
    exe.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    exe.chmod(0o755)
    return exe


def entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def validate_desktop_file(path: Path) -> None:
    out = subprocess.run(
        [tool("desktop-file-validate"), str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error" not in out.stdout, out.stdout


def test_the_shipped_files_are_valid() -> None:
    validate_desktop_file(resource_path("refman.desktop"))
    out = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(resource_path("refman.metainfo.xml"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    desktop = entry(resource_path("refman.desktop"))
    assert desktop["MimeType"].split(";")[:-1] == MIME_TYPES
    assert desktop["Exec"] == "refman %F"
    metainfo = resource_path("refman.metainfo.xml").read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in metainfo
    assert '<launchable type="desktop-id">refman.desktop</launchable>' in metainfo
    for mime in MIME_TYPES:
        assert f"<mediatype>{mime}</mediatype>" in metainfo


def test_install_puts_refman_in_the_menu_for_the_bundle(tmp_path: Path) -> None:
    exe = fake_bundle(tmp_path / "dist" / "refman")
    data = tmp_path / "share"
    out = install(data, str(exe))
    assert out.returncode == 0, out.stderr
    desktop_file = data / "applications" / "refman.desktop"
    validate_desktop_file(desktop_file)
    desktop = entry(desktop_file)
    assert desktop["Exec"] == f"{exe} %F"
    assert desktop["TryExec"] == str(exe)
    assert desktop["Icon"] == "refman"
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "refman.png"
        assert (
            icon.read_bytes()
            == resource_path(
                "icons", "hicolor", f"{size}x{size}", "apps", "refman.png"
            ).read_bytes()
        )
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "refman.svg").is_file()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()

    tool("update-mime-database")
    globs = (data / "mime" / "globs2").read_text(encoding="utf-8")
    assert "application/x-research-info-systems:*.ris" in globs
    assert "application/vnd.citationstyles.csl+json:*.csl.json" in globs
    tool("update-desktop-database")
    cache = (data / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
    for mime in MIME_TYPES:
        assert f"{mime}=refman.desktop;" in cache


def test_a_path_with_spaces_is_quoted_and_a_troublesome_one_refused(tmp_path: Path) -> None:
    exe = fake_bundle(tmp_path / "my apps & more" / "refman")
    data = tmp_path / "share"
    assert install(data, str(exe)).returncode == 0
    desktop_file = data / "applications" / "refman.desktop"
    validate_desktop_file(desktop_file)
    assert entry(desktop_file)["Exec"] == f'"{exe}" %F'

    odd = fake_bundle(tmp_path / "100%$" / "refman")
    out = install(tmp_path / "other", str(odd))
    assert out.returncode == 1
    assert "cannot start a path with" in out.stderr
    assert not (tmp_path / "other" / "applications" / "refman.desktop").exists()


def test_install_wants_a_built_bundle_at_an_absolute_path(tmp_path: Path) -> None:
    out = install(tmp_path / "share", str(tmp_path / "dist" / "refman" / "refman"))
    assert out.returncode == 1
    assert "run make bundle first" in out.stderr
    assert install(tmp_path / "share", "dist/refman/refman").returncode == 2


def test_uninstall_removes_what_install_wrote(tmp_path: Path) -> None:
    exe = fake_bundle(tmp_path / "dist" / "refman")
    data = tmp_path / "share"
    assert install(data, str(exe)).returncode == 0
    out = install(data, "--uninstall")
    assert out.returncode == 0, out.stderr
    left = sorted(str(p.relative_to(data)) for p in data.rglob("*refman*"))
    assert left == []
    globs = (data / "mime" / "globs2").read_text(encoding="utf-8")
    assert "research-info-systems" not in globs
