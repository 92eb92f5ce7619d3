"""Auto-export: files kept in sync with the library or with one tag, like Better BibTeX's
"keep updated". After every change each file is rendered again and rewritten atomically,
only when its text changed (so a LaTeX build watching it is not woken for nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from refman.domain import AutoExport
from refman.domain.query import ReferenceQuery
from refman.formats.base import WriteOptions
from refman.services.errors import UserError
from refman.services.exporting import DEFAULT_STYLE, ExportRequest, ExportResult, export_to_file
from refman.storage.store import Store


@dataclass(frozen=True, slots=True)
class AutoExportOutcome:
    """What one auto-export did: its result, or the reason it could not run."""

    export: AutoExport
    result: ExportResult | None = None
    error: str = ""


def request_for(export: AutoExport) -> ExportRequest:
    """The export an auto-export performs (bibliography files are lossless-free: they are
    meant for LaTeX; notes only when asked)."""
    return ExportRequest(
        export.kind,
        style=export.style or DEFAULT_STYLE,
        options=WriteOptions(notes=export.notes),
    )


def add(store: Store, export: AutoExport) -> AutoExport:
    """Start keeping ``export.path`` in sync and write it now; returns the stored export.
    The path is made absolute; a path already kept in sync is refused."""
    path = Path(export.path).expanduser().resolve()
    request_for(export)  # an unknown format is refused before anything is stored
    if not path.parent.is_dir():
        raise UserError(f"cannot keep {path} up to date: the folder {path.parent} does not exist")
    if any(Path(e.path) == path for e in store.auto_exports()):
        raise UserError(f"{path} is already kept up to date")
    export.path = str(path)
    with store.unit_of_work() as uow:
        export.id = uow.add_auto_export(export)
    outcome = run_one(store, export)
    if outcome.error:
        with store.unit_of_work() as uow:
            uow.remove_auto_export(export.id)
        raise UserError(outcome.error)
    return export


def remove(store: Store, export_id: int) -> None:
    """Stop keeping a file in sync; the file itself stays as it is."""
    if not any(e.id == export_id for e in store.auto_exports()):
        raise UserError(f"no auto-export with id {export_id}")
    with store.unit_of_work() as uow:
        uow.remove_auto_export(export_id)


def run_one(store: Store, export: AutoExport) -> AutoExportOutcome:
    """Bring one file up to date; a failure is reported, never raised (the change that
    triggered it is already saved)."""
    if export.tag_lost:
        return AutoExportOutcome(export, error=f"{export.path}: its tag was deleted; not updated")
    query = ReferenceQuery(tags=() if export.tag is None else (export.tag,))
    try:
        ids = store.query_ids(query)
        result = export_to_file(
            store.references, ids, request_for(export), Path(export.path), only_if_changed=True
        )
    except UserError as exc:
        return AutoExportOutcome(export, error=str(exc))
    if result.written and export.id is not None:
        with store.unit_of_work() as uow:
            uow.auto_export_written(export.id)
    return AutoExportOutcome(export, result=result)


def run_all(store: Store) -> list[AutoExportOutcome]:
    """Bring every auto-export up to date."""
    return [run_one(store, export) for export in store.auto_exports()]
