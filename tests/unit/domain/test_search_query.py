"""The quick-search language: parsing, errors with positions, formatting back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain.search_query import (
    AddedWithin,
    AllOf,
    AnyOf,
    Has,
    IdentifierIs,
    Node,
    Not,
    QuerySyntaxError,
    TagIs,
    Term,
    TypeIs,
    YearIn,
    format_query,
    osa_distance,
    parse_query,
    positive_terms,
    replace_terms,
)


def terms(text: str) -> tuple[Node, ...]:
    """The top-level nodes of ``text``'s tree."""
    node = parse_query(text)
    assert isinstance(node, AllOf)
    return node.nodes


def test_empty_and_punctuation_only_queries_match_everything() -> None:
    assert parse_query("") == AllOf()
    assert parse_query("   ") == AllOf()
    assert parse_query(" ,;  & - ") == AllOf()


def test_words_are_folded_prefix_terms() -> None:
    assert terms("Distillation GRAPH") == (Term("distillation"), Term("graph"))
    assert terms("Réweighting Ångström") == (Term("reweighting"), Term("angstrom"))
    assert terms("PnP-DETR") == (Term("pnp"), Term("detr"))  # each word must match
    assert Term("a b", phrase=True).words == ("a", "b")


def test_phrases_are_exact_and_keep_word_order() -> None:
    assert terms('"Self  Distillation" net') == (
        Term("self distillation", phrase=True),
        Term("net"),
    )
    assert terms('"self-distillation"') == (Term("self distillation", phrase=True),)
    assert terms('""') == ()  # an empty phrase adds nothing


def test_exclusion_of_words_phrases_filters_and_groups() -> None:
    assert terms("distillation -survey") == (Term("distillation"), Not(Term("survey")))
    assert terms('-"knowledge distillation"') == (Not(Term("knowledge distillation", phrase=True)),)
    assert terms("-tag:read") == (Not(TagIs("read")),)
    assert terms("-year:2021") == (Not(YearIn(2021, 2021)),)
    assert terms("-(a b)") == (Not(AllOf((Term("a"), Term("b")))),)
    assert terms("-matrix-vector") == (Not(AllOf((Term("matrix"), Term("vector")))),)
    assert terms("NOT survey") == (Not(Term("survey")),)
    assert terms("a - b") == (Term("a"), Term("b"))  # a lone dash is punctuation
    assert terms("self-distillation") == (Term("self"), Term("distillation"))


def test_or_binds_tighter_than_the_implicit_and() -> None:
    assert terms("a b OR c") == (Term("a"), AnyOf((Term("b"), Term("c"))))
    assert terms("a OR b OR c") == (AnyOf((Term("a"), Term("b"), Term("c"))),)
    assert terms("(a b) OR c") == (AnyOf((AllOf((Term("a"), Term("b"))), Term("c"))),)
    assert terms("-a OR b") == (AnyOf((Not(Term("a")), Term("b"))),)
    assert terms("a or b") == (Term("a"), Term("or"), Term("b"))  # lower case: a word
    assert terms("a AND b") == (Term("a"), Term("b"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("author:Feng", Term("feng", "authors")),
        ("authors:feng", Term("feng", "authors")),
        ('author:"Jiashi Feng"', Term("jiashi feng", "authors", phrase=True)),
        ("title:distillation", Term("distillation", "title")),
        ("TITLE:Distillation", Term("distillation", "title")),
        ('title:"self distillation"', Term("self distillation", "title", phrase=True)),
        ("abstract:ablation", Term("ablation", "abstract")),
        ("venue:cvpr", Term("cvpr", "venue")),
        ("note:baseline", Term("baseline", "notes")),
        ("tag:reading", TagIs("reading")),
        ('tag:"to  read"', TagIs("to read")),
        ("tags:Reading", TagIs("Reading")),
        ("year:2021", YearIn(2021, 2021)),
        ("year:2019..2021", YearIn(2019, 2021)),
        ("year:..2020", YearIn(None, 2020)),
        ("year:2019..", YearIn(2019, None)),
        ("type:preprint", TypeIs("preprint")),
        ("type:InProceedings", TypeIs("inproceedings")),
        ("has:note", Has("note")),
        ("has:notes", Has("note")),
        ("has:pdf", Has("pdf")),
        ("has:code", Has("code")),
        ("has:attachment", Has("attachment")),
        ("has:doi", Has("doi")),
        ("has:arxiv", Has("arxiv")),
        ("has:abstract", Has("abstract")),
        ("has:tag", Has("tag")),
        ("added:24h", AddedWithin(24, "h")),
        ("added:7d", AddedWithin(7, "d")),
        ("added:2w", AddedWithin(2, "w")),
        ("added:3m", AddedWithin(3, "m")),
        ("added:1y", AddedWithin(1, "y")),
        ("arxiv:2106.16128v2", IdentifierIs("arxiv", "2106.16128v2")),
        ("arXiv:2106.16128", IdentifierIs("arxiv", "2106.16128")),
        ("doi:10.1109/CVPR.2021", IdentifierIs("doi", "10.1109/cvpr.2021")),
    ],
)
def test_field_filters(text: str, expected: Node) -> None:
    assert terms(text) == (expected,)


def test_field_words_split_like_plain_words() -> None:
    assert terms("title:self-distillation") == (
        Term("self", "title"),
        Term("distillation", "title"),
    )


