"""The duplicate finder on crafted pairs: what must cluster, what must not, and why."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from refman.domain import Person, Reference
from refman.services.duplicates import (
    ABSTRACT,
    ARXIV,
    DOI,
    MISSING_AUTHORS_FACTOR,
    TITLE,
    YEAR_FACTOR,
    Cluster,
    arxiv_key,
    doi_key,
)
from refman.services.library import Library

pytestmark = pytest.mark.both_backends

_keys = itertools.count()

DRDG_ABSTRACT = (
    "Face anti-spoofing approaches based on domain generalization (DG) have drawn growing "
    "attention due to their robustness for unseen scenarios. Existing DG methods assume "
    "that the domain label is known. However, in real-world applications, the collected "
    "dataset always contains mixture domains, where the domain label is unknown. In this "
    "case, most of existing methods may not work. Further, even if we can obtain the "
    "domain label as existing methods, we think this is just a sub-optimal partition. To "
    "overcome the limitation, we propose domain dynamic adjustment meta-learning (D2AM) "
    "without using domain labels, which iteratively divides mixture domains via "
    "discriminative domain representation and trains a generalizable face anti-spoofing "
    "with meta-learning."
)


def add(library: Library, **fields: Any) -> int:
    """Insert one reference as given, bypassing the importer's own duplicate matching."""
    fields.setdefault("citekey", f"key{next(_keys)}")
    fields.setdefault("entry_type", "article")
    with library.store.unit_of_work() as uow:
        (ref_id,) = uow.insert_references([Reference(**fields)])
    return ref_id


def feng(year: int = 2022, **fields: Any) -> dict[str, Any]:
    return {"year": year, "authors": [Person("Feng", "Jiashi"), Person("Yu", "Weihao")], **fields}


def only(library: Library) -> Cluster:
    (cluster,) = library.duplicates()
    return cluster


def test_the_same_arxiv_paper_with_and_without_a_version_suffix(library: Library) -> None:
    plain = add(library, title="DRDG", title_provisional=True, arxiv_id="2106.16128", year=2021)
    versioned = add(library, title="Other listing title", arxiv_id="2106.16128v2", year=2021)
    by_doi = add(library, title="Dual Reweighting DG", doi="10.48550/arXiv.2106.16128")
    by_url = add(library, title="DRDG again", url="https://arxiv.org/abs/2106.16128v3")
    add(library, title="A neighbour", arxiv_id="2106.16129")
    cluster = only(library)
    assert cluster.ids == tuple(sorted((plain, versioned, by_doi, by_url)))
    assert (cluster.reason, cluster.confidence, cluster.reasons) == (ARXIV, 1.0, (ARXIV,))


def test_the_same_doi_in_a_different_case_and_form(library: Library) -> None:
    a = add(library, title="Strip Pooling", doi="10.1109/CVPR42600.2020.00406", year=2020)
    b = add(library, title="Strip pooling", doi="10.1109/cvpr42600.2020.00406", year=2020)
    c = add(library, title="Strip pooling.", doi="https://doi.org/10.1109/CVPR42600.2020.00406")
    add(library, title="Strip Pooling II", doi="10.1109/CVPR42600.2020.00407")
    cluster = only(library)
    assert cluster.ids == (a, b, c)
    assert cluster.reason == DOI
    assert cluster.confidence == 1.0


def test_a_title_differing_in_case_and_punctuation(library: Library) -> None:
    a = add(library, title="MetaFormer Is Actually What You Need for Vision", **feng())
    b = add(library, title="Metaformer: is actually what you need for vision.", **feng())
    cluster = only(library)
    assert (cluster.ids, cluster.reason, cluster.confidence) == ((a, b), TITLE, 1.0)


def test_a_typo_without_authors_and_a_year_apart_is_less_sure(library: Library) -> None:
    a = add(library, title="MetaFormer Is Actually What You Need for Vision", **feng(2022))
    b = add(library, title="MetaFormer Is Actualy What You Need for Vision", year=2021)
    cluster = only(library)
    assert (cluster.ids, cluster.reason) == ((a, b), TITLE)
    surest = MISSING_AUTHORS_FACTOR * YEAR_FACTOR  # an exact title without authors, a year off
    assert surest * 0.9 < cluster.confidence < surest


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # one word swapped for another: 96 by characters, two different papers
        (
            {"title": "Vision Transformers for Dense Prediction", **feng(2021)},
            {"title": "Video Transformers for Dense Prediction", **feng(2021)},
        ),
        # a word and its negation ("unsupervised" holds "supervised": matching's fragment
        # rule alone would take them for one word)
        (
            {"title": "Supervised Domain Adaptation for Segmentation", **feng(2019)},
            {"title": "Unsupervised Domain Adaptation for Segmentation", **feng(2019)},
        ),
        # the same title by a different first author
        (
            {"title": "Learning to Adapt Structured Output Space", **feng(2018)},
            {
                "title": "Learning to Adapt Structured Output Space",
                "year": 2018,
                "authors": [Person("Tsai", "Yi-Hsuan"), Person("Feng", "Jiashi")],
            },
        ),
        # the same title three years apart
        (
            {"title": "Deep Learning Face Attributes in the Wild", **feng(2015)},
            {"title": "Deep Learning Face Attributes in the Wild", **feng(2018)},
        ),
        # numbers differ
        (
            {"title": "YOLOv2: Better, Faster, Stronger", **feng(2017)},
            {"title": "YOLOv3: Better, Faster, Stronger", **feng(2017)},
        ),
        # the same title, two arXiv papers
        (
            {"title": "A Survey on Vision Transformer", "arxiv_id": "2012.12556", **feng(2021)},
            {"title": "A Survey on Vision Transformer", "arxiv_id": "2101.01169", **feng(2021)},
        ),
        # the same title, two DOIs (a conference paper and its journal extension)
        (
            {"title": "Dual Path Networks", "doi": "10.5555/3294996.3295202", **feng(2017)},
            {"title": "Dual Path Networks", "doi": "10.1109/TPAMI.2019.2927356", **feng(2017)},
        ),
        # the same title, a book and an article
        (
            {"title": "Pattern Recognition", "entry_type": "book", **feng(2006)},
            {"title": "Pattern Recognition", "entry_type": "article", **feng(2006)},
        ),
    ],
)
def test_similar_but_different_papers_do_not_cluster(
    library: Library, first: dict[str, Any], second: dict[str, Any]
) -> None:
    add(library, **first)
    add(library, **second)
    assert library.duplicates() == []


