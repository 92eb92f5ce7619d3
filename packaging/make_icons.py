"""Render the application icon: the PNGs, the Windows ``.ico`` and the macOS ``.icns``.

``.venv/bin/python packaging/make_icons.py`` (run it after changing an SVG; the outputs are
committed, so neither a build nor the app needs Qt's SVG support for the icon).

- ``resources/icons/hicolor/scalable/apps/refman.svg``: the icon; renders 48 px and up.
- ``packaging/icons/refman-{16,24,32}.svg``: the same picture drawn on the pixel grid of
  the small sizes (a scaled-down page of citations is a grey smudge at 16 px).
- out: ``resources/icons/hicolor/NxN/apps/refman.png`` for every size of
  ``refman.resources.ICON_SIZES``, ``resources/icons/refman.ico`` (16-256, PNG-compressed
  entries) and ``resources/icons/refman.icns`` (16-1024, PNG entries).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refman.resources import ICON_SIZES, icon_path  # noqa: E402

PIXEL_GRID = ROOT / "packaging" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = (  # type, pixels (the @2x types are the next size up drawn for Retina)
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)  # fmt: skip


def source_for(size: int) -> Path:
    """The SVG a size is rendered from."""
    small = PIXEL_GRID / f"refman-{size}.svg"
    return small if small.exists() else icon_path()


def render(size: int) -> bytes:
    """The icon at ``size`` pixels as PNG bytes."""
    renderer = QSvgRenderer(str(source_for(size)))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {source_for(size)}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon holding PNG-compressed images (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, blobs = b"", b""
    for size in ICO_SIZES:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon family of PNG entries (macOS 10.7 and later)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> None:
    """Render every output."""
    app = QGuiApplication(sys.argv[:1])
    sizes = sorted({*ICON_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_TYPES)})
    pngs = {size: render(size) for size in sizes}
    for size in ICON_SIZES:
        target = icon_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    icons = icon_path().parents[3]
    (icons / "refman.ico").write_bytes(ico(pngs))
    (icons / "refman.icns").write_bytes(icns(pngs))
    print(f"wrote {len(ICON_SIZES)} PNGs, refman.ico and refman.icns in {icons}")
    del app


if __name__ == "__main__":
    main()
