"""Formatted bibliographies: the bundled styles, golden outputs, escaping, errors, caching.

The goldens in ``tests/data/golden/csl/`` are three seed papers (a listing preprint with a
provisional title, a journal article from a listing, a profile preprint by Jiashi Feng) in
each style and output. After a deliberate change, rewrite them with
``REFMAN_UPDATE_GOLDENS=1 pytest tests/unit/services/test_citing.py`` and read the diff.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import os
import re
import threading
from pathlib import Path

import pytest
from citeproc import Citation, CitationStylesBibliography
from citeproc.frontend import CitationStylesStyle
from citeproc.source import BibliographySource
from lxml import etree

from refman.app import open_library
from refman.domain import Person, Reference
from refman.resources import resource_path, resources_dir
from refman.services import citing
from refman.services.errors import UserError
from tests.conftest import SEED_FILES

GOLDEN = Path(__file__).parents[2] / "data" / "golden" / "csl"
EXTENSIONS = {"text": "txt", "html": "html", "markdown": "md"}
UPDATE = os.environ.get("REFMAN_UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="module")
def seed_library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Reference]:
    """The 79 references of the imported seeds, as the library gives them, by citekey."""
    library = open_library(str(tmp_path_factory.mktemp("seeded") / "library.sqlite"))
    try:
        library.import_files(SEED_FILES)
        return {ref.citekey: ref for ref in library.references()}
    finally:
        library.store.close()


@pytest.fixture
def papers(seed_library: dict[str, Reference]) -> list[Reference]:
    """Three seed papers: two listing records (a preprint, a journal article) by arXiv id
    and a profile work by its title."""
    by_arxiv = {ref.arxiv_id: ref for ref in seed_library.values() if ref.arxiv_id}
    metaformer = next(
        ref
        for ref in seed_library.values()
        if ref.title == "MetaFormer Is Actually What You Need for Vision"
    )
    return [by_arxiv["2106.16128"], by_arxiv["2201.03801"], metaformer]


def metaformer() -> Reference:
    return Reference(
        entry_type="inproceedings",
        citekey="yu2022metaformer",
        title="MetaFormer is actually what you need for vision",
        authors=[
            Person("Yu", "Weihao"),
            Person("Luo", "Mi"),
            Person("Zhou", "Pan"),
            Person("Si", "Chenyang"),
            Person("Zhou", "Yichen"),
            Person("Wang", "Xinchao"),
            Person("Feng", "Jiashi"),
            Person("Yan", "Shuicheng"),
        ],
        year=2022,
        date=dt.date(2022, 6, 18),
        venue="Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        pages="10819--10829",
        publisher="IEEE",
        doi="10.1109/CVPR52688.2022.01055",
    )


def resnet() -> Reference:
    return Reference(
        entry_type="article",
        title="Deep residual learning for image recognition",
        authors=[Person("He", "Kaiming"), Person("Zhang", "Xiangyu"), Person("Ren", "Shaoqing")],
        year=2016,
        venue="IEEE Transactions on Pattern Analysis and Machine Intelligence",
        volume="38",
        issue="2",
        pages="295--307",
        doi="10.1109/TPAMI.2015.2439",
    )


# --- the bundled styles ----------------------------------------------------------------


def test_every_style_is_bundled_independent_and_attributed() -> None:
    readme = resource_path("csl", "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 3.0" in readme
    assert "https://citationstyles.org/" in readme
    for style in citing.STYLES:
        path = citing.style_path(style)
        assert path == resources_dir() / "csl" / f"{style}.csl"
        root = etree.parse(str(path)).getroot()
        ns = {"cs": "http://purl.org/net/xbiblio/csl"}
        assert root.find("cs:bibliography", ns) is not None, style
        assert not root.findall("cs:info/cs:link[@rel='independent-parent']", ns), style
        assert "creativecommons.org/licenses/by-sa/3.0" in path.read_text(encoding="utf-8")
        assert f"{style}.csl" in readme
    assert sorted(p.name for p in (resources_dir() / "csl").glob("*.csl")) == sorted(
        f"{style}.csl" for style in citing.STYLES
    )


@pytest.mark.parametrize("style", sorted(citing.STYLES))
def test_every_style_passes_citeproc_pys_schema(style: str) -> None:
    """The check citeproc-py does (as a warning) when it loads a style; refman skips it
    at run time, so it is made here."""
    import citeproc

    schema = etree.RelaxNG(etree.parse(citeproc.SCHEMA_PATH))
    assert schema.validate(etree.parse(str(citing.style_path(style)))), schema.error_log


def test_resources_are_found_in_a_pyinstaller_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert resources_dir() == Path(__file__).parents[3] / "resources"
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resource_path("csl", "apa.csl") == tmp_path / "resources" / "csl" / "apa.csl"


def test_an_unknown_style_is_a_user_error_naming_the_styles() -> None:
    with pytest.raises(UserError) as caught:
        citing.format_bibliography([resnet()], "mla", "text")
    message = str(caught.value)
    assert "'mla'" in message
    assert all(style in message for style in citing.STYLES)


def test_an_unknown_output_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="rtf"):
        citing.format_bibliography([resnet()], "apa", "rtf")  # type: ignore[arg-type]


# --- goldens ---------------------------------------------------------------------------


@pytest.mark.parametrize("output", citing.OUTPUTS)
@pytest.mark.parametrize("style", sorted(citing.STYLES))
def test_goldens(papers: list[Reference], style: str, output: citing.Output) -> None:
    rendered = citing.format_bibliography(papers, style, output) + "\n"
    path = GOLDEN / f"{style}.{EXTENSIONS[output]}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("style", sorted(citing.STYLES))
def test_every_seed_reference_renders_in_every_style(
    seed_library: dict[str, Reference], style: str
) -> None:
    refs = list(seed_library.values())
    for output in citing.OUTPUTS:
        rendered = citing.format_bibliography(refs, style, output)
        entries = rendered.split("\n\n" if output == "markdown" else "\n")
        if output == "html":
            entries = [e for e in entries if "csl-entry" in e]
        assert len(entries) == 79
        assert all(len(entry) > 20 for entry in entries)


def test_apa_looks_like_apa(papers: list[Reference]) -> None:
    text = citing.format_bibliography([*papers, metaformer()], "apa", "text").splitlines()
    assert text[1] == ("Feng, J. (2022). MetaFormer Is Actually What You Need for Vision. arXiv.")
    assert text[-1].startswith(
        "Yu, W., Luo, M., Zhou, P., Si, C., Zhou, Y., Wang, X., Feng, J., & Yan, S. (2022). "
        "MetaFormer is actually what you need for vision. "
    )
    assert text[-1].endswith("10819–10829. https://doi.org/10.1109/CVPR52688.2022.01055")
    # an authorless preprint: its (provisional) title stands in for the authors, once
    assert text[0].startswith("DRDG: Dual Reweighting Domain Generalization. (2021). ")
    assert text[0].count("DRDG") == 1
    assert "(arXiv:2106.16128). arXiv. https://doi.org/10.48550/arXiv.2106.16128" in text[0]


@pytest.mark.parametrize("output", citing.OUTPUTS)
def test_ieee_numbers_are_followed_by_a_space(output: citing.Output) -> None:
    rendered = citing.format_citations([resnet(), metaformer()], "ieee", output)
    first, second = {
        "text": ("[1] K. He", "[2] W. Yu"),
        "html": ('<div class="csl-entry">[1] K. He', '<div class="csl-entry">[2] W. Yu'),
        "markdown": ("\\[1\\] K. He", "\\[2\\] W. Yu"),
    }[output]
    assert first in rendered
    assert second in rendered
    assert "]K." not in rendered


def test_localised_date_delimiters_and_numbers_with_a_space() -> None:
    ref = resnet()
    ref.date = dt.date(2016, 2, 1)
    text = citing.format_citations([ref], "vancouver", "text")
    assert text.startswith("1. He K, Zhang X, Ren S. ")
    assert "2016 Feb 1;38(2):295–307." in text


def test_entries_follow_the_style_order() -> None:
    refs = [metaformer(), resnet()]
    apa = citing.format_bibliography(refs, "apa", "text").splitlines()
    assert [line[:3] for line in apa] == ["He,", "Yu,"]  # alphabetical
    ieee = citing.format_bibliography(refs, "ieee", "text").splitlines()
    assert [line[:9] for line in ieee] == ["[1] W. Yu", "[2] K. He"]  # as given


# --- markup and escaping ---------------------------------------------------------------


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def hostile() -> Reference:
    return Reference(
        entry_type="article",
        title="<img src=x onerror=alert(1)> & <script>x</script> *not* _bold_ [link](y)",
        authors=[Person("O'Brien <b>", "Ann & Bo")],
        year=2020,
        venue="Journal of <i>Things</i>",
        volume="1",
        pages="1--2",
    )


@pytest.mark.parametrize("style", sorted(citing.STYLES))
def test_html_escapes_the_data(style: str) -> None:
    rendered = citing.format_bibliography([hostile()], style, "html")
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered.lower()  # (Chicago: title case)
    assert "&lt;script&gt;" in rendered
    assert "&amp;" in rendered
    parser = _Tags()
    parser.feed(rendered)
    assert parser.tags <= {"div", "i", "b", "sup", "sub", "span"}
    assert "img" not in parser.tags
    assert "script" not in parser.tags


@pytest.mark.parametrize("style", sorted(citing.STYLES))
def test_markdown_escapes_the_data_and_marks_emphasis(style: str) -> None:
    rendered = citing.format_bibliography([hostile()], style, "markdown")
    assert "\\<img src=x onerror=alert(1)\\>" in rendered.lower()
    assert "\\*not\\* \\_bold\\_ \\[link\\](y)" in rendered
    assert "<script>" not in rendered
    assert not re.search(r"(?<!\\)<(?!/?su[bp]>)", rendered)


def test_markdown_italics_and_bold() -> None:
    nature = citing.format_bibliography([resnet()], "nature", "markdown")
    assert "*IEEE Transactions on Pattern Analysis and Machine Intelligence* **38**, " in nature
    assert nature.startswith("1\\. He, K.")  # not a Markdown list
    apa = citing.format_bibliography([resnet()], "apa", "markdown")
    assert "*38*(2)" in apa


def test_markdown_drops_empty_emphasis_and_keeps_spaces_outside_it() -> None:
    entry = f"A {citing._OPEN['i']} Title{citing._CLOSE['i']}{citing._OPEN['b']}"
    entry += f"{citing._CLOSE['b']}."
    assert citing._finish(entry, "markdown") == "A *Title*."
    assert citing._finish(entry, "html") == "A <i>Title</i>."


def test_text_has_no_markup() -> None:
    text = citing.format_bibliography([hostile(), resnet()], "nature", "text")
    assert "<img src=x onerror=alert(1)>" in text
    assert not re.search("[\ue000-\ue01f]", text)
    assert "**" not in text


def test_marks_smuggled_in_the_data_are_dropped() -> None:
    ref = resnet()
    ref.title = "Deep \ue000residual\ue010 learning"
    rendered = citing.format_bibliography([ref], "apa", "html")
    assert "Deep residual learning" in rendered


def test_a_provisional_or_missing_title_is_cited() -> None:
    provisional = Reference(
        entry_type="preprint",
        title="GaP: Grow-and-Prune",
        title_provisional=True,
        arxiv_id="2106.09857",
        year=2021,
    )
    untitled = Reference(
        entry_type="preprint",
        abstract="We propose a novel Dual Reweighting Domain Generalization (DRDG) framework.",
        year=2021,
    )
    text = citing.format_bibliography([provisional, untitled], "ieee", "text")
    assert "“GaP: Grow-and-Prune,”" in text
    assert "“DRDG: Dual Reweighting Domain Generalization,”" in text


def test_mixed_case_words_are_not_capitalised() -> None:
    ref = Reference(entry_type="preprint", title="T", arxiv_id="2101.00001", year=2021)
    rendered = citing.format_citations([ref], "apa", "text")
    assert rendered == "T (arXiv:2101.00001). (2021). arXiv."
    assert "ArXiv" not in citing.format_citations([ref], "chicago-author-date", "text")


def test_american_punctuation_goes_inside_quotes() -> None:
    chicago = citing.format_bibliography([resnet()], "chicago-author-date", "text")
    assert "“Deep Residual Learning for Image Recognition.” IEEE" in chicago
    nature = citing.format_bibliography([resnet()], "nature", "text")  # British: no quotes
    assert "Deep residual learning for image recognition. IEEE" in nature


def test_line_breaks_in_fields_do_not_split_an_entry() -> None:
    ref = resnet()
    ref.title = "Deep residual\nlearning"
    assert len(citing.format_bibliography([ref, metaformer()], "apa", "text").splitlines()) == 2


def test_empty_selections_and_repeated_references() -> None:
    assert citing.format_citations([], "apa", "html") == ""
    ref = resnet()
    ref.id = 7
    assert citing.format_citations([ref, ref], "apa", "text").count("\n") == 0


def test_citations_are_the_bibliography_entries_of_the_selection() -> None:
    refs = [metaformer(), resnet()]
    for output in citing.OUTPUTS:
        assert citing.format_citations(refs, "harvard-cite-them-right", output) == (
            citing.format_bibliography(refs, "harvard-cite-them-right", output)
        )


# --- caching and threads ---------------------------------------------------------------


def stock_render(style: str, refs: list[Reference]) -> list[str]:
    """``refs`` rendered by citeproc-py's own classes (the same XML fixes applied)."""
    stock = CitationStylesStyle(str(citing.style_path(style)), validate=False)
    citing._space_after_first_field(stock.root)
    citing._localised_date_delimiters(stock.root)
    source = BibliographySource()
    cites = []
    for n, ref in enumerate(refs):
        reference = citing._citeproc_reference(f"r{n}", ref)
        source.add(reference)
        cites.append(citing._Cite(f"r{n}", reference))
    bibliography = CitationStylesBibliography(stock, source, citing._Marks)
    for cite in cites:
        bibliography.register(Citation([cite]))
    bibliography.sort()
    return [str(entry) for entry in bibliography.bibliography()]


