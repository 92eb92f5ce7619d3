"""Reading for import: the fast key helpers agree with the domain's, raw texts are found in
the file or kept inline, records survive the trip to the writer."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import given
from hypothesis import strategies as st

from refman.domain import Note, Person, Provenance, Reference
from refman.domain.text import fold, title_key
from refman.services.citekeys import key_base, key_base_of
from refman.services.reading import (
    ROW_COLUMNS,
    W_KEY_BASE,
    W_PROVENANCE,
    W_SORT_AUTHOR,
    W_TITLE_KEY,
    _lines,
    decode,
    encode,
    fast_title_key,
    finish,
    raw_hash,
    read_batches,
)
from refman.storage import store
from tests.conftest import SEEDS

TITLE_CHARS = st.characters(codec="utf-8") | st.sampled_from("…-:'’ AaZz09.,()ÉéßﬁЖ\u0301")


@given(st.text(TITLE_CHARS, max_size=60))
def test_fast_title_key_is_title_key(title: str) -> None:
    assert fast_title_key(title) == title_key(title)


@given(st.text(TITLE_CHARS, max_size=40), st.text(TITLE_CHARS, max_size=12), st.integers(0, 3000))
def test_key_base_of_parts_is_key_base(title: str, family: str, year: int) -> None:
    ref = Reference(title=title, year=year or None, authors=[Person(family)] if family else [])
    assert key_base_of("", title_key(title), family or None, year or None) == key_base(ref)


def test_raw_hash_is_the_stores() -> None:
    for raw in ("", "abc", "Réseaux\n\narXiv:2106.16128"):
        assert raw_hash(raw) == store.raw_hash(raw)


def test_lines_normalise_line_ends_across_blocks() -> None:
    data = b"one\r\ntwo\rthree\n\nfour" * 50_000
    lines = list(_lines(io.BytesIO(data[1001:]), "utf-8", "x", data[:1001]))
    assert "".join(lines) == data.decode().replace("\r\n", "\n").replace("\r", "\n")
    assert all(line.endswith("\n") for line in lines[:-1])
    assert lines[-1] == "four"


def test_record_round_trip() -> None:
    ref = Reference(
        entry_type="article",
        title="Équivariance in Deep Networks",
        abstract="An abstract.",
        year=2021,
        date=dt.date(2021, 6, 30),
        arxiv_id="2106.16128",
        doi="10.48550/arXiv.2106.16128",
        citekey="",
        authors=[Person("Feng", "Jiashi"), Person("Yan", "Shuicheng")],
        tags=["reading"],
        notes=[Note("A note.")],
        provenance=[Provenance("a.txt", 3, "arxiv-listing", "An abstract.\n\narXiv:2106.16128")],
    )
    wire = finish(encode(ref, None))
    assert wire[W_TITLE_KEY] == title_key(ref.title)
    assert wire[W_SORT_AUTHOR] == fold("Feng")
    assert wire[W_KEY_BASE] == key_base(ref)
    assert wire[W_PROVENANCE][0][4] == raw_hash(ref.provenance[0].raw)
    back = decode(wire)
    assert back == ref


def test_batches_hold_each_record_once() -> None:
    path = SEEDS / "000_9ae25896bb0d60b4.txt"
    batches = list(read_batches([path, path], ({}, {}, {}), 4))
    reads = [read for batch in batches for read in batch.wires]
    assert len(reads) == 20
    assert batches[-1].last
    assert not any(b.last for b in batches[:-1])
    assert batches[-1].done == 2 * path.stat().st_size
    text = path.read_text(encoding="utf-8")
    for batch in batches:
        for wire in batch.finish().wires:
            (raw,) = [p.raw for p in decode(wire).provenance]
            assert raw in text
    targets = [read[0] for read in reads]
    assert targets[:10] == [None] * 10
    assert targets[10:] == [-(n + 1) for n in range(10)]  # the second copy matches the first


def test_row_values_follow_row_columns() -> None:
    ref = Reference(
        entry_type="article",
        title="T",
        title_provisional=True,
        abstract="A",
        year=2021,
        date=dt.date(2021, 6, 30),
        venue="V",
        journal_ref="J",
        arxiv_id="2106.16128",
        arxiv_version=2,
        doi="10.1/x",
        url="U",
        code_url="C",
        comments="K",
        page_count=9,
        figure_count=6,
    )
    row = dict(zip(ROW_COLUMNS, encode(ref, None)[3], strict=True))
    expected = {name: getattr(ref, name) for name in ROW_COLUMNS}
    assert row == {**expected, "date": "2021-06-30", "extra": ""}
