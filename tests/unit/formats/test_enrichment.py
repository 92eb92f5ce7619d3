"""Metadata read out of free text: tables of inputs and what must come out."""

from __future__ import annotations

import pytest

from refman.formats.enrichment import (
    Venue,
    code_url,
    find_venue,
    page_and_figure_counts,
    profile_venue,
    provisional_title,
    title_case,
)

TPAMI = "IEEE Transactions on Pattern Analysis and Machine Intelligence"

# (comments, journal reference, stored venue or None, venue year)
VENUES: list[tuple[str, str, str | None, int | None]] = [
    ("Accepted by CVPR2021", "", "CVPR 2021", 2021),
    ("accepted on IJCAI 2021", "", "IJCAI 2021", 2021),
    ("Accepted by IJCAI-21", "", "IJCAI 2021", 2021),
    ("ECCV 2020", "", "ECCV 2020", 2020),
    (
        "Accepted by NeurIPS2020 (The 34th Conference on Neural Information Processing Systems)",
        "",
        "NeurIPS 2020",
        2020,
    ),
    ("Accepted at ECCV'20", "", "ECCV 2020", 2020),
    ("Accepted at ECCV ’20", "", "ECCV 2020", 2020),
    ("AAAI 2022", "", "AAAI 2022", 2022),
    (
        "This paper was accepted by AAAI 2022 Conference on Artificial Intelligence",
        "",
        "AAAI 2022",
        2022,
    ),
    ("CVPR 2021 accepted paper. Code: https://github.com/GlassyWu/AECR-Net", "", "CVPR 2021", 2021),
    ("Accepted to NIPS 2017", "", "NeurIPS 2017", 2017),
    ("To appear in ICML 2019; 8 pages", "", "ICML 2019", 2019),
    (
        "Accepted to CVPR 2021 Workshop on Learning from Limited Labels",
        "",
        "CVPR 2021 Workshop",
        2021,
    ),
    ("Accepted by CVPR", "", "CVPR", None),
    ("9 pages, 6 figures\nAccepted by ICCV 2019", "", "ICCV 2019", 2019),
    (
        "Accepted by IEEE Transactions on Image Processing",
        "",
        "IEEE Transactions on Image Processing",
        None,
    ),
    ("Accepted by TPAMI 2022", "", TPAMI, 2022),
    ("", "IJCAI2021", "IJCAI 2021", 2021),
    ("", f"{TPAMI} (T-PAMI) 2021", TPAMI, 2021),
    ("", "Phys. Rev. D 99, 123456 (2019)", "Phys. Rev. D", 2019),
    ("", "Nature 589, 52-57 (2021)", "Nature", 2021),
    ("Accepted by CVPR2021", "ICCV 2021", "ICCV 2021", 2021),  # the journal reference wins
    # no venue
    ("9 pages, 6 figures", "", None, None),
    ("arXiv admin note: substantial text overlap with arXiv:1911.10862", "", None, None),
    ("The first three authors contributed equally; This is only a draft version", "", None, None),
    ("Submitted to CVPR 2022", "", None, None),
    ("Under review at NeurIPS 2021", "", None, None),
    ("Extended version of our ECCV 2020 paper", "", None, None),
    ("Code: https://github.com/foo/CVPR2021-bar", "", None, None),
    ("", "", None, None),
]


@pytest.mark.parametrize(("comments", "journal_ref", "display", "year"), VENUES)
def test_venue_table(
    comments: str, journal_ref: str, display: str | None, year: int | None
) -> None:
    venue = find_venue(comments, journal_ref)
    if display is None:
        assert venue is None
    else:
        assert venue is not None
        assert (venue.display, venue.year) == (display, year)


def test_venue_kinds_and_display_form() -> None:
    assert Venue("CVPR", 2021).display == "CVPR 2021"
    assert Venue("CVPR", None).display == "CVPR"
    assert Venue(TPAMI, 2021, "journal").display == TPAMI  # a journal name stands alone
    assert Venue("CVPR", 2021, workshop=True).display == "CVPR 2021 Workshop"
    tpami = find_venue("", f"{TPAMI} (T-PAMI) 2021")
    assert tpami is not None
    assert tpami.kind == "journal"


@pytest.mark.parametrize(
    ("label", "year", "stored"),
    [
        ("arXiv", 2022, "arXiv"),
        ("CVPR", 2020, "CVPR 2020"),
        ("NIPS", 2017, "NeurIPS 2017"),
        ("", 2020, ""),
    ],
)
def test_profile_venue(label: str, year: int, stored: str) -> None:
    assert profile_venue(label, year) == stored


