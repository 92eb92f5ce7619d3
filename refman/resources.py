"""Where refman's data files are: ``resources/`` and ``seeds/`` beside the package.

From a source checkout (or an editable install) they are the top-level ``resources/`` and
``seeds/`` directories next to the ``refman`` package; in a PyInstaller bundle they are
the same directories inside the unpacked bundle (``sys._MEIPASS``: ``_internal/`` of the
one-folder build, ``Contents/Frameworks`` of a macOS ``.app``), where
``packaging/refman.spec`` puts them. Nothing here imports Qt or SQLAlchemy.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ICON_SIZES",
    "Seed",
    "bundle_root",
    "bundled_seeds",
    "icon_path",
    "resource_path",
    "resources_dir",
    "seed_manifest",
    "seeds_dir",
]

ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)
"""The sizes of the application icon's PNGs (``resources/icons/hicolor/NxN/apps``)."""

SEED_MANIFEST = "seeds.json"


def bundle_root() -> Path:
    """The folder holding ``resources/`` and ``seeds/``: the unpacked bundle when frozen,
    else the source checkout's top level."""
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The ``resources/`` directory (whether or not it exists)."""
    return bundle_root() / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/``: ``resource_path("csl", "apa.csl")``."""
    return resources_dir().joinpath(*parts)


def icon_path(size: int | None = None) -> Path:
    """The application icon: the PNG of ``size`` pixels (one of ``ICON_SIZES``), or the
    scalable SVG."""
    if size is None:
        return resource_path("icons", "hicolor", "scalable", "apps", "refman.svg")
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {ICON_SIZES}")
    return resource_path("icons", "hicolor", f"{size}x{size}", "apps", "refman.png")


def seeds_dir() -> Path:
    """The ``seeds/`` directory: the sample dumps offered on the first start."""
    return bundle_root() / "seeds"


@dataclass(frozen=True, slots=True)
class Seed:
    """One sample dump listed in ``resources/seeds.json``."""

    path: Path
    format: str
    records: int
    sha256: str


def seed_manifest() -> tuple[list[Seed], int]:
    """The sample dumps the manifest lists (in import order) and the number of references
    importing all of them gives; ``([], 0)`` when the manifest is missing."""
    try:
        data = json.loads(resource_path(SEED_MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], 0
    folder = seeds_dir()
    seeds = [
        Seed(folder / entry["file"], entry["format"], int(entry["records"]), entry["sha256"])
        for entry in data["seeds"]
    ]
    return seeds, int(data["references"])


def bundled_seeds() -> list[Path]:
    """The sample dumps to offer: those the manifest lists that are present (none for a
    plain wheel install, which ships neither ``seeds/`` nor the manifest)."""
    seeds, _references = seed_manifest()
    return [seed.path for seed in seeds if seed.path.is_file()]
