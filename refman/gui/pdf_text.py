"""What a PDF says about itself, read with QtPdf: the text of its first pages and its
metadata, handed to ``refman.formats.pdf_identifiers``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPdf import QPdfDocument

from refman.formats.pdf_identifiers import PdfClues, find_clues

PAGES_READ = 2
"""An arXiv stamp or a DOI is on the first page, at worst the second."""

_FIELDS = {
    "title": QPdfDocument.MetaDataField.Title,
    "subject": QPdfDocument.MetaDataField.Subject,
    "keywords": QPdfDocument.MetaDataField.Keywords,
}


def read_clues(path: Path, pages: int = PAGES_READ) -> PdfClues:
    """The arXiv id, DOI and title the PDF at ``path`` gives (nothing found when it
    cannot be read). Loading and reading two pages takes a few milliseconds."""
    document = QPdfDocument()
    try:
        if document.load(str(path)) != QPdfDocument.Error.None_:
            return PdfClues()
        texts = [
            document.getAllText(page).text() for page in range(min(pages, document.pageCount()))
        ]
        metadata = {name: document.metaData(field) for name, field in _FIELDS.items()}
        return find_clues(texts, {k: v for k, v in metadata.items() if isinstance(v, str)})
    finally:
        document.close()
        document.deleteLater()
