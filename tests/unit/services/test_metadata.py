"""Fetching metadata into the library, adding by identifier and downloading arXiv PDFs,
over replayed responses: the per-field diff, applying and undoing it, what is refused,
and that a failure leaves the library unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from refman.domain import Person, Reference
from refman.services.errors import UserError
from refman.services.library import Library
from refman.services.lookup import OfflineError, ServiceError
from refman.services.metadata import (
    FetchOutcome,
    FieldChange,
    field_changes,
    updates_for,
)
from refman.storage.store import ConflictError
from tests.lookup_fakes import (
    ARXIV_API,
    PDF_BYTES,
    FakeWeb,
    by_id_list,
    crossref,
    entry,
)

SPMM = "2106.16128"
NOVELTY = "2106.16064"
SPMM_TITLE = "Efficient Sparse Matrix Kernels based on Adaptive Workload-Balancing"
SPMM_AUTHORS = ("Guyue Huang", "Guohao Dai", "Yu Wang")
NATURE_DOI = "10.1038/nature14539"


def arxiv_web() -> FakeWeb:
    """arXiv knowing the first two seed papers (and nothing else)."""
    return FakeWeb().on(
        ARXIV_API,
        by_id_list(
            {
                SPMM: entry(SPMM, SPMM_TITLE, SPMM_AUTHORS, version=3, primary="cs.DC"),
                NOVELTY: entry(NOVELTY, "Novelty Detection via Contrastive Learning"),
            }
        ),
    )


def names(changes: list[FieldChange]) -> list[str]:
    return [c.name for c in changes]


# --- the diff ------------------------------------------------------------------------------
def test_a_provisional_title_is_replaced_and_the_rest_filled() -> None:
    current = Reference(
        entry_type="preprint",
        title="Sparse matrix kernels",
        title_provisional=True,
        arxiv_id=SPMM,
        arxiv_version=1,
        doi=f"10.48550/arXiv.{SPMM}",
        abstract="Ours.",
        year=2021,
    )
    fetched = Reference(
        entry_type="preprint",
        title=SPMM_TITLE,
        arxiv_id=SPMM,
        arxiv_version=3,
        doi=f"10.48550/arXiv.{SPMM}",
        abstract="Theirs.",
        year=2021,
        date=dt.date(2021, 6, 30),
        url=f"https://arxiv.org/abs/{SPMM}",
        extra={"categories": "cs.DC cs.LG", "primaryclass": "cs.DC"},
        authors=[Person("Huang", "Guyue")],
    )
    changes = field_changes(current, fetched)
    assert names(changes) == [
        "title",
        "authors",
        "date",
        "arxiv_version",
        "extra.categories",
        "extra.primaryclass",
        "url",
    ]
    title = changes[0]
    assert (title.label, title.old_text, title.new_text) == (
        "Title",
        "Sparse matrix kernels",
        SPMM_TITLE,
    )
    assert changes[1].old_text == ""
    assert changes[1].new_text == "Guyue Huang"
    assert changes[4].label == "Categories"


def test_what_a_fetch_never_proposes() -> None:
    current = Reference(
        entry_type="article",
        title="Deep  learning",
        venue="Nature",
        doi="10.1038/NATURE14539",
        abstract="A user's own abstract.",
        extra={"issn": "0028-0836", "categories": "cs.LG"},
        authors=[Person("LeCun", "Yann")],
    )
    fetched = Reference(
        entry_type="preprint",  # generic: never replaces a specific type
        title="Deep learning",  # the same, spaces aside
        venue="",  # not knowing is not knowledge
        doi="10.48550/arXiv.1234.5678",  # arXiv's DOI never replaces a publisher's
        abstract="Another abstract.",  # an abstract is only filled, never replaced
        extra={"issn": "1476-4687", "categories": "cs.LG"},
        authors=[Person("LeCun", "Yann")],
    )
    assert field_changes(current, fetched) == []
    fetched.entry_type = "misc"
    fetched.doi = "10.1038/nature14539"  # the same DOI, case aside
    assert field_changes(current, fetched) == []


def test_a_real_title_that_differs_is_proposed_and_types_may_specialise() -> None:
    current = Reference(entry_type="misc", title="Old", year=2020)
    fetched = Reference(entry_type="preprint", title="New", year=2021)
    assert [(c.name, c.old, c.new) for c in field_changes(current, fetched)] == [
        ("title", "Old", "New"),
        ("entry_type", "misc", "preprint"),
        ("year", 2020, 2021),
    ]


def test_updates_for_accepted_fields_and_their_undo() -> None:
    outcome = FetchOutcome(
        reference_id=7,
        version=3,
        citekey="k",
        title="Provisional",
        title_provisional=True,
        identifier=None,
        changes=(
            FieldChange("title", "Provisional", "Real"),
            FieldChange("year", None, 2021),
            FieldChange("extra.categories", None, "cs.CV"),
        ),
    )
    forward, backward = updates_for([outcome], {7: {"title", "extra.categories"}})
    assert forward[0].values == {
        "title": "Real",
        "title_provisional": False,
        "extra.categories": "cs.CV",
    }
    assert forward[0].version == 3
    assert backward[0].values == {
        "title": "Provisional",
        "title_provisional": True,
        "extra.categories": None,
    }
    assert backward[0].version is None
    assert updates_for([outcome], {7: set()}) == ([], [])
    assert len(updates_for([outcome])[0][0].values) == 4  # None accepts everything


# --- fetching into a library ---------------------------------------------------------------
def test_fetch_apply_and_undo_on_the_seeds(seeded: Library) -> None:
    spmm, novelty = seeded.resolve([SPMM, NOVELTY])
    profile = [r.id for r in seeded.references() if not (r.arxiv_id or r.doi or r.url)][:1]
    assert profile
    before = {ref.id: ref for ref in seeded.load([spmm, novelty, *profile])}
    web = arxiv_web()
    with web.client() as client:
        outcomes = seeded.fetch_metadata([spmm, novelty, *profile], client)
    assert web.arxiv_id_lists() == [f"{SPMM},{NOVELTY}"]  # one request for both
    first, second, third = outcomes
    assert first.identifier is not None
    assert str(first.identifier) == f"arXiv:{SPMM}"
    assert "title" in names(list(first.changes))
    assert "authors" in names(list(second.changes))
    assert third.error == "no arXiv id or DOI to look it up by"
    assert seeded.load([spmm])[0].title == before[spmm].title  # nothing written yet

    forward, backward = updates_for(outcomes)
    commits = seeded.store.commits
    changed = seeded.apply_metadata(forward)
    assert seeded.store.commits == commits + 1  # one transaction
    assert changed.reference_ids == {spmm, novelty}
    ref = seeded.get(spmm)
    assert ref.title == SPMM_TITLE
    assert not ref.title_provisional
    assert [p.display_name for p in ref.authors] == list(SPMM_AUTHORS)
    assert ref.arxiv_version == 3
    assert ref.extra["categories"] == "cs.DC cs.LG"
    assert ref.version == before[spmm].version + 1
    assert spmm in seeded.search("workload balancing").ids
    assert spmm in seeded.search("author:guohao").ids

    seeded.apply_metadata(backward)
    restored = seeded.get(spmm)
    assert restored.title == before[spmm].title
    assert restored.title_provisional
    assert restored.authors == before[spmm].authors
    assert restored.extra == before[spmm].extra
    assert restored.arxiv_version == before[spmm].arxiv_version


def test_only_accepted_fields_are_written(seeded: Library) -> None:
    (spmm,) = seeded.resolve([SPMM])
    with arxiv_web().client() as client:
        (outcome,) = seeded.fetch_metadata([spmm], client)
    forward, _backward = updates_for([outcome], {spmm: {"authors"}})
    seeded.apply_metadata(forward)
    ref = seeded.get(spmm)
    assert ref.title_provisional
    assert ref.authors[0].family == "Huang"
    assert "categories" not in ref.extra


def test_a_reference_edited_since_the_fetch_is_not_overwritten(seeded: Library) -> None:
    spmm, novelty = seeded.resolve([SPMM, NOVELTY])
    with arxiv_web().client() as client:
        outcomes = seeded.fetch_metadata([spmm, novelty], client)
    seeded.update_fields(novelty, {"venue": "Mine"}, seeded.get(novelty).version)
    forward, _backward = updates_for(outcomes)
    with pytest.raises(ConflictError, match="fetch again"):
        seeded.apply_metadata(forward)
    assert seeded.get(spmm).title_provisional  # all or nothing


def test_a_doi_is_fetched_from_crossref(library: Library, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text(f"@misc{{lecun, title = {{deep learning paper}}, doi = {{{NATURE_DOI}}}}}\n")
    library.import_files([bib])
    (ref_id,) = library.resolve(["lecun"])
    web = FakeWeb().on(
        f"api.crossref.org/works/{NATURE_DOI}", crossref("work_journal-article_nature.json")
    )
    with web.client() as client:
        (outcome,) = library.fetch_metadata([ref_id], client)
    assert names(list(outcome.changes)) == [
        "title",
        "authors",
        "entry_type",
        "year",
        "date",
        "venue",
        "volume",
        "issue",
        "pages",
        "publisher",
        "extra.issn",
        "url",
        "abstract",
    ]
    library.apply_metadata(updates_for([outcome])[0])
    ref = library.get(ref_id)
    assert (ref.title, ref.venue, ref.entry_type) == ("Deep learning", "Nature", "article")


def test_offline_fetch_raises_and_writes_nothing(seeded: Library) -> None:
    (spmm,) = seeded.resolve([SPMM])
    web = FakeWeb().on(ARXIV_API, httpx.ConnectError("[Errno 101] Network is unreachable"))
    commits = seeded.store.commits
    with web.client() as client, pytest.raises(OfflineError, match="network is unreachable"):
        seeded.fetch_metadata([spmm], client)
    assert seeded.store.commits == commits


# --- adding by identifier ------------------------------------------------------------------
def test_add_an_arxiv_paper_then_again(library: Library) -> None:
    web = arxiv_web()
    with web.client() as client:
        changed, (outcome,) = library.add_by_identifier([f"https://arxiv.org/abs/{SPMM}v1"], client)
    assert outcome.created
    assert changed.count == 1
    assert changed.everything
    ref = library.get(outcome.reference_id or 0)
    assert ref.title == SPMM_TITLE
    assert ref.citekey == "huang2021efficient"
    assert ref.arxiv_id == SPMM
    assert ref.provenance[0].format == "arxiv-atom"
    assert ref.provenance[0].source.endswith(f"id_list={SPMM}")
    assert SPMM in web.arxiv_id_lists()[0]

    requests, commits = len(web.requests), library.store.commits
    with web.client() as client:
        changed, (again,) = library.add_by_identifier([f"arXiv:{SPMM}"], client)
    assert not again.created
    assert again.reference_id == outcome.reference_id
    assert changed.count == 0
    assert len(web.requests) == requests  # known without asking arXiv
    assert library.store.commits == commits
    assert library.count() == 1


def test_add_a_doi_and_an_arxiv_doi(library: Library) -> None:
    web = arxiv_web().on(
        f"api.crossref.org/works/{NATURE_DOI}", crossref("work_journal-article_nature.json")
    )
    with web.client() as client:
        changed, outcomes = library.add_by_identifier(
            [f"https://doi.org/{NATURE_DOI}", f"10.48550/arXiv.{NOVELTY}"], client
        )
    assert [o.created for o in outcomes] == [True, True]
    assert changed.count == 2
    titles = sorted(r.title for r in library.references())
    assert titles == ["Deep learning", "Novelty Detection via Contrastive Learning"]


def test_a_paper_known_by_its_publisher_doi_is_not_added_twice(library: Library) -> None:
    bib = Path(library.store.url.removeprefix("sqlite:///")).parent / "published.bib"
    bib.write_text("@article{pub, title = {Published version}, doi = {10.1145/12345}}\n")
    library.import_files([bib])
    web = FakeWeb().on(
        ARXIV_API,
        by_id_list(
            {SPMM: entry(SPMM, SPMM_TITLE, more="    <arxiv:doi>10.1145/12345</arxiv:doi>\n")}
        ),
    )
    with web.client() as client:
        changed, (outcome,) = library.add_by_identifier([SPMM], client)
    assert not outcome.created
    assert outcome.reference_id == library.resolve(["pub"])[0]
    assert changed.count == 0
    assert library.count() == 1


def test_add_reports_what_is_not_found_and_what_is_in_the_trash(library: Library) -> None:
    web = arxiv_web()
    with web.client() as client:
        _changed, (added,) = library.add_by_identifier([SPMM], client)
    library.trash([added.reference_id or 0])
    commits = library.store.commits
    with web.client() as client:
        changed, (trashed, missing) = library.add_by_identifier([SPMM, "2106.99999"], client)
    assert trashed.trashed
    assert trashed.reference_id == added.reference_id
    assert missing.error == "arXiv has no paper 2106.99999"
    assert missing.reference_id is None
    assert changed.count == 0
    assert library.store.commits == commits


def test_add_refuses_text_that_is_no_identifier(library: Library) -> None:
    with FakeWeb().client() as client, pytest.raises(UserError, match="not an arXiv id, a DOI"):
        library.add_by_identifier(["2106.1612"], client)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("[Errno 111] Connection refused"), httpx.ReadTimeout("timed out")],
)
def test_add_offline_or_timing_out_changes_nothing(library: Library, failure: Exception) -> None:
    web = FakeWeb().on(ARXIV_API, failure)
    with web.client() as client, pytest.raises((OfflineError, ServiceError)):
        library.add_by_identifier([SPMM], client)
    assert library.count() == 0
    assert library.store.commits == 0


# --- downloading PDFs ----------------------------------------------------------------------
def pdf_web() -> FakeWeb:
    return arxiv_web().on(
        f"arxiv.org/pdf/{SPMM}", (200, PDF_BYTES, {"Content-Type": "application/pdf"})
    )


def test_download_pdf_attaches_a_copy(library: Library) -> None:
    web = pdf_web()
    with web.client() as client:
        _changed, (added,) = library.add_by_identifier([SPMM], client)
        ref_id = added.reference_id or 0
        changed, (outcome,) = library.download_pdfs([ref_id], client)
    assert changed.reference_ids == {ref_id}
    assert outcome.new
    assert outcome.attachment is not None
    folder = library.attachment_folder()
    assert sorted(p.name for p in folder.iterdir()) == ["huang2021efficient.pdf"]
    assert (folder / "huang2021efficient.pdf").read_bytes() == PDF_BYTES
    pdf = library.pdf_file(ref_id)
    assert pdf is not None
    assert pdf.name == "huang2021efficient.pdf"
    # The arXiv limiter spaced the lookup and the download.
    assert web.times[-1] - web.times[0] >= 3.0

    requests = len(web.requests)
    with web.client() as client:
        changed, (again,) = library.download_pdfs([ref_id], client)
    assert again.error == "already has a PDF (huang2021efficient.pdf)"
    assert changed.count == 0
    assert len(web.requests) == requests


def test_download_pdf_needs_an_arxiv_id(library: Library, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text("@article{pub, title = {Journal only}, doi = {10.1145/12345}}\n")
    library.import_files([bib])
    with FakeWeb().client() as client:
        _changed, (outcome,) = library.download_pdfs(library.resolve(["pub"]), client)
    assert outcome.error == "no arXiv id: only arXiv PDFs"


def test_a_failed_download_leaves_no_file(library: Library) -> None:
    web = arxiv_web().on(f"arxiv.org/pdf/{SPMM}", (200, b"<html>captcha</html>", {}))
    with web.client() as client:
        _changed, (added,) = library.add_by_identifier([SPMM], client)
        changed, (outcome,) = library.download_pdfs([added.reference_id or 0], client)
    assert outcome.error == f"arXiv did not send a PDF for {SPMM}"
    assert changed.count == 0
    folder = library.attachment_folder()
    assert not folder.exists() or list(folder.iterdir()) == []
    assert library.get(added.reference_id or 0).attachments == []


def test_offline_downloads_stop_and_keep_what_came_before(library: Library) -> None:
    third = "2106.09958"
    web = FakeWeb().on(
        ARXIV_API,
        by_id_list(
            {
                i: entry(i, f"Paper {i}", (f"Author {n}",))
                for n, i in enumerate((SPMM, NOVELTY, third))
            }
        ),
    )
    web.on(f"arxiv.org/pdf/{SPMM}", (200, PDF_BYTES, {}))
    web.on(f"arxiv.org/pdf/{NOVELTY}", httpx.ConnectError("[Errno 101] Network is unreachable"))
    with web.client() as client:
        _changed, outcomes = library.add_by_identifier([SPMM, NOVELTY, third], client)
        ids = [o.reference_id or 0 for o in outcomes]
        changed, (first, second, last) = library.download_pdfs(ids, client)
    assert first.new
    assert second.error == "cannot reach arxiv.org (network is unreachable)"
    assert last.error == "not tried"
    assert changed.reference_ids == {ids[0]}
    assert not any(r.url.path.endswith(third) for r in web.requests)