def test_a_provisional_title_is_compared_on_the_abstract(library: Library) -> None:
    listing = add(
        library,
        title="D2AM: Domain Dynamic Adjustment Meta-Learning",
        title_provisional=True,
        abstract=DRDG_ABSTRACT.replace(". ", ".\n"),  # line breaks as in a listing
        arxiv_id="2106.16128",
        year=2021,
        entry_type="preprint",
    )
    published = add(
        library,
        title="Generalizable Representation Learning for Mixture Domain Face Anti-Spoofing",
        abstract=DRDG_ABSTRACT.replace("growing", "increasing").replace("mixture", "mixed", 1),
        doi="10.1609/aaai.v35i2.16178",
        year=2021,
        entry_type="inproceedings",
        authors=[Person("Chen", "Zhihong")],
    )
    # shares the first sentence, then differs
    add(
        library,
        title="Face anti-spoofing approaches ...",
        title_provisional=True,
        abstract=DRDG_ABSTRACT[:200] + " We study depth cues from monocular video instead, "
        "with a temporal model trained on synthetic data and evaluated on four benchmarks "
        "where it outperforms the state of the art by a wide margin in every protocol.",
        arxiv_id="2107.00001",
        year=2021,
    )
    cluster = only(library)
    assert (cluster.ids, cluster.reason) == ((listing, published), ABSTRACT)
    assert 0.8 < cluster.confidence < 0.95


def test_an_abstract_match_needs_a_compatible_year(library: Library) -> None:
    add(library, title="Listing", title_provisional=True, abstract=DRDG_ABSTRACT, year=2021)
    add(library, title="Published much later", abstract=DRDG_ABSTRACT, year=2025)
    assert library.duplicates() == []


def test_not_a_duplicate_is_remembered(library: Library) -> None:
    a = add(library, title="Strip Pooling", doi="10.1109/X.1")
    b = add(library, title="Strip Pooling", doi="10.1109/x.1")
    c = add(library, title="Strip Pooling", doi="10.1109/X.1")
    assert only(library).ids == (a, b, c)
    assert library.mark_not_duplicates([a, b]).count == 1
    assert library.mark_not_duplicates([b, a]).count == 0
    clusters = library.duplicates()
    assert clusters != []
    assert not any({a, b} <= set(cluster.ids) for cluster in clusters)
    library.mark_not_duplicates([a, b, c])
    assert library.duplicates() == []
    assert library.unmark_not_duplicates([a, b, c]).count == 3
    assert only(library).ids == (a, b, c)


def test_trashed_references_are_not_compared(library: Library) -> None:
    a = add(library, title="Strip Pooling", doi="10.1109/X.1")
    add(library, title="Strip Pooling", doi="10.1109/x.1")
    library.trash([a])
    assert library.duplicates() == []


def test_min_confidence_filters_and_order_is_surest_first(library: Library) -> None:
    add(library, title="MetaFormer Is Actually What You Need for Vision", **feng(2022))
    add(library, title="MetaFormer Is Actualy What You Need for Vision", year=2021)
    add(library, title="Strip Pooling", doi="10.1109/X.1")
    add(library, title="Strip Pooling", doi="10.1109/x.1")
    clusters = library.duplicates()
    assert [c.reason for c in clusters] == [DOI, TITLE]
    assert [c.reason for c in library.duplicates(min_confidence=0.95)] == [DOI]
    assert library.duplicates() == clusters  # the same answer every time


def test_identifier_matches_with_unrelated_titles_are_less_sure(library: Library) -> None:
    add(library, title="Strip Pooling: Rethinking Spatial Pooling", doi="10.1109/X.1")
    add(library, title="Bayesian Optimisation of Soup Recipes", doi="10.1109/X.1")
    cluster = only(library)
    assert cluster.reason == DOI
    assert cluster.confidence < 0.9


def test_keys_for_comparing_identifiers() -> None:
    assert arxiv_key("arXiv:2106.16128v2") == arxiv_key("2106.16128") == "2106.16128"
    assert arxiv_key("hep-th/9901001v3") == "hep-th/9901001"
    assert doi_key(" https://doi.org/10.1109/CVPR.2021.X ") == "10.1109/cvpr.2021.x"
    assert doi_key("doi:10.1/ABC") == "10.1/abc"


def test_the_seeds_hold_no_duplicates(seeded: Library) -> None:
    # The listings' overlap (000/001) is merged by the import; the profile's 47 works and
    # the 32 listing papers are all different papers (nearest titles score 62, nearest
    # abstracts 61).
    assert seeded.count() == 79
    assert seeded.duplicates() == []
