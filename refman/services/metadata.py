"""Metadata from the web, on the library's side: fetch for existing references (a
per-field diff the user accepts or rejects), add new references by identifier, download
arXiv PDFs into the attachment folder.

The network is :class:`refman.services.lookup.LookupClient`'s; nothing here is written
before every lookup has answered, so a failure (offline, a service down) changes
nothing.

Which fields a fetch proposes to change (:func:`field_changes`), from what arXiv or
Crossref returned:

* the title when the reference's is provisional or differs (then no longer
  provisional); the authors when they differ;
* type, year, date, venue, journal reference, volume, issue, pages, publisher and DOI
  when the fetched value is not empty and differs; a generic type (``misc``, or
  ``preprint`` over anything but ``misc``) never replaces another, nor does arXiv's own
  DOI (``10.48550/arXiv...``) a publisher's;
* a newer arXiv version; arXiv categories (``extra.categories``,
  ``extra.primaryclass``) when they differ; other ``extra`` keys (ISSN, ISBN) and the
  URL, abstract, comments, code URL, page and figure counts only when the reference has
  none (a user's text is not overwritten by a differently formatted copy).

A fetched value that is empty is never proposed: not knowing is not knowledge.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from refman.domain import Attachment, Person, Reference
from refman.domain.identifiers import ARXIV, Identifier, parse_identifier, reference_identifier
from refman.domain.model import REFERENCE_FIELDS
from refman.services import attachments
from refman.services.citekeys import KeyAllocator
from refman.services.errors import UserError
from refman.services.lookup import (
    LookupCancelledError,
    LookupClient,
    LookupFailedError,
    LookupSettings,
    OfflineError,
    Progress,
)
from refman.storage.store import ConflictError, NotFoundError, Store, UnitOfWork

__all__ = [
    "AddOutcome",
    "DownloadOutcome",
    "FetchOutcome",
    "FieldChange",
    "MetadataUpdate",
    "add_by_identifier",
    "describe",
    "download_pdfs",
    "fetch_metadata",
    "field_changes",
    "lookup_settings",
    "set_contact_email",
    "updates_for",
    "write_updates",
]

CONTACT_SETTING = "lookup.contact_email"
"""The library setting holding the contact e-mail sent with lookups (the User-Agent)."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

EXTRA = "extra."
"""Prefix of a change to one key of ``Reference.extra`` ("extra.categories")."""

_COMPARED = (
    "entry_type",
    "year",
    "date",
    "venue",
    "journal_ref",
    "volume",
    "issue",
    "pages",
    "publisher",
    "doi",
)
_FILLED = ("url", "abstract", "comments", "code_url", "page_count", "figure_count")
_REPLACED_EXTRA = frozenset({"categories", "primaryclass"})
ARXIV_DOI_PREFIX = "10.48550/arxiv."

LABELS: dict[str, str] = {
    "title": "Title",
    "authors": "Authors",
    "entry_type": "Type",
    "year": "Year",
    "date": "Date",
    "venue": "Venue",
    "journal_ref": "Journal reference",
    "volume": "Volume",
    "issue": "Issue",
    "pages": "Pages",
    "publisher": "Publisher",
    "doi": "DOI",
    "arxiv_version": "arXiv version",
    "url": "URL",
    "abstract": "Abstract",
    "comments": "Comments",
    "code_url": "Code",
    "page_count": "Page count",
    "figure_count": "Figure count",
    "extra.categories": "Categories",
    "extra.primaryclass": "Primary category",
    "extra.issn": "ISSN",
    "extra.isbn": "ISBN",
}


