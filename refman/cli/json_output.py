"""The JSON objects printed by ``list --json`` and ``show --json``, and the reference lines
of ``list`` and ``search``."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
        "reading_status": ref.reading_status,
        "last_page": ref.last_page,
    }
    if details:
        obj["attachments"] = [
            {
                "id": a.id,
                "location": a.location,
                "kind": a.kind,
                "copied": a.copied,
                "mime": a.mime or None,
                "size": a.size,
                "missing": a.missing,
            }
            for a in ref.attachments
        ]
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


def print_references(refs: Sequence[Reference], *, as_json: bool) -> None:
    """``refs`` as a JSON array of ``reference_object``, or one line each: id, citation
    key, year and title (``~`` before a provisional title)."""
    if as_json:
        print(json.dumps([reference_object(r) for r in refs], ensure_ascii=False, indent=1))
        return
    for ref in refs:
        year = ref.year or "----"
        marker = "~" if ref.title_provisional else " "
        print(f"{ref.id:>6} {ref.citekey:<28} {year} {marker}{ref.title}")