def tied() -> list[Reference]:
    """References the first sort keys do not tell apart (the same authors, years and
    titles), so later keys decide, with titles that compare as numbers ("9" < "10") and
    as text ("10" < "1a"). (All have authors: without, our substitute differs on purpose.)"""
    authors = ([Person("Smith", "A.")], [Person("Smith", "A."), Person("Lee", "B")])
    return [
        Reference(
            entry_type=("article", "book", "misc", "inproceedings")[n % 4],
            title=("10", "9", "1a", "Alpha", "alpha", "Beta")[n % 6],
            authors=list(authors[n % 2]),
            year=(2020, 2021, None)[n // 12],
            venue=("Nature", "", "CVPR")[n % 3],
            volume=str(n % 5) if n % 2 else "",
            id=n + 1,
        )
        for n in range(36)
    ]


@pytest.mark.parametrize("style", sorted(citing.STYLES))
@pytest.mark.parametrize("refs", [[metaformer(), resnet(), hostile()], tied()])
def test_the_cached_style_renders_as_citeproc_py_does(style: str, refs: list[Reference]) -> None:
    ours = citing._style(style)
    source = BibliographySource()
    cites = []
    for n, ref in enumerate(refs):
        reference = citing._citeproc_reference(f"r{n}", ref)
        source.add(reference)
        cites.append(citing._Cite(f"r{n}", reference))
    with ours.lock:
        bibliography = CitationStylesBibliography(ours, source, citing._Marks)
        for cite in cites:
            bibliography.register(Citation([cite]))
        bibliography.sort()
        rendered = [str(entry) for entry in bibliography.bibliography()]
    assert rendered == stock_render(style, refs)


def test_a_style_is_parsed_once() -> None:
    citing.load_style("apa")
    first = citing._style("apa")
    citing.format_citations([resnet()], "apa", "text")
    assert citing._style("apa") is first


def test_threads_rendering_at_once_get_the_sequential_results() -> None:
    refs = [metaformer(), resnet(), hostile()]
    expected = {
        (style, output): citing.format_bibliography(refs, style, output)
        for style in ("apa", "ieee")
        for output in citing.OUTPUTS
    }
    results: dict[tuple[str, str, int], str] = {}

    def work(n: int) -> None:
        for style, output in expected:
            results[(style, output, n)] = citing.format_bibliography(refs, style, output)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(text == expected[(style, output)] for (style, output, _), text in results.items())
    assert len(results) == 4 * len(expected)


def test_unknown_item_fields_raise_no_warnings() -> None:
    """citeproc-py warns about item fields it does not know; pytest turns warnings into
    errors, so this fails if any reached it."""
    ref = metaformer()
    ref.extra = {"primaryclass": "cs.CV", "urldate": "2023-01-05", "pmid": "1", "type": "x"}
    ref.tags = ["a"]
    ref.comments = "9 pages"
    for style in citing.STYLES:
        assert citing.format_citations([ref], style, "text")