def describe(name: str, value: Any) -> str:
    """A field's value as the diff shows it ("" for none)."""
    if value is None:
        return ""
    if name == "authors":
        return "; ".join(p.display_name for p in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a fetch would change: ``name`` is a :data:`REFERENCE_FIELDS` name,
    ``authors`` or ``extra.<key>``."""

    name: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        """The field's name for people."""
        return LABELS.get(self.name, self.name.removeprefix(EXTRA).replace("_", " ").capitalize())

    @property
    def old_text(self) -> str:
        """The current value as text."""
        return describe(self.name, self.old)

    @property
    def new_text(self) -> str:
        """The fetched value as text."""
        return describe(self.name, self.new)


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """What a fetch found for one reference: the changes it proposes, or why it has none
    (``error``: no identifier, not found, refused). ``version`` is the reference's
    version the changes were computed from."""

    reference_id: int
    version: int
    citekey: str
    title: str
    title_provisional: bool
    identifier: Identifier | None
    changes: tuple[FieldChange, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class MetadataUpdate:
    """Values to write into one reference: field names as in :class:`FieldChange`
    (``title_provisional`` may go with ``title``; ``None`` for an ``extra`` key removes
    it). ``version``: the version the values were chosen against (None: any)."""

    reference_id: int
    values: Mapping[str, Any]
    version: int | None = None


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What adding one identifier did: ``created`` a reference, found the one that
    already has it (``trashed`` when in the Trash), or failed (``error``)."""

    text: str
    identifier: Identifier
    reference_id: int | None = None
    created: bool = False
    trashed: bool = False
    title: str = ""
    error: str = ""


# --- settings ---------------------------------------------------------------------------
def lookup_settings(store: Store, environ: Mapping[str, str] | None = None) -> LookupSettings:
    """How lookups go for this library: the environment's settings
    (``LookupSettings.from_environment``), the contact e-mail from ``REFMAN_CONTACT_EMAIL``
    or else the library's setting."""
    settings = LookupSettings.from_environment(environ)
    if settings.contact_email:
        return settings
    return replace(settings, contact_email=store.settings().get(CONTACT_SETTING, ""))


def set_contact_email(store: Store, email: str) -> None:
    """Store the contact e-mail sent with lookups ("" removes it)."""
    email = email.strip()
    if email and not _EMAIL.fullmatch(email):
        raise UserError(f"contact e-mail: {email!r} is not an e-mail address")
    with store.unit_of_work() as uow:
        uow.set_setting(CONTACT_SETTING, email or None)


# --- the diff -----------------------------------------------------------------------------
def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return " ".join(old.split()) == " ".join(new.split())
    return bool(old == new)


def _is_arxiv_doi(doi: str) -> bool:
    return doi.lower().startswith(ARXIV_DOI_PREFIX)


def _names(people: Iterable[Person]) -> list[tuple[str, str]]:
    return [(" ".join(p.family.split()), " ".join(p.given.split())) for p in people]


def field_changes(current: Reference, fetched: Reference) -> list[FieldChange]:
    """The changes ``fetched`` proposes for ``current`` (rules: module docstring), in
    the order a dialog lists them."""
    changes: list[FieldChange] = []
    real_title = fetched.title and not fetched.title_provisional
    if real_title and (current.title_provisional or not _same(current.title, fetched.title)):
        changes.append(FieldChange("title", current.title, fetched.title))
    if fetched.authors and _names(current.authors) != _names(fetched.authors):
        changes.append(FieldChange("authors", tuple(current.authors), tuple(fetched.authors)))
    for name in _COMPARED:
        old, new = getattr(current, name), getattr(fetched, name)
        if new is None or new == "" or _same(old, new):
            continue
        if name == "entry_type" and (new == "misc" or (new == "preprint" and old != "misc")):
            continue
        if name == "doi" and (old.lower() == new.lower() or (old and _is_arxiv_doi(new))):
            continue
        changes.append(FieldChange(name, old, new))
    if fetched.arxiv_version and (current.arxiv_version or 0) < fetched.arxiv_version:
        changes.append(FieldChange("arxiv_version", current.arxiv_version, fetched.arxiv_version))
    for key, value in sorted(fetched.extra.items()):
        old_value = current.extra.get(key, "")
        if value and not _same(old_value, value) and (not old_value or key in _REPLACED_EXTRA):
            changes.append(FieldChange(EXTRA + key, old_value or None, value))
    for name in _FILLED:
        old, new = getattr(current, name), getattr(fetched, name)
        if (old is None or old == "") and new is not None and new != "":
            changes.append(FieldChange(name, old, new))
    return changes


# --- fetching -----------------------------------------------------------------------------
def fetch_metadata(
    store: Store, client: LookupClient, ref_ids: Sequence[int], progress: Progress | None = None
) -> list[FetchOutcome]:
    """Look each reference up by its arXiv id or DOI and diff what comes back (nothing
    is written). Unknown ids raise ``NotFoundError``; network failures raise."""
    ids = list(dict.fromkeys(ref_ids))
    refs = store.references(ids)
    missing = sorted(set(ids) - {r.id for r in refs})
    if missing:
        raise NotFoundError(f"no reference {missing[0]}")
    identifiers = {r.id: reference_identifier(r.arxiv_id, r.doi, r.url) for r in refs}
    found = client.lookup([i for i in identifiers.values() if i is not None], progress)
    outcomes = []
    for ref in refs:
        assert ref.id is not None
        identifier = identifiers[ref.id]
        answer = found.get(identifier) if identifier is not None else None
        base = FetchOutcome(
            ref.id, ref.version, ref.citekey, ref.title, ref.title_provisional, identifier
        )
        if identifier is None:
            outcomes.append(replace(base, error="no arXiv id or DOI to look it up by"))
        elif isinstance(answer, Reference):
            outcomes.append(replace(base, changes=tuple(field_changes(ref, answer))))
        else:
            outcomes.append(replace(base, error=answer or "not found"))
    return outcomes


def updates_for(
    outcomes: Iterable[FetchOutcome], accepted: Mapping[int, Collection[str]] | None = None
) -> tuple[list[MetadataUpdate], list[MetadataUpdate]]:
    """The updates that apply the accepted changes (``accepted``: reference id -> field
    names; None accepts every change), checked against the fetched versions, and those
    that undo them (unchecked: the undo history decides what comes first)."""
    forward: list[MetadataUpdate] = []
    backward: list[MetadataUpdate] = []
    for outcome in outcomes:
        chosen = [
            c
            for c in outcome.changes
            if accepted is None or c.name in accepted.get(outcome.reference_id, ())
        ]
        if not chosen:
            continue
        new = {c.name: c.new for c in chosen}
        old = {c.name: c.old for c in chosen}
        if "title" in new:
            new["title_provisional"] = False
            old["title_provisional"] = outcome.title_provisional
        forward.append(MetadataUpdate(outcome.reference_id, new, outcome.version))
        backward.append(MetadataUpdate(outcome.reference_id, old))
    return forward, backward


def write_updates(uow: UnitOfWork, updates: Sequence[MetadataUpdate]) -> list[int]:
    """Write ``updates`` in the caller's transaction; returns the ids changed. A
    reference changed since its update's ``version`` raises ``ConflictError``."""
    ids = [u.reference_id for u in updates]
    states = uow.reference_states(ids)
    refs = {r.id: r for r in uow.references(ids)}
    for update in updates:
        ref_id = update.reference_id
        if ref_id not in states or ref_id not in refs:
            raise NotFoundError(f"no reference {ref_id}")
        version = states[ref_id][0]
        if update.version is not None and update.version != version:
            raise ConflictError(
                f"reference {ref_id} was changed while its metadata was fetched; fetch again"
            )
        scalars = {k: v for k, v in update.values.items() if k in REFERENCE_FIELDS}
        extra_changes = {
            k.removeprefix(EXTRA): v for k, v in update.values.items() if k.startswith(EXTRA)
        }
        if extra_changes:
            extra = dict(refs[ref_id].extra)
            for key, value in extra_changes.items():
                if value:
                    extra[key] = value
                else:
                    extra.pop(key, None)
            scalars["extra"] = extra
        uow.update_checked(ref_id, version, scalars)
        if "authors" in update.values:
            uow.replace_authors(ref_id, list(update.values["authors"]))
    return ids


# --- adding -------------------------------------------------------------------------------
Owners = Mapping[str, tuple[int, bool]]
"""``Store.identifier_owners``: ``"arxiv:<id>"`` / ``"doi:<lower-case DOI>"`` ->
``(reference id, trashed)``."""


def _keys(arxiv_id: str, doi: str) -> list[str]:
    """The ``Owners`` keys of a reference's identifiers."""
    return [k for k in (arxiv_id and f"arxiv:{arxiv_id}", doi and f"doi:{doi.lower()}") if k]


def _identifier_keys(identifier: Identifier) -> list[str]:
    if identifier.kind == ARXIV:
        return _keys(identifier.value, "")
    return _keys("", identifier.value)


def _holder(owners: Owners, keys: Iterable[str]) -> tuple[int, bool] | None:
    return next((owners[k] for k in keys if k in owners), None)


def add_by_identifier(
    store: Store, client: LookupClient, texts: Sequence[str], progress: Progress | None = None
) -> list[AddOutcome]:
    """Add a reference for each arXiv id, DOI or link in ``texts``, read from arXiv or
    Crossref, unless the library already holds it (by arXiv id or DOI: asked before the
    lookup, and again with the identifiers the lookup found). Everything is written in
    one transaction once every lookup has answered; nothing when none found anything."""
    identifiers: list[tuple[str, Identifier]] = []
    for text in texts:
        identifier = parse_identifier(text)
        if identifier is None:
            raise UserError(f"{text.strip()!r} is not an arXiv id, a DOI or a link to either")
        identifiers.append((text.strip(), identifier))
    owners: Owners = store.identifier_owners(
        [i.value for _t, i in identifiers if i.kind == ARXIV],
        [i.value for _t, i in identifiers if i.kind != ARXIV],
    )
    wanted = [i for _t, i in identifiers if _holder(owners, _identifier_keys(i)) is None]
    found = client.lookup(wanted, progress) if wanted else {}
    fetched = [r for r in found.values() if isinstance(r, Reference)]
    if not fetched:
        return [_not_added(text, i, owners, found.get(i)) for text, i in identifiers]
    outcomes: list[AddOutcome] = []
    with store.unit_of_work() as uow:
        owners = uow.identifier_owners(
            [r.arxiv_id for r in fetched if r.arxiv_id]
            + [i.value for _t, i in identifiers if i.kind == ARXIV],
            [r.doi for r in fetched if r.doi]
            + [i.value for _t, i in identifiers if i.kind != ARXIV],
        )
        added: dict[str, tuple[int, bool]] = {}  # the keys of the references added here
        allocator = KeyAllocator(uow.citekeys())
        for text, identifier in identifiers:
            answer = found.get(identifier)
            known = _holder(owners, _identifier_keys(identifier)) or _holder(
                added, _identifier_keys(identifier)
            )
            if not isinstance(answer, Reference) or known is not None:
                outcomes.append(_not_added(text, identifier, {**owners, **added}, answer))
                continue
            keys = _keys(answer.arxiv_id, answer.doi)
            holder = _holder(owners, keys) or _holder(added, keys)
            if holder is not None:
                outcomes.append(AddOutcome(text, identifier, holder[0], trashed=holder[1]))
                continue
            allocator.assign(answer)
            (ref_id,) = uow.insert_references([answer])
            added.update((k, (ref_id, False)) for k in keys)
            outcomes.append(AddOutcome(text, identifier, ref_id, created=True, title=answer.title))
    return outcomes


def _not_added(
    text: str, identifier: Identifier, owners: Owners, answer: Reference | str | None
) -> AddOutcome:
    """The outcome for an identifier not added: already held, or not found."""
    holder = _holder(owners, _identifier_keys(identifier))
    if holder is not None:
        return AddOutcome(text, identifier, holder[0], trashed=holder[1])
    return AddOutcome(text, identifier, error=answer if isinstance(answer, str) else "not found")


# --- PDFs -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DownloadOutcome:
    """What Download PDF did for one reference: attached ``attachment`` (``new`` False
    when the reference already had that very file), or why not (``error``)."""

    reference_id: int
    attachment: Attachment | None = None
    new: bool = False
    error: str = ""


def download_pdfs(
    store: Store,
    client: LookupClient,
    ref_ids: Sequence[int],
    progress: Progress | None = None,
    status: Callable[[str], None] | None = None,
) -> list[DownloadOutcome]:
    """Download arXiv's PDF of each reference into the attachment folder and attach it
    (a copy named after the citation key; see :mod:`refman.services.attachments`).

    A reference without an arXiv id, or whose PDF is already there, is skipped with a
    reason. Each file streams into a temporary folder inside the attachment folder, must
    start like a PDF, and is attached (copied under the citation key) only when complete;
    a failure leaves no file behind. Failures are outcomes, never raised, so the PDFs
    attached before one are reported (and undoable): a file that fails is skipped; when
    the host cannot be reached or the user cancels, the rest are not tried."""
    ids = list(dict.fromkeys(ref_ids))
    refs = store.references(ids, with_details=True)
    missing = sorted(set(ids) - {r.id for r in refs})
    if missing:
        raise NotFoundError(f"no reference {missing[0]}")
    folder = attachments.attachment_folder(store)
    outcomes: list[DownloadOutcome] = []
    stopped = ""
    for number, ref in enumerate(refs, 1):
        assert ref.id is not None
        identifier = reference_identifier(ref.arxiv_id, ref.doi, ref.url)
        if stopped:
            outcomes.append(DownloadOutcome(ref.id, error=stopped))
            continue
        if identifier is None or identifier.kind != ARXIV:
            outcomes.append(DownloadOutcome(ref.id, error="no arXiv id: only arXiv PDFs"))
            continue
        existing = attachments.pdf_file(ref, folder)
        if existing is not None:
            outcomes.append(DownloadOutcome(ref.id, error=f"already has a PDF ({existing.name})"))
            continue
        if status is not None:
            counter = f" ({number} of {len(refs)})" if len(refs) > 1 else ""
            status(f"Downloading the PDF of arXiv:{identifier.value}{counter}…")
        try:
            attachment, new = _download_one(store, client, ref.id, identifier.value, progress)
        except (LookupFailedError, LookupCancelledError) as error:
            outcomes.append(DownloadOutcome(ref.id, error=str(error)))
            if isinstance(error, OfflineError | LookupCancelledError):
                stopped = "not tried" if isinstance(error, OfflineError) else "cancelled"
            continue
        outcomes.append(DownloadOutcome(ref.id, attachment, new))
    return outcomes


def _download_one(
    store: Store, client: LookupClient, ref_id: int, arxiv_id: str, progress: Progress | None
) -> tuple[Attachment, bool]:
    """Download one PDF and attach it (see ``download_pdfs``)."""
    folder = attachments.attachment_folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    # A folder of its own inside the attachment folder: the same disk, and a file
    # directly in the folder would be taken for one of the library's copies.
    download = Path(tempfile.mkdtemp(prefix=".refman-download-", dir=folder))
    try:
        temporary = download / f"{arxiv_id.replace('/', '_')}.pdf"
        client.download_arxiv_pdf(arxiv_id, temporary, progress)
        return attachments.attach_file(store, ref_id, temporary, copy=True)
    finally:
        shutil.rmtree(download, ignore_errors=True)
