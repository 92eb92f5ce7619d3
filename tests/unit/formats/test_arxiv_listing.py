"""The arXiv listing reader: the real seeds, each variation real dumps show, and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from refman.domain import Reference
from refman.formats import arxiv_listing
from refman.formats.arxiv_listing import parse_arxiv_id, sniff
from refman.formats.base import FormatError
from refman.formats.text_decoding import decode
from tests.unit.formats.support import SOURCE, lines, listing, read_seed, seed_text

LISTING_SEEDS = ("000", "001", "003", "004")


def by_id(references: list[Reference]) -> dict[str, Reference]:
    return {ref.arxiv_id: ref for ref in references}


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[Reference]]:
    return {prefix: read_seed(prefix) for prefix in LISTING_SEEDS}


@pytest.fixture(scope="module")
def papers(seeds: dict[str, list[Reference]]) -> dict[str, Reference]:
    """Every listing paper by arXiv id (the later file wins for the eight met twice)."""
    return {ref.arxiv_id: ref for refs in seeds.values() for ref in refs}


# ------------------------------------------------------------------------- the seeds


@pytest.mark.parametrize("prefix", LISTING_SEEDS)
def test_each_listing_seed_holds_ten_records(
    seeds: dict[str, list[Reference]], prefix: str
) -> None:
    assert len(seeds[prefix]) == 10
    assert len(by_id(seeds[prefix])) == 10


def test_listings_hold_32_papers_8_of_them_in_000_and_001(
    seeds: dict[str, list[Reference]], papers: dict[str, Reference]
) -> None:
    assert len(papers) == 32
    overlap = by_id(seeds["000"]).keys() & by_id(seeds["001"]).keys()
    assert len(overlap) == 8
    assert not by_id(seeds["003"]).keys() & by_id(seeds["004"]).keys()


def test_a_mentioned_identifier_makes_no_record(papers: dict[str, Reference]) -> None:
    assert "1911.10862" not in papers
    assert papers["2009.04247"].comments == (
        "arXiv admin note: substantial text overlap with arXiv:1911.10862"
    )


def test_drdg_2106_16128(papers: dict[str, Reference]) -> None:
    ref = papers["2106.16128"]
    assert ref.venue == "IJCAI 2021"
    assert ref.comments == "accepted on IJCAI 2021"
    assert ref.entry_type == "preprint"
    assert ref.year == 2021
    assert ref.date == dt.date(2021, 6, 30)
    assert ref.doi == "10.48550/arXiv.2106.16128"
    assert ref.url == "https://arxiv.org/abs/2106.16128"
    assert ref.arxiv_version is None
    assert ref.title == "DRDG: Dual Reweighting Domain Generalization"
    assert ref.title_provisional
    assert ref.abstract.startswith("Face anti-spoofing approaches based on domain")
    assert ref.abstract.endswith("against the state-of-the-art competitors.")
    assert not ref.authors


def test_provenance_names_file_first_line_format_and_raw_record() -> None:
    refs = read_seed("000")
    first, second = refs[0].provenance[0], refs[1].provenance[0]
    assert first.source.endswith("000_9ae25896bb0d60b4.txt")
    assert (first.line, second.line) == (1, 8)
    assert first.format == arxiv_listing.NAME == "arxiv-listing"
    assert first.raw.startswith("Face anti-spoofing approaches")
    assert first.raw.endswith("accepted on IJCAI 2021\n\narXiv:2106.16128\nCreated: 2021-06-30")
    assert all(len(ref.provenance) == 1 for ref in refs)


def test_tpami_journal_reference_2201_03801(papers: dict[str, Reference]) -> None:
    ref = papers["2201.03801"]
    assert ref.journal_ref == (
        "IEEE Transactions on Pattern Analysis and Machine Intelligence (T-PAMI) 2021"
    )
    assert ref.venue == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    assert ref.entry_type == "article"
    assert ref.abstract.startswith("This paper reports the results and post-challenge")
    assert ref.comments == (
        "The first three authors contributed equally; This is only a draft version"
    )
    # the glued next abstract starts after the journal reference's year
    assert papers["2201.01034"].abstract.startswith("In this paper, we discover two factors")


def test_gcc_2110_14439(papers: dict[str, Reference]) -> None:
    ref = papers["2110.14439"]
    assert ref.venue == "NeurIPS 2021"
    assert ref.code_url == "https://github.com/SJLeo/GCC"
    assert ref.abstract.startswith("Recently, a series of algorithms have been explored")
    assert ref.year == 2021
    assert ref.date is None  # the compact form has no Created: lines


@pytest.mark.parametrize(
    ("arxiv_id", "venue"),
    [
        ("2106.09958", "IJCAI 2021"),  # journal reference "IJCAI2021"
        ("2105.11683", "IJCAI 2021"),  # "Accepted by IJCAI-21"
        ("2105.10203", "CVPR 2021"),  # "Accepted by CVPR2021"
        ("2104.09367", "CVPR 2021"),  # "CVPR 2021 accepted paper. Code: ..."
        ("2011.04212", "ECCV 2020"),  # "ECCV 2020"
        ("2009.13055", "NeurIPS 2020"),  # "Accepted by NeurIPS2020 (The 34th ...)"
        ("2007.01546", "ECCV 2020"),  # "Accepted at ECCV'20"
        ("2112.13522", "AAAI 2022"),  # "This paper was accepted by AAAI 2022 ..."
        ("2112.06658", "AAAI 2022"),  # "AAAI 2022"
        ("2106.16064", ""),
        ("2009.05757", ""),  # "9 pages, 6 figures"
    ],
)
def test_venues_of_the_seed_papers(papers: dict[str, Reference], arxiv_id: str, venue: str) -> None:
    assert papers[arxiv_id].venue == venue


def test_journal_reference_on_a_conference_makes_inproceedings(
    papers: dict[str, Reference],
) -> None:
    assert papers["2106.09958"].journal_ref == "IJCAI2021"
    assert papers["2106.09958"].entry_type == "inproceedings"
    assert papers["2105.10203"].entry_type == "preprint"


@pytest.mark.parametrize(
    ("arxiv_id", "pages", "figures"),
    [
        ("2009.05757", 9, 6),
        ("2007.13249", 8, 3),
        ("2103.06553", 5, 4),
        ("2201.12826", 11, 3),
        ("2201.01034", 10, 7),  # "10 pages,7 figures"
        ("2106.16128", None, None),
    ],
)
def test_page_and_figure_counts(
    papers: dict[str, Reference], arxiv_id: str, pages: int | None, figures: int | None
) -> None:
    assert (papers[arxiv_id].page_count, papers[arxiv_id].figure_count) == (pages, figures)


@pytest.mark.parametrize(
    ("arxiv_id", "url"),
    [
        ("2104.09367", "https://github.com/GlassyWu/AECR-Net"),  # from the comment
        ("2105.11683", "https://github.com/Booooooooooo/CSD"),  # trailing full stop
        ("2201.12826", "https://github.com/zyxxmu/OptG"),  # \url{...}.
        ("2202.07190", "https://github.com/lmbxmu/CLR-RNF"),
        ("2201.03801", ""),  # a benchmark link, not code
        ("2106.16128", ""),
    ],
)
def test_code_urls(papers: dict[str, Reference], arxiv_id: str, url: str) -> None:
    assert papers[arxiv_id].code_url == url


def test_compact_form_dates_come_from_the_identifier(seeds: dict[str, list[Reference]]) -> None:
    years = {ref.arxiv_id: ref.year for ref in seeds["004"]}
    assert years["2202.07190"] == 2022
    assert years["2109.12252"] == 2021
    assert all(ref.date is None for ref in seeds["004"])
    last = seeds["004"][-1]
    assert last.arxiv_id == "2109.12252"  # the file ends without a newline
    assert last.abstract.startswith("Natural image matting estimates the alpha values")


def test_compact_form_provenance(seeds: dict[str, list[Reference]]) -> None:
    first, second = seeds["004"][0].provenance[0], seeds["004"][1].provenance[0]
    assert (first.line, second.line) == (1, 2)
    assert first.raw.endswith("https://github.com/lmbxmu/CLR-RNF.\narXiv:2202.07190")
    assert second.raw.startswith("Network sparsity receives popularity")
    assert second.raw.endswith("11 pages, 3 figures\narXiv:2201.12826")


def test_no_seed_abstract_holds_a_structural_line(papers: dict[str, Reference]) -> None:
    for ref in papers.values():
        assert "arXiv:2" not in ref.abstract
        assert "Created:" not in ref.abstract
        assert "\n" not in ref.abstract
        assert ref.title
        assert ref.title_provisional
        assert ref.doi == f"10.48550/arXiv.{ref.arxiv_id}"


SEED_TITLES = [
    ("2006.09142", "CoGD: Cogradient Descent"),
    ("2007.01546", "MEB-Net: Multiple Expert Brainstorming Network"),
    ("2007.13249", "DDAN: Dual Distribution Alignment Network"),
    ("2007.13264", "DTDN: Dynamic Task-Oriented Disentangling Network"),
    ("2008.00698", "ABanditNAS: Anti-Bandit NAS"),
    ("2009.04247", "BNAS: Binarized Neural Architecture Search"),
    ("2009.05757", "DSM: Decouple the Scene and the Motion"),
    ("2009.13055", "RBNN: Rotated Binary Neural Network"),
    ("2011.04212", "PAMS: PArameterized Max Scale"),
    ("2011.08382", "DMAD: Differentiable Mask and a Co-Attention Distillation"),
    (
        "2103.04852",
        "Over the last decade, artificial intelligence has found many applications areas…",
    ),
    (
        "2103.06553",
        "Here we use low-temperature scanning tunneling microscopy and spectroscopy to reveal…",
    ),
    ("2103.06653", "MPU: Memory-Centric Processing Unit"),
    ("2104.02862", "VSD: Variational Self-Distillation"),
    ("2104.09367", "AECR-Net: Dehazing Network with Autoencoder and Contrastive Regularization"),
    (
        "2104.10406",
        "Image-text matching is an important multi-modal task with massive applications",
    ),
    ("2105.10203", "RFCR: Receptive Field Component Reasoning"),
    ("2105.11683", "CSD: Contrastive Self-Distillation"),
    ("2106.09857", "GaP: Grow-and-Prune"),
    (
        "2106.09958",
        "Novelty detection is the process of determining whether a query example differs…",
    ),
    (
        "2106.16064",
        "Sparse matrix-vector and matrix-matrix multiplication (SpMV and SpMM) are fundamental "
        "in both…",
    ),
    ("2106.16128", "DRDG: Dual Reweighting Domain Generalization"),
    ("2109.12252", "LFPNet: Long-Range Feature Propagating Network"),
    ("2110.08797", "LaConv: Language-Dependent Convolution"),
    ("2110.14439", "GCC: Generator-Discriminator Cooperative Compression"),
    ("2111.09136", "IntraQ: Zero-Shot Quantization Method"),
    ("2112.06658", "LLTA: Learning to Learn Transferable Attack"),
    ("2112.13522", "DCL: Dual Contrastive Learning"),
    ("2201.01034", "DECLoss: Detail Enhanced Contrastive Loss"),
    ("2201.03801", "Results and post-challenge analyses of ChaLearn's AutoDL challenge series"),
    ("2201.12826", "OptG: Optimize Gradient-Driven Sparsity"),
    ("2202.07190", "CLR-RNF: Filter-Level Network Pruning"),
]


def test_provisional_titles_of_all_32_papers(papers: dict[str, Reference]) -> None:
    """Reviewed by hand: a named method where the abstract names one, else its opening."""
    assert {arxiv_id: ref.title for arxiv_id, ref in papers.items()} == dict(SEED_TITLES)


# ------------------------------------------------------------------ crafted variations

ABSTRACT = "We study widgets. Widgets are small."
OTHER = "Gadgets are large. We measure them."


def test_version_suffix_is_kept_apart() -> None:
    (ref,) = listing(f"{ABSTRACT}\n\narXiv:2106.16128v2\nCreated: 2021-07-02\n")
    assert (ref.arxiv_id, ref.arxiv_version) == ("2106.16128", 2)
    assert ref.doi == "10.48550/arXiv.2106.16128"
    assert ref.url == "https://arxiv.org/abs/2106.16128"


@pytest.mark.parametrize(
    ("line", "arxiv_id", "year"),
    [
        ("arXiv:hep-th/9901001", "hep-th/9901001", 1999),
        ("arXiv:math.GT/0309136", "math.GT/0309136", 2003),
        ("arXiv:cond-mat/0102536v3", "cond-mat/0102536", 2001),
        ("arXiv:1412.6980", "1412.6980", 2014),  # four digits after the dot before 2015
        ("arXiv:0704.0001", "0704.0001", 2007),
    ],
)
def test_identifier_forms_and_year_without_created_line(
    line: str, arxiv_id: str, year: int
) -> None:
    (ref,) = listing(f"{ABSTRACT}\n\n{line}\n")
    assert ref.arxiv_id == arxiv_id
    assert ref.year == year
    assert ref.date is None
    assert ref.doi == f"10.48550/arXiv.{arxiv_id}"
    assert ref.url == f"https://arxiv.org/abs/{arxiv_id}"


def test_missing_created_line_takes_the_year_from_the_identifier() -> None:
    refs = listing(
        f"{ABSTRACT}\n\narXiv:2106.16128\n\n{OTHER}\n\narXiv:2012.00001\nCreated: 2020-12-01\n"
    )
    assert [(ref.year, ref.date) for ref in refs] == [
        (2021, None),
        (2020, dt.date(2020, 12, 1)),
    ]


def test_several_comment_lines_and_paragraphs() -> None:
    (ref,) = listing(
        f"{ABSTRACT}\n\nAccepted by CVPR2021\n9 pages, 6 figures\n\n"
        "Code: https://github.com/a/b\n\narXiv:2104.00001\nCreated: 2021-04-01\n"
    )
    assert ref.abstract == ABSTRACT
    assert ref.comments == "Accepted by CVPR2021\n9 pages, 6 figures\nCode: https://github.com/a/b"
    assert (ref.venue, ref.page_count, ref.figure_count) == ("CVPR 2021", 9, 6)
    assert ref.code_url == "https://github.com/a/b"


def test_abstract_wrapped_over_lines_is_one_paragraph() -> None:
    (ref,) = listing("We study\nwidgets.  \nThey are small.\n\narXiv:2104.00001\n")
    assert ref.abstract == "We study widgets. They are small."
    assert ref.comments == ""


def test_journal_reference_after_a_dash() -> None:
    (ref,) = listing(
        f"{ABSTRACT}\n\narXiv:2106.09958 - Phys. Rev. D 99, 123456 (2019)\nCreated: 2021-06-18\n"
    )
    assert ref.journal_ref == "Phys. Rev. D 99, 123456 (2019)"
    assert ref.venue == "Phys. Rev. D"
    assert ref.entry_type == "article"
    assert ref.abstract == ABSTRACT


def test_crlf_line_ends_through_decoding() -> None:
    text = (
        f"{ABSTRACT}\r\n\r\nAccepted by CVPR2021\r\n\r\narXiv:2105.10203\r\nCreated: 2021-05-21\r\n"
    )
    (ref,) = listing(decode(text.encode(), SOURCE))
    assert (ref.abstract, ref.comments, ref.venue) == (
        ABSTRACT,
        "Accepted by CVPR2021",
        "CVPR 2021",
    )
    assert ref.date == dt.date(2021, 5, 21)
    assert "\r" not in ref.provenance[0].raw


def test_crlf_lines_given_directly() -> None:
    text = f"{ABSTRACT}\r\n\r\narXiv:2105.10203\r\nCreated: 2021-05-21\r\n"
    (ref,) = arxiv_listing.read(text.splitlines(keepends=True), SOURCE)
    assert (ref.abstract, ref.arxiv_id, ref.date) == (ABSTRACT, "2105.10203", dt.date(2021, 5, 21))


def test_trailing_whitespace_and_indentation() -> None:
    (ref,) = listing(
        f"  {ABSTRACT}   \n \t \n ECCV 2020 \t\n\n  arXiv:2011.04212  \n Created: 2020-11-09 \n\n"
    )
    assert (ref.abstract, ref.comments, ref.arxiv_id) == (ABSTRACT, "ECCV 2020", "2011.04212")
    assert ref.date == dt.date(2020, 11, 9)


@pytest.mark.parametrize(
    "ending", ["arXiv:2106.16128", "arXiv:2106.16128\nCreated: 2021-06-30", "arXiv:2106.16128 "]
)
def test_final_record_without_newline(ending: str) -> None:
    refs = listing(f"{OTHER}\n\narXiv:2106.16064\n\n{ABSTRACT}\n\n{ending}")
    assert [ref.arxiv_id for ref in refs] == ["2106.16064", "2106.16128"]
    assert refs[1].abstract == ABSTRACT


def test_created_line_may_be_separated_by_a_blank_line() -> None:
    (ref,) = listing(f"{ABSTRACT}\n\narXiv:2106.16128\n\nCreated: 2021-06-30\n")
    assert ref.date == dt.date(2021, 6, 30)
    assert ref.provenance[0].raw.endswith("arXiv:2106.16128\n\nCreated: 2021-06-30")


def test_comment_mentioning_identifiers_is_a_comment() -> None:
    refs = listing(
        f"{ABSTRACT}\n\narXiv admin note: substantial text overlap with arXiv:1911.10862\n"
        "arXiv:1911.10862 is the conference version\narXiv:1911.10862.\n\n"
        "arXiv:2009.04247\nCreated: 2020-09-08\n"
    )
    assert [ref.arxiv_id for ref in refs] == ["2009.04247"]
    assert refs[0].comments == (
        "arXiv admin note: substantial text overlap with arXiv:1911.10862\n"
        "arXiv:1911.10862 is the conference version\narXiv:1911.10862."
    )


def test_compact_form_glues_identifier_to_next_abstract() -> None:
    refs = listing(
        f"{ABSTRACT}\narXiv:2202.07190{OTHER}\n11 pages, 3 figures\n"
        "arXiv:2201.12826Third abstract here.\nAAAI 2022\narXiv:2112.06658"
    )
    assert [(ref.arxiv_id, ref.abstract, ref.comments) for ref in refs] == [
        ("2202.07190", ABSTRACT, ""),
        ("2201.12826", OTHER, "11 pages, 3 figures"),
        ("2112.06658", "Third abstract here.", "AAAI 2022"),
    ]
    assert [ref.provenance[0].line for ref in refs] == [1, 2, 4]
    assert refs[1].provenance[0].raw == f"{OTHER}\n11 pages, 3 figures\narXiv:2201.12826"


@pytest.mark.parametrize(
    ("journal", "glued"),
    [
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence (T-PAMI) 2021", "In this"),
        ("Phys. Rev. Lett. 123, 456 (2019)", "Recent work"),
        ("IJCAI2021", "A novel"),
        ("Nature 2020", "we report"),  # lower-case start: cut after the year
    ],
)
def test_compact_form_journal_reference_ends_where_the_abstract_starts(
    journal: str, glued: str
) -> None:
    refs = listing(f"{ABSTRACT}\narXiv:2201.03801 - {journal}{glued} paper.\narXiv:2201.01034")
    assert refs[0].journal_ref == journal
    assert refs[1].abstract == f"{glued} paper."


def test_compact_form_journal_reference_alone_on_its_line() -> None:
    refs = listing(f"{ABSTRACT}\narXiv:2201.03801 - IJCAI2021\n{OTHER}\narXiv:2201.01034")
    assert [(ref.journal_ref, ref.abstract) for ref in refs] == [
        ("IJCAI2021", ABSTRACT),
        ("", OTHER),
    ]


def test_lower_case_prefix_is_accepted() -> None:
    (ref,) = listing(f"{ABSTRACT}\n\narxiv:2106.16128\n")
    assert ref.arxiv_id == "2106.16128"


def test_records_are_yielded_as_they_complete() -> None:
    records = arxiv_listing.read(
        iter(lines(f"{ABSTRACT}\n\narXiv:2106.16128\n\n{OTHER}\n\narXiv:2106.16064\n")), SOURCE
    )
    assert next(records).arxiv_id == "2106.16128"
    assert next(records).arxiv_id == "2106.16064"


@pytest.mark.parametrize(
    ("text", "arxiv_id", "version", "year"),
    [
        ("2106.16128v2", "2106.16128", 2, 2021),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None, 1999),
        (" arXiv: 1412.6980v10 ", "1412.6980", 10, 2014),
    ],
)
def test_parse_arxiv_id(text: str, arxiv_id: str, version: int | None, year: int) -> None:
    parsed = parse_arxiv_id(text)
    assert parsed is not None
    assert (parsed.id, parsed.version, parsed.year) == (arxiv_id, version, year)


@pytest.mark.parametrize("text", ["2113.00001", "2106.1612", "hep-th/99010", "foo", ""])
def test_parse_arxiv_id_refuses_malformed(text: str) -> None:
    assert parse_arxiv_id(text) is None


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Just prose.\n\nMore prose.\n", 1, "no arXiv:<id> line found"),
        ("\n\n  Prose after blank lines.\n", 3, "no arXiv:<id> line found"),
        ("arXiv:2106.16128\nCreated: 2021-06-30\n", 1, "has no abstract"),
        (f"{ABSTRACT}\n\narXiv:2106.16128\narXiv:2106.16064\n", 4, "has no abstract"),
        (f"{ABSTRACT}\n\narXiv:2106.16128\n\nDangling abstract.\n", 5, "text after the last"),
        (f"{ABSTRACT}\n\narXiv:2113.00001\n", 3, "malformed arXiv identifier"),
        (f"{ABSTRACT}\n\narXiv:2106.1612\n", 3, "malformed arXiv identifier"),
        (f"{ABSTRACT}\n\narXiv:hep-th/990100\n", 3, "malformed arXiv identifier"),
        ("Created: 2021-06-30\n", 1, "must directly follow"),
        (f"{ABSTRACT}\nCreated: 2021-06-30\n\narXiv:2106.16128\n", 2, "must directly follow"),
        (
            f"{ABSTRACT}\n\narXiv:2106.16128\nCreated: 2021-06-30\nCreated: 2021-06-30\n",
            5,
            "follow",
        ),
        (f"{ABSTRACT}\n\narXiv:2106.16128\nCreated: 2021-02-30\n", 4, "malformed Created:"),
        (f"{ABSTRACT}\n\narXiv:2106.16128\nCreated: June 2021\n", 4, "malformed Created:"),
        (f"{ABSTRACT}\narXiv:2106.16128arXiv:2106.16064\n", 2, "runs into another"),
        (
            f"{ABSTRACT}\narXiv:2201.03801 - {'x' * 300}\n{OTHER}\narXiv:2201.01034",
            2,
            "cannot tell where the journal reference",
        ),
    ],
)
def test_parse_errors_name_source_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FormatError, match=message) as caught:
        listing(text, "dump.txt")
    assert caught.value.source == "dump.txt"
    assert caught.value.line == line
    assert str(caught.value).startswith(f"dump.txt:{line}: ")


@pytest.mark.parametrize("text", ["", "\n\n", "  \n\t\n"])
def test_empty_listing_is_refused(text: str) -> None:
    with pytest.raises(FormatError, match="empty") as caught:
        listing(text)
    assert caught.value.line is None


# ------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize("prefix", LISTING_SEEDS)
def test_sniff_accepts_the_listing_seeds(prefix: str) -> None:
    assert sniff(seed_text(prefix)[:65536])


@pytest.mark.parametrize(
    "head",
    [
        seed_text("002")[:65536],  # a profile page
        "@article{key,\n  title = {T},\n}\narXiv:2106.16128\n",  # BibTeX
        "% Encoding: UTF-8\n\n@misc{k}\narXiv:2106.16128\n",  # JabRef header
        "TY  - JOUR\nTI  - T\nER  - \narXiv:2106.16128\n",  # RIS
        "Just prose.\n\nWith arXiv:2106.16128 inside a line.\n",
        "A comment.\narXiv:1911.10862 is the companion paper.\n",
        "",
    ],
)
def test_sniff_refuses_other_text(head: str) -> None:
    assert not sniff(head)
