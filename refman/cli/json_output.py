"""The JSON objects printed by ``list --json`` and ``show --json``."""

from __future__ import annotations

from typing import Any

from refman.domain import Reference


def reference_object(ref: Reference, *, details: bool = False) -> dict[str, Any]:
    """A reference as a JSON-ready dict; ``details`` adds attachments and provenance."""
    obj: dict[str, Any] = {
        "id": ref.id,
        "citekey": ref.citekey,
        "type": ref.entry_type,
        "title": ref.title,
        "title_provisional": ref.title_provisional,
        "authors": [p.display_name for p in ref.authors],
        "year": ref.year,
        "date": ref.date.isoformat() if ref.date else None,
        "venue": ref.venue,
        "journal_ref": ref.journal_ref,
        "arxiv_id": ref.arxiv_id or None,
        "arxiv_version": ref.arxiv_version,
        "doi": ref.doi or None,
        "url": ref.url,
        "code_url": ref.code_url,
        "abstract": ref.abstract,
        "comments": ref.comments,
        "page_count": ref.page_count,
        "figure_count": ref.figure_count,
        "volume": ref.volume,
        "issue": ref.issue,
        "pages": ref.pages,
        "publisher": ref.publisher,
        "extra": dict(ref.extra),
        "tags": list(ref.tags),
        "notes": [n.text for n in ref.notes],
        "added": ref.added.isoformat() if ref.added else None,
        "modified": ref.modified.isoformat() if ref.modified else None,
        "version": ref.version,
    }
    if details:
        obj["attachments"] = [{"location": a.location, "kind": a.kind} for a in ref.attachments]
        obj["provenance"] = [
            {
                "source": p.source,
                "line": p.line,
                "format": p.format,
                "imported": p.imported.isoformat() if p.imported else None,
                "raw": p.raw,
            }
            for p in ref.provenance
        ]
    return obj
