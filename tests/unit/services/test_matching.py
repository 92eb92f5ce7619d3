"""Title matching: the table that justifies the thresholds in refman.services.matching."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from refman.domain.text import Work, title_key, work_of
from refman.services.matching import (
    TITLE_SIMILARITY_THRESHOLD,
    TitleIndex,
    titles_match,
    years_compatible,
)

SAME_PAPER = [
    (
        "MetaFormer Is Actually What You Need for Vision",
        "Metaformer is actually what you need for vision.",
    ),
    (
        "MetaFormer Is Actually What You Need for Vision",
        "MetaFormer Is Actualy What You Need for Vision",
    ),
    (
        "Scaling & Shifting Your Features: A New Baseline for Efficient Model Tuning",
        "Scaling and Shifting Your Features: A New Baseline for Efficient Model Tuning",
    ),
    (
        "Towards Understanding the Generalization of Self-Distillation",
        "Towards understanding the generalisation of self distillation",
    ),
    (
        "Rethinking the Inception Architecture for Computer Vision",
        "Rethinking the Inception Architecture for Computer Vison",
    ),
    (
        "Masked Autoencoders Are Scalable Vision Learners",
        "Masked Auto-Encoders Are Scalable Vision Learners",
    ),
    ("Équivariance in Deep Networks", "Equivariance in deep networks"),
]

DIFFERENT_PAPERS = [
    # one word swapped: character similarity is high, but these are different papers
    (
        "Contrastive Masked Autoencoders are Stronger Vision Learners",
        "Contrastive Masked Autoencoders are Stronger Video Learners",
    ),
    (
        "Masked Autoencoders Are Scalable Vision Learners",
        "Masked Autoencoders Are Scalable Audio Learners",
    ),
    ("Vision Transformers for Dense Prediction", "Vision Transformers for Sparse Prediction"),
    (
        "Unsupervised Domain Adaptation for Semantic Segmentation",
        "Unsupervised Domain Adaptation for Instance Segmentation",
    ),
    (
        "Learning Transferable Visual Models From Natural Language Supervision",
        "Learning Transferable Visual Models From Noisy Language Supervision",
    ),
    (
        "Deep Residual Learning for Image Recognition",
        "Deep Residual Learning for Image Restoration",
    ),
    # a number or roman numeral differs
    ("Generative Adversarial Networks, Part I", "Generative Adversarial Networks, Part II"),
    # a word and its negated form: two papers (the fragment rule would take them for one)
    (
        "Supervised Domain Adaptation for Semantic Segmentation",
        "Unsupervised Domain Adaptation for Semantic Segmentation",
    ),
    ("YOLOv3: An Incremental Improvement", "YOLOv4: An Incremental Improvement"),
    (
        "CMAE-V: Contrastive Masked Autoencoders for Video Action Recognition",
        "CMAE: Contrastive Masked Autoencoders for Image Recognition",
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME_PAPER)
def test_variants_of_one_title_match(a: str, b: str) -> None:
    assert titles_match(title_key(a), title_key(b))
    assert fuzz.ratio(title_key(a), title_key(b)) >= TITLE_SIMILARITY_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PAPERS)
def test_different_papers_do_not_match(a: str, b: str) -> None:
    assert not titles_match(title_key(a), title_key(b))
    assert not titles_match(title_key(b), title_key(a))


def test_years_compatible_allows_preprint_then_publication() -> None:
    assert years_compatible(2021, 2022)
    assert years_compatible(None, 2022)
    assert not years_compatible(2019, 2022)


def paper(year: int | None, author: str = "") -> Work:
    return work_of(year, author, "article")


def test_title_index_finds_typo_through_another_word() -> None:
    index: TitleIndex[str] = TitleIndex()
    index.add(title_key("MetaFormer Is Actually What You Need for Vision"), paper(2022), "mf")
    index.add(title_key("Masked Autoencoders Are Scalable Vision Learners"), paper(2021), "mae")
    typo = title_key("Metaformr is actually what you need for vision")
    assert index.find(typo, paper(2022)) == "mf"
    exact = title_key("MetaFormer Is Actually What You Need for Vision")
    assert index.find(exact, paper(2015)) is None
    assert (
        index.find(title_key("Masked Autoencoders Are Scalable Audio Learners"), paper(2022))
        is None
    )


def test_same_title_is_another_work_with_another_first_author_or_kind() -> None:
    index: TitleIndex[str] = TitleIndex()
    key = title_key("Introduction to Algorithms")
    index.add(key, work_of(2009, "cormen", "book"), "clrs")
    assert index.find(key, work_of(2009, "cormen", "book")) == "clrs"
    assert index.find(key, work_of(2009, "", "")) == "clrs"  # unknown author and kind agree
    assert index.find(key, work_of(2009, "smith", "book")) is None  # another author
    assert index.find(key, work_of(2009, "cormen", "article")) is None  # a review of it
    index.add(key, work_of(2010, "lee", "preprint"), "lee")
    assert index.find(key, work_of(2010, "lee", "inproceedings")) == "lee"  # one paper's life


def test_record_matcher_targets_library_then_earlier_records() -> None:
    from refman.services.matching import RecordMatcher

    metaformer = title_key("MetaFormer Is Actually What You Need for Vision")
    matcher = RecordMatcher({"2106.16128": 1}, {"10.1000/x": 2}, {metaformer: [(3, paper(2022))]})
    assert matcher.match("2106.16128", "10.1000/x", "", paper(None)) == 1  # arXiv id first
    assert matcher.match("", "10.1000/x", metaformer, paper(2022)) == 2  # then the DOI
    typo = title_key("Metaformer is actualy what you need for vision")
    assert matcher.match("", "", typo, paper(2021)) == 3
    assert matcher.match("2301.00001", "", "", paper(None)) is None  # new: the import's first
    assert matcher.match("2301.00002", "", metaformer, paper(2015)) is None  # year too far
    assert matcher.match("2301.00001", "", "", paper(None)) == -1
    assert matcher.match("", "", metaformer, paper(2016)) == -2
    assert matcher.new_count == 2
