"""PDFs for tests and benchmarks, written with Qt's QPdfWriter (a QGuiApplication must
exist). Page coordinates are PDF points from the page's top left."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

BODY_X = 72.0
"""Where the body text starts on each page (points from the left edge)."""
QUOTE_Y = 140.0
"""The baseline of the sentence each page carries (``sentence(page)``)."""
FIGURE = QRectF(200, 420, 200, 120)
"""A coloured box on every page (a figure: benchmarks probe its colour)."""
FIGURE_COLOUR = QColor("#2e86de")
FILLER = (
    "Knowledge distillation transfers the dark knowledge of a large teacher network to a "
    "compact student, matching softened logits and intermediate features across layers."
)


def sentence(page: int) -> str:
    """The sentence printed on page ``page`` (0-based) at ``QUOTE_Y``."""
    return f"The quick brown fox jumps over the lazy dog on page {page + 1}."


def write_pdf(
    path: Path,
    pages: int = 3,
    *,
    title: str = "",
    first_page_lines: tuple[str, ...] = (),
    filler_lines: int = 0,
) -> Path:
    """A PDF of ``pages`` A4 pages: a heading, ``sentence(page)``, a figure and
    ``filler_lines`` lines of body text each; ``first_page_lines`` go under the first
    heading (an arXiv stamp, a DOI ...); ``title`` is the metadata title."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(72)  # painter units are points
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    if title:
        writer.setTitle(title)
    writer.setCreator("refman tests")
    painter = QPainter(writer)
    heading, body = QFont("DejaVu Sans"), QFont("DejaVu Serif")
    heading.setPointSizeF(16)
    body.setPointSizeF(11)
    for page in range(pages):
        if page:
            writer.newPage()
        painter.setFont(heading)
        painter.drawText(QPointF(BODY_X, 90), f"Page {page + 1}")
        painter.setFont(body)
        if page == 0:
            for n, line in enumerate(first_page_lines):
                painter.drawText(QPointF(BODY_X, 110 + 12 * n), line)
        painter.drawText(QPointF(BODY_X, QUOTE_Y), sentence(page))
        painter.fillRect(FIGURE, FIGURE_COLOUR)
        for n in range(filler_lines):
            y = 170 + 14 * n
            if FIGURE.top() - 14 < y < FIGURE.bottom() + 14:
                continue
            painter.drawText(QPointF(BODY_X, y), FILLER[(n * 7) % 40 :][:80])
    painter.end()
    return path
