"""Plain dataclasses describing the library; no SQLAlchemy, no Qt."""

from refman.domain.model import (
    Attachment,
    AutoExport,
    Collection,
    Note,
    Person,
    Provenance,
    Reference,
    Tag,
)

__all__ = [
    "Attachment",
    "AutoExport",
    "Collection",
    "Note",
    "Person",
    "Provenance",
    "Reference",
    "Tag",
]
