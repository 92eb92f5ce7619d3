"""The data files the app and its bundle ship: the seeds' manifest and the icons."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from xml.etree import ElementTree

import pytest

from refman import resources
from refman.app import open_library
from refman.resources import (
    ICON_SIZES,
    bundle_root,
    bundled_seeds,
    icon_path,
    resource_path,
    seed_manifest,
    seeds_dir,
)
from refman.services.reading import open_records
from tests.conftest import ROOT, SEED_FILES


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    assert data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_data_folders_are_found_in_a_checkout_and_in_a_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert bundle_root() == ROOT
    assert seeds_dir() == ROOT / "seeds"
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert bundle_root() == tmp_path
    assert seeds_dir() == tmp_path / "seeds"
    assert icon_path(16) == tmp_path / "resources/icons/hicolor/16x16/apps/refman.png"
    assert bundled_seeds() == []  # (nothing there)


def test_the_manifest_lists_every_seed_with_its_hash_and_counts() -> None:
    seeds, references = seed_manifest()
    assert [seed.path for seed in seeds] == SEED_FILES
    for seed in seeds:
        assert hashlib.sha256(seed.path.read_bytes()).hexdigest() == seed.sha256, seed.path
    assert sum(seed.records for seed in seeds) == 87
    assert references == 79
    assert bundled_seeds() == SEED_FILES


def test_importing_the_manifests_seeds_gives_its_counts(tmp_path: Path) -> None:
    seeds, references = seed_manifest()
    library = open_library(str(tmp_path / "seeds.sqlite"))
    try:
        for seed in seeds:
            opened = open_records(seed.path)
            assert opened.format.name == seed.format, seed.path
            assert sum(1 for _ref in opened.records) == seed.records, seed.path
            library.import_files([seed.path])
        assert library.count() == references
    finally:
        library.store.close()


def test_a_missing_manifest_offers_no_seeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "resources_dir", lambda: tmp_path)
    assert seed_manifest() == ([], 0)
    assert bundled_seeds() == []


def test_every_icon_size_is_a_square_png_of_that_size() -> None:
    for size in ICON_SIZES:
        assert png_size(icon_path(size)) == (size, size)
    root = ElementTree.parse(icon_path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    with pytest.raises(ValueError, match="no 20 px icon"):
        icon_path(20)


def test_the_windows_icon_holds_pngs_up_to_256() -> None:
    data = resource_path("icons", "refman.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for n in range(count):
        width, _h, _c, _r, _p, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * n : 22 + 16 * n]
        )
        assert bits == 32
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_the_macos_icon_holds_pngs_up_to_1024() -> None:
    data = resource_path("icons", "refman.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    kinds, at = [], 8
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        assert data[at + 8 : at + 16] == b"\x89PNG\r\n\x1a\n", kind
        kinds.append(kind.decode())
        at += length
    assert at == len(data)
    assert {"icp4", "icp5", "ic07", "ic08", "ic09", "ic10"} <= set(kinds)


def test_the_pixel_grid_sources_cover_the_small_sizes() -> None:
    for size in (16, 24, 32):
        source = ROOT / "packaging" / "icons" / f"refman-{size}.svg"
        root = ElementTree.parse(source).getroot()
        assert root.get("viewBox") == f"0 0 {size} {size}"
