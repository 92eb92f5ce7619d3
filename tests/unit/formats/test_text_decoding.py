"""Bytes to text: every supported encoding is read exactly, the rest refused clearly."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from refman.formats.base import FormatError
from refman.formats.text_decoding import decode, detect_encoding

TEXT = "Café “naïve” résumé – 10 €\nSecond line.\n"


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: told by the NUL pattern
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-32-le"), "utf-32-le"),
    ],
)
def test_supported_encodings_decode_exactly(data: bytes, codec: str) -> None:
    assert decode(data, "f.txt") == TEXT
    assert detect_encoding(data, "f.txt") == codec
    # the codec reads the whole file to the same text (a BOM is stripped by it)
    assert data.decode(codec) == TEXT


def test_utf16_with_bom_through_the_stdlib_encoder() -> None:
    data = TEXT.encode("utf-16")  # native order, with BOM
    assert decode(data, "f.txt") == TEXT


def test_cp1252_smart_quotes_and_euro() -> None:
    assert decode(b"\x93quoted\x94 costs 5 \x80\n", "f.txt") == "“quoted” costs 5 €\n"


def test_jabref_encoding_header_is_honoured() -> None:
    data = "% Encoding: windows-1252\n\n@misc{k, title={Ürün}}\n".encode("cp1252")
    assert detect_encoding(data, "f.bib") == "cp1252"
    assert decode(data, "f.bib").endswith("title={Ürün}}\n")
    latin2 = "% Encoding: ISO-8859-2\nŁódź\n".encode("iso-8859-2")
    assert decode(latin2, "f.bib") == "% Encoding: ISO-8859-2\nŁódź\n"


def test_unknown_header_encoding_is_refused() -> None:
    with pytest.raises(FormatError, match="unknown encoding 'klingon-8'") as caught:
        decode(b"% Encoding: klingon-8\n@misc{k}\n", "f.bib")
    assert caught.value.line == 1


def test_header_encoding_must_fit_the_bytes() -> None:
    with pytest.raises(FormatError, match="not valid UTF-8") as caught:
        decode(b"% Encoding: UTF-8\n\nok\n\xff\xfe broken\n", "f.bib")
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\r\n\r\nb", "a\n\nb"),
        ("a\r\nb".encode("utf-16"), "a\nb"),
    ],
)
def test_line_ends_become_lf(data: bytes, text: str) -> None:
    assert decode(data, "f.txt") == text


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_files_are_refused(data: bytes) -> None:
    with pytest.raises(FormatError, match="empty") as caught:
        decode(data, "empty.txt")
    assert (caught.value.source, caught.value.line) == ("empty.txt", None)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 3),  # NUL bytes
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n\x00", 4),
        (b"text\nmore\n\x1b[31mred\x1b[0m\n", 3),  # control characters
        (b"ok\n\x7f\x01\x02", 2),
        (bytes(range(256)) * 4, 1),
    ],
)
def test_binary_files_are_refused(data: bytes, line: int) -> None:
    with pytest.raises(FormatError, match="binary") as caught:
        decode(data, "blob.bin")
    assert (caught.value.source, caught.value.line) == ("blob.bin", line)


def test_bytes_undefined_in_cp1252_are_refused() -> None:
    with pytest.raises(FormatError, match="neither UTF-8 nor windows-1252") as caught:
        decode(b"line one\nbad \x81 byte\n", "f.txt")
    assert caught.value.line == 2


def test_mostly_non_ascii_8_bit_text_is_not_guessed_as_cp1252() -> None:
    cyrillic = "Привет, как дела? Это текст на русском языке.\n".encode("cp1251")
    with pytest.raises(FormatError, match="save it as UTF-8"):
        decode(cyrillic, "ru.txt")


def test_broken_utf16_is_refused_with_its_line() -> None:
    data = codecs.BOM_UTF16_LE + "one\ntwo\n".encode("utf-16-le") + b"\x00\xd8\x41\x00"
    with pytest.raises(FormatError, match="not valid UTF-16") as caught:
        decode(data, "f.txt")
    assert caught.value.line == 3


def test_a_sample_may_end_inside_a_character() -> None:
    data = "abc é".encode()[:-1]  # the sample stops inside "é"
    assert detect_encoding(data, "f.txt", complete=False) == "utf-8"
    assert detect_encoding(b"   ", "f.txt", complete=False) == "utf-8"
    wide = codecs.BOM_UTF16_LE + "abc".encode("utf-16-le") + b"a"
    assert detect_encoding(wide, "f.txt", complete=False) == "utf-16"


def test_detect_encoding_refuses_like_decode() -> None:
    with pytest.raises(FormatError, match="binary"):
        detect_encoding(b"abc\x00\x01", "f.txt", complete=False)


def test_text_encoded_twice_is_refused_saying_so() -> None:
    # A real arXiv API response (tests/data/corpus) with "Ramírez" as "RamÃ\u00adrez":
    # UTF-8 read as Latin-1 and encoded again, which leaves C1 control characters.
    path = Path(__file__).parents[2] / "data/corpus/arxiv-atom"
    source = path / "arxivpy_query_all-testing_100results.atom.xml"
    with pytest.raises(FormatError, match="U\\+0080; its text looks encoded twice") as caught:
        decode(source.read_bytes(), str(source))
    assert caught.value.line == 267


def test_chinese_gbk_text_is_recognised_and_western_text_is_not_taken_for_it() -> None:
    chinese = "@article{k,\n  author = {凯撒},\n  journal = {测试期刊},\n}\n"
    assert decode(chinese.encode("gbk"), "cn.bib") == chinese
    western = "Größe, café, naïve, Ærøskøbing\n"
    assert decode(western.encode("cp1252"), "de.bib") == western
    sample = chinese.encode("gbk")[:27]  # ends inside the third character
    assert detect_encoding(sample, "cn.bib", complete=False) == "gb18030"