def test_added_spans() -> None:
    assert AddedWithin(24, "h").span.total_seconds() == 24 * 3600
    assert AddedWithin(3, "m").span.days == 90
    assert AddedWithin(1, "y").span.days == 365


def test_text_with_a_colon_that_is_no_field_is_words() -> None:
    assert terms("re:birth") == (Term("re"), Term("birth"))
    assert terms("unknown:foo") == (Term("unknown"), Term("foo"))
    assert terms("DRDG: Dual") == (Term("drdg"), Term("dual"))
    assert terms("https://github.com/x") == (
        Term("https"),
        Term("github"),
        Term("com"),
        Term("x"),
    )
    assert terms("cvpr2021:oral") == (Term("cvpr2021"), Term("oral"))


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("year:20x1", "year: '20x1' is not a year", 5),
        ("distillation year:21", "year: '21' is not a year", 18),
        ("year:2021..2019", "ends before it starts", 5),
        ("year:", "year: needs a value", 0),
        ("has:nothing", "has: 'nothing' is not one of", 4),
        ("a has:", "has: needs a value", 2),
        ("added:7x", "added: '7x' is not a time span", 6),
        ("added:0d", "added: '0d' is not a time span", 6),
        ("added:99999y", "reaches too far back", 6),
        ("type:a-b", "type: 'a-b' is not an entry type", 5),
        ('a "b c', "unbalanced quote", 2),
        ('tag:"to read', "unbalanced quote", 4),
        ('tag:""', "tag: needs a value inside the quotes", 5),
        ("title: distillation", "title: needs a value right after the colon", 0),
        ("autor:feng", "unknown field autor: (did you mean author:?)", 0),
        ("x yaer:2020", "unknown field yaer: (did you mean year:?)", 2),
        ("auth:feng", "did you mean author:?", 0),
        ("a OR", "OR needs a term after it", 2),
        ("OR a", "OR needs a term before it", 0),
        ("a OR OR b", "OR needs a term after it", 2),
        ("(a OR) b", "OR needs a term after it", 3),
        ("a AND", "AND needs a term on each side", 2),
        ("a NOT", "NOT needs a term after it", 2),
        ("(a b", "unbalanced parenthesis: not closed", 0),
        ("a b)", "unbalanced parenthesis: nothing to close", 3),
    ],
)
def test_malformed_queries_name_the_problem_and_where(
    text: str, message: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    error = caught.value
    assert message in error.message
    assert error.position == position
    assert error.column == position + 1
    assert str(error) == f"{error.message} (at column {position + 1})"


def test_near_miss_detection_uses_edit_distance() -> None:
    assert osa_distance("fneg", "feng") == 1  # swapped neighbours
    assert osa_distance("distilation", "distillation") == 1
    assert osa_distance("kitten", "sitting") == 3
    assert osa_distance("", "abc") == 3


@pytest.mark.parametrize(
    "text",
    [
        "distillation graph",
        '"self distillation" -survey',
        "a b OR c -d",
        "(a b) OR c",
        "-(a OR b) c",
        'title:"a b" author:feng abstract:x venue:cvpr note:y',
        'tag:"to read" -tag:read tag:x',
        "year:2021 year:2019..2021 year:..2020 year:2019..",
        "type:preprint has:pdf -has:note added:7d arxiv:2106.16128 doi:10.1/x",
        "",
    ],
)
def test_format_query_parses_back_to_the_same_tree(text: str) -> None:
    node = parse_query(text)
    assert parse_query(format_query(node)) == node


def test_positive_terms_leave_out_negated_ones() -> None:
    node = parse_query('a -b (c OR "d e") -(f g) tag:x title:h')
    assert positive_terms(node) == [
        Term("a"),
        Term("c"),
        Term("d e", phrase=True),
        Term("h", "title"),
    ]


def test_replace_terms_widens_positive_terms_only() -> None:
    node = parse_query("fneg -survey")
    widened = replace_terms(node, lambda t: AnyOf((t, Term("feng"))) if t.text == "fneg" else t)
    assert widened == AllOf((AnyOf((Term("fneg"), Term("feng"))), Not(Term("survey"))))
    assert format_query(widened) == "(fneg OR feng) -survey"


QUERY_PIECES = st.sampled_from(
    [
        "a", "Réseau", "OR", "AND", "NOT", "-", "(", ")", '"', ":", "title:", "author:x",
        "tag:", "year:2021", "year:20", "year:..", "has:pdf", "has:x", "added:7d", "re:b",
        "autor:x", '"a b"', "-x", "  ", "..", "\u00e9", "\t", "doi:10.1/x", "arxiv:",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(QUERY_PIECES, st.text(max_size=4)), max_size=8))
def test_any_text_parses_or_raises_a_query_syntax_error(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        error: QuerySyntaxError | None = exc
    else:
        error = None
        assert parse_query(format_query(node)) == node
    assert error is None or 0 <= error.position <= len(text)


def test_highlight_words_and_spans_follow_the_search() -> None:
    from refman.domain.search_query import highlight_spans, highlight_words

    words = highlight_words('contrast "self distillation" -foo author:féng year:2021')
    assert words == ("contrast", "self", "distillation", "feng")
    text = "CSD: Contrastive Self-Distillation by Féng"
    assert [text[a:b] for a, b in highlight_spans(text, words)] == [
        "Contrastive", "Self", "Distillation", "Féng"
    ]  # fmt: skip
    assert highlight_words("year:20x1") == ()  # malformed: nothing to highlight
    assert highlight_spans(text, ()) == []
