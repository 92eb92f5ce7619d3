"""The ``status:`` filter of the search language."""

from __future__ import annotations

import pytest

from refman.domain.search_query import (
    AllOf,
    Not,
    QuerySyntaxError,
    StatusIs,
    Term,
    format_query,
    parse_query,
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("status:reading", AllOf((StatusIs("reading"),))),
        ("STATUS:Read", AllOf((StatusIs("read"),))),
        ("-status:unread gan", AllOf((Not(StatusIs("unread")), Term("gan")))),
    ],
)
def test_status_parses(text: str, tree: object) -> None:
    assert parse_query(text) == tree
    assert parse_query(format_query(parse_query(text))) == tree


def test_a_status_that_is_none_names_the_choices() -> None:
    with pytest.raises(QuerySyntaxError, match="unread, reading, read") as caught:
        parse_query("gan status:skimmed")
    assert caught.value.position == len("gan status:")
    with pytest.raises(QuerySyntaxError, match=r"did you mean status:"):
        parse_query("statsu:read")