# (comments, page count, figure count)
COUNTS: list[tuple[str, int | None, int | None]] = [
    ("9 pages, 6 figures", 9, 6),
    ("10 pages,7 figures", 10, 7),
    ("5 pages, 4 figures", 5, 4),
    ("11 pages, 3 figures", 11, 3),
    ("Accepted by CVPR2021\n8 pages", 8, None),
    ("1 figure", None, 1),
    ("12 pages, 1 table, 5 figs.", 12, 5),
    ("Main paper 8 pages + 4 pages supplementary, 6 Figures", 8, 6),
    ("Accepted by CVPR2021", None, None),
    ("IJCAI-21", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("comments", "pages", "figures"), COUNTS)
def test_page_and_figure_count_table(comments: str, pages: int | None, figures: int | None) -> None:
    assert page_and_figure_counts(comments) == (pages, figures)


# (comments, abstract, code URL)
CODE_URLS: list[tuple[str, str, str]] = [
    (
        "",
        "Code is available at https://github.com/Booooooooooo/CSD.",
        "https://github.com/Booooooooooo/CSD",
    ),
    (
        "",
        "Our code is available at \\url{https://github.com/zyxxmu/OptG}.",
        "https://github.com/zyxxmu/OptG",
    ),
    (
        "CVPR 2021 accepted paper. Code: https://github.com/GlassyWu/AECR-Net",
        "The code is released in https://github.com/GlassyWu/AECR-Net.",
        "https://github.com/GlassyWu/AECR-Net",
    ),
    ("Code: https://github.com/a/one", "See https://github.com/b/two", "https://github.com/a/one"),
    ("", "(code: https://github.com/a/b)", "https://github.com/a/b"),
    ("", "Code at https://github.com/tim-learn/DINE/.", "https://github.com/tim-learn/DINE"),
    ("", "Code: github.com/x/y, data elsewhere", "https://github.com/x/y"),
    ("", "Code: www.github.com/x/y", "https://www.github.com/x/y"),
    ("", "see https://gitlab.com/grp/proj; and more", "https://gitlab.com/grp/proj"),
    (
        "",
        "Page: https://example.org/p. Code at https://bitbucket.org/a/b.",
        "https://bitbucket.org/a/b",
    ),
    (
        "",
        "The implementation is available at https://example.org/code.",
        "https://example.org/code",
    ),
    ("", "\\href{https://github.com/h/r}{here}", "https://github.com/h/r"),
    ("", "benchmark (http://autodl.chalearn.org), the open-sourced code of the winners", ""),
    ("", "Visit https://example.org/demo for a demo.", ""),
    ("", "No links at all.", ""),
    ("", "", ""),
]


@pytest.mark.parametrize(("comments", "abstract", "url"), CODE_URLS)
def test_code_url_table(comments: str, abstract: str, url: str) -> None:
    assert code_url(comments, abstract) == url


# (abstract, provisional title)
TITLES: list[tuple[str, str]] = [
    (
        "Background matters. To settle the issue, we propose a novel Dual Reweighting Domain "
        "Generalization (DRDG) framework which reweights samples.",
        "DRDG: Dual Reweighting Domain Generalization",
    ),
    (
        "This paper focuses on filter-level network pruning. A novel pruning method, termed "
        "CLR-RNF, is proposed.",
        "CLR-RNF: Filter-Level Network Pruning",
    ),
    (
        "We design a novel generator-discriminator cooperative compression scheme for GAN "
        "compression, termed GCC. It works.",
        "GCC: Generator-Discriminator Cooperative Compression",
    ),
    (
        "Dehazing is hard. We term our dehazing network with autoencoder and contrastive "
        "regularization as AECR-Net. It works.",
        "AECR-Net: Dehazing Network with Autoencoder and Contrastive Regularization",
    ),
    (
        "Forgery is a problem. We propose a framework, named Dual Contrastive Learning (DCL), "
        "which works.",
        "DCL: Dual Contrastive Learning",
    ),
    (
        "Memory is a wall. We propose MPU (Memory-centric Processing Unit), the first processor.",
        "MPU: Memory-Centric Processing Unit",
    ),
    (
        "In this paper, binarized neural architecture search (BNAS), with a small space, is "
        "introduced to produce compressed models.",
        "BNAS: Binarized Neural Architecture Search",
    ),
    (
        "We introduce a Cogradient Descent algorithm (CoGD) to address the bilinear problem.",
        "CoGD: Cogradient Descent",
    ),
    (
        "Image-text matching is an important multi-modal task with massive applications. It "
        "tries to match.",
        "Image-text matching is an important multi-modal task with massive applications",
    ),
    (
        "Generative adversarial networks (GANs) are popular for many tasks. We study them.",
        "Generative adversarial networks (GANs) are popular for many tasks",
    ),
    (
        "Models (e.g. ResNets) are deep. They work.",
        "Models (e.g. ResNets) are deep",
    ),
    (
        "Over the last decade, artificial intelligence has found many applications areas in "
        "the society.",
        "Over the last decade, artificial intelligence has found many applications areas…",
    ),
    (
        "This paper reports the results and post-challenge analyses of ChaLearn's AutoDL "
        "challenge series, which helped sorting out a profusion of solutions.",
        "Results and post-challenge analyses of ChaLearn's AutoDL challenge series",
    ),
    ("One", "One"),
    ("   ", "Untitled"),
    ("", "Untitled"),
]


@pytest.mark.parametrize(("abstract", "title"), TITLES)
def test_provisional_title_table(abstract: str, title: str) -> None:
    assert provisional_title(abstract) == title


def test_provisional_title_is_short_and_never_empty() -> None:
    long = " ".join(["word"] * 60) + "."
    title = provisional_title(long)
    assert title.endswith("…")
    assert len(title.split()) == 12
    assert provisional_title("", "arXiv:2106.16128") == "arXiv:2106.16128"


@pytest.mark.parametrize(
    ("phrase", "cased"),
    [
        ("contrastive self-distillation", "Contrastive Self-Distillation"),
        ("grow-and-prune", "Grow-and-Prune"),
        ("dehazing network with autoencoder", "Dehazing Network with Autoencoder"),
        ("k-Reciprocal nearest filter", "k-Reciprocal Nearest Filter"),
        ("differentiable mask and a co-Attention", "Differentiable Mask and a Co-Attention"),
        ("t-SNE plots", "t-SNE Plots"),
        ("of SpMV kernels", "Of SpMV Kernels"),
    ],
)
def test_title_case(phrase: str, cased: str) -> None:
    assert title_case(phrase) == cased
