"""BibTeX and BibLaTeX: one reader for both dialects, a writer for each.

Two formats are registered: ``bibtex`` and ``biblatex`` (both ``.bib``). They share the
sniffer and the reader; their writers differ in entry types and field names.

Reading
    The file is parsed once, whole (a crossref'd parent may come after its child), by
    bibtexparser's splitter alone: string expansion, crossrefs and LaTeX are done here,
    because bibtexparser's middlewares resolve only whole-value macros (not ``#``
    concatenations), decode LaTeX everywhere (slow: 40x the parse, and it mangles URLs)
    and know nothing of crossref.

    * ``@string`` macros: names are case-insensitive, values may concatenate with ``#``;
      ``jan`` ... ``dec`` are predefined ("January" ...). A later definition wins; an
      undefined macro stands for its own name (BibTeX would use "" and warn).
    * ``crossref`` (and biblatex ``xdata``): a child inherits every field it lacks from
      its parent (chains followed), except biblatex's never-inherited fields; a book-like
      parent's ``title`` becomes an ``in*`` child's ``booktitle`` (unless the parent has a
      ``booktitle`` of its own, BibTeX style), a periodical's becomes ``journaltitle``. A
      resolved ``crossref`` is dropped (its fields are now the child's); an unresolved one
      is kept in ``extra``. ``@set`` and ``@xdata`` entries are containers, not works: they
      make no reference.
    * ``@preamble``, ``@comment`` (JabRef's metadata) and text between entries: ignored.
    * LaTeX is decoded only where a value needs it, as pylatexenc decodes it (with a
      context extended for bibliographies): a value with only braces or ligatures
      (``--``, ``---``, ````` `` `````, ``''``) is handled by string operations; common
      LaTeX (escapes, accents, braced special characters, style macros, math) by one regex
      pass that hands each braced special character to pylatexenc (cached); anything
      else goes to pylatexenc whole (milliseconds for an abstract, hence the fast paths,
      which the tests check against it). ``url``, ``doi``, ``eprint``, ``file`` and
      other link fields (``*url``, ``bdsk-*``) are never decoded, and neither are pages.
      Protective braces go, ties become spaces, math stays as written (``$O(n)$``). A
      source line break is a space; a blank line (a LaTeX paragraph) is a line break.
    * Names: ``First von Last``, ``von Last, First`` and ``von Last, Jr, First``; a braced
      name (``{Barnes and Noble}``) stays one family name. ``family`` is ``von Last`` and,
      with a Jr part, ``von Last, Jr``. ``and others`` is kept as a person whose family
      name is ``others`` (written back as ``and others``: "et al." survives a round
      trip).
    * Fields: the entry type, lower-cased (``online`` stays ``online``); ``year`` (an
      int; a year that is not plain digits also stays in ``extra["year"]``); biblatex
      ``date`` (``2020-05-01`` gives ``date`` and ``year``; ``2020-05`` gives ``year``
      and ``extra["month"]``; a range or an odd date stays in ``extra["date"]`` too);
      ``month`` (macro, name, abbreviation or number) becomes ``extra["month"]`` as a
      number "1".."12" (other text kept as is) unless a full date says it already;
      ``year`` + ``month`` + ``day`` make a ``date``; ``journal`` / ``journaltitle`` /
      ``booktitle`` the ``venue`` (an ``in*`` entry prefers ``booktitle``); ``number``
      (else ``issue``) the ``issue``; ``pages`` normalised to ``12--19``; ``doi`` without
      its resolver prefix; ``eprint`` with ``archivePrefix``/``eprinttype`` arXiv (or no
      type and an arXiv-shaped id) the ``arxiv_id`` and ``arxiv_version``,
      ``primaryClass``/``eprintclass`` ``extra["primaryclass"]``; ``keywords`` and
      JabRef ``groups`` the tags (split on ``,`` and ``;``); ``note`` the comments;
      ``annote`` / ``annotation`` a note each; the entry key the citekey. Every other
      non-empty field goes to ``extra`` under its lower-case name.
    * An entry without a title gets a provisional one (from its abstract, else its key),
      flagged as such.
    * Errors (:class:`FormatError` naming the source and the entry's line, so that an
      import changes nothing): a block bibtexparser could not parse (unbalanced braces,
      an entry without a key such as ``@article{title = ...}``), a malformed value
      (``title = {x} year = ...``: a missing comma), an empty field name, a file with no
      entries. ``@article{,`` (JabRef writes it for an entry without a key) is accepted:
      the citekey is empty and the library assigns one.
    * Duplicate keys: both entries are imported (the library makes citekeys unique, so the
      second becomes ``key`` + "a"); a crossref names the first. A field given twice in an
      entry: the first wins, as in BibTeX.

Writing
    Plain formatted text, one chunk per entry. bibtexparser's writer adds nothing needed
    here (every value must be escaped, braced or written as a macro by us anyway) and
    building its ``Library``/``Entry``/``Field`` objects costs more than a third of the
    time budget (0.14 s of 0.5 s for 10,000 references).

    * BibTeX: arXiv records (``preprint``/``misc``/``online`` with an arXiv id) are
      ``@misc`` with ``eprint``, ``archivePrefix = {arXiv}``, ``primaryClass``, ``doi``,
      ``url``; ``year`` and ``month`` (a macro). BibLaTeX: ``@online`` with ``eprint``,
      ``eprinttype = {arxiv}``, ``eprintclass``, and ``date`` instead of year/month when
      a month is known, ``journaltitle`` instead of ``journal``. Other types keep their
      type (``preprint`` without arXiv id: ``@misc``, in BibLaTeX ``@online`` if it has a
      URL). The venue goes to ``journal`` (article), ``booktitle`` (in*, book-like),
      ``howpublished`` (a misc that is not an arXiv record), else nowhere.
    * Text fields: special characters ``& % $ # _ { } ~ ^ \\`` escaped, ligatures broken
      (``-{}-``) so that a literal ``--`` stays two hyphens, en/em dashes as ``--`` /
      ``---``, other non-ASCII runs through ``pylatexenc.latexencode.unicode_to_latex``
      (cached per run; characters without a LaTeX form are kept as UTF-8). A line break is
      written as a blank line. Titles: a word with an upper-case letter after its first
      character (``GAN``, ``ImageNet``, ``3D``) is brace-protected.
    * ``url``, ``doi``, ``eprint`` and pages are written verbatim (braces, which would
      unbalance the entry, are percent-encoded in a URL); pages as ``12--19``.
    * Authors as ``Family, Given and ...``; a family name with a comma or " and " is
      braced, except ``Family, Jr.`` (a lineage) which is written ``Family, Jr., Given``;
      a family name alone with spaces is braced (a corporate name).
    * The citekey is the entry key (characters BibTeX forbids removed); without one
      ``ref<id>`` (``ref<n>``, the position, without an id), made unique in the file.
      Every entry has a title (a provisional one as it is; none at all: one derived from
      the abstract, else "Untitled").
    * ``tags`` -> ``keywords``; comments -> ``note`` (always); notes -> ``annote``
      (``options.notes``, several joined by a blank line); ``abstract`` when
      ``options.abstracts``; ``extra`` fields under their own names. ``lossless`` adds
      ``x-refman-*`` fields (entry type, provisional title, venue, journal ref, code URL,
      page and figure counts, arXiv version) and, in BibTeX, ``date``: an exported
      library imported again gives the same fields.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from refman.domain import Note, Person, Provenance, Reference
from refman.domain.text import split_arxiv_version
from refman.formats.arxiv_listing import parse_arxiv_id
from refman.formats.base import Format, FormatError, WriteOptions, register
from refman.formats.enrichment import provisional_title

if TYPE_CHECKING:
    from bibtexparser.model import Entry

__all__ = [
    "BIBLATEX_FORMAT",
    "BIBLATEX_NAME",
    "FORMAT",
    "NAME",
    "decode_latex",
    "encode_latex",
    "read",
    "read_biblatex",
    "sniff",
    "write_biblatex",
    "write_bibtex",
]

NAME = "bibtex"
BIBLATEX_NAME = "biblatex"

_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.M)


def sniff(head: str) -> bool:
    """Whether ``head`` holds an ``@type{`` or ``@type(`` block start at the beginning of
    a line (after any comments or free text, as BibTeX allows)."""
    return _SNIFF.search(head) is not None


# ================================================================== LaTeX to text

_LIGATURE = re.compile(r"---|--|``|''")
_LIGATURES = {"---": "\N{EM DASH}", "--": "\N{EN DASH}", "``": "\u201c", "''": "\u201d"}
_NEEDS_LATEX = re.compile(r"[\\~$]")
_PARAGRAPH = re.compile(r"[ \t]*\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
_LONE_PERCENT = re.compile(r"(?<!\\)%")
_BRACE = re.compile(r"(?<!\\)[{}]")
_OPEN_BRACE = re.compile(r"(?<!\\)\{")


def _layout(value: str) -> str:
    """Source whitespace as text: a line break (with its indentation) is a space, a
    blank line a line break; the ends are stripped."""
    value = value.strip()
    if "\n" not in value:
        return value
    return "\n".join(_LINE_BREAK.sub(" ", part) for part in _PARAGRAPH.split(value))


def decode_latex(value: str) -> str:
    """A BibTeX field value (macros expanded, outer delimiters removed) as plain text."""
    value = _layout(value)
    if "{" not in value and "}" not in value:
        if not _NEEDS_LATEX.search(value):
            if "--" in value or "``" in value or "''" in value:
                return _LIGATURE.sub(lambda m: _LIGATURES[m.group()], value)
            return value
    elif not _NEEDS_LATEX.search(value):
        # protective braces (and ligatures, which braces break: "-{}-" stays "--")
        if "--" in value or "``" in value or "''" in value:
            value = _LIGATURE.sub(lambda m: _LIGATURES[m.group()], value)
        return value.replace("{", "").replace("}", "")
    fast = _common_latex(value)
    return fast if fast is not None else _latex_to_text(value)


_COMMON = re.compile(
    r"(?=[\\{}~$'`-])"  # (a quick test at each position makes the scan five times faster)
    r"(?:\\([&%$#_{} ])"  # 1: a control symbol (\& \% \$ \# \_ \{ \} and a control space)
    r"|\\(textbackslash|textasciitilde|textasciicircum|textbraceleft|textbraceright"
    r"|textunderscore|textdollar|nobreakspace)\{\}"  # 2: a symbol, as refman writes it
    r"|(\{\\[^{}]*(?:\{[^{}]*\}[^{}]*)*\})"  # 3: a braced special: {\'e} {\"{U}} {\ldots}
    r"|(\\['\"`^~=.][A-Za-z]|\\['\"`^~=.uvHckrbdt]\{\\?[A-Za-z]*\})"  # 4: an accent: \'e \c{c}
    r"|\\(?:emph|textit|textbf|textsc|texttt|textrm|textsf|textsl|textup|textmd|textnormal"
    r"|mbox)(?=\{)"  # a style (its argument stays, a group)
    r"|(\$\$[^$]*\$\$|\$[^$]+\$)"  # 5: math, kept as written
    r"|(---|--|``|''|~|[{}]|\\|\$))"  # 6: ligatures, ties, braces; another macro, a lone $
)
_SYMBOLS = {
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textunderscore": "_",
    "textdollar": "$",
    "nobreakspace": "\N{NO-BREAK SPACE}",
}
_SIMPLE = {**_LIGATURES, "~": " ", "{": "", "}": ""}


def _common_latex(value: str) -> str | None:
    """``value`` decoded as pylatexenc decodes it (with this module's context), when it
    uses only common LaTeX: escapes, accents, braced special characters (decoded one by
    one, cached), style macros, math, ligatures and ties; None otherwise. pylatexenc takes
    milliseconds for an abstract, this a few microseconds."""
    pieces: list[str] = []
    pos = 0
    for match in _COMMON.finditer(value):
        pieces.append(value[pos : match.start()])
        pos = match.end()
        symbol, name, group, accent, math, simple = match.groups()
        if symbol is not None:
            pieces.append(symbol)
        elif name is not None:
            pieces.append(_SYMBOLS[name])
        elif group is not None:
            pieces.append(_latex_to_text(group))
        elif accent is not None:
            pieces.append(_latex_to_text(accent))
        elif math is not None:
            pieces.append(math)
        elif simple is not None:
            if simple in ("\\", "$"):
                return None
            pieces.append(_SIMPLE[simple])
    pieces.append(value[pos:])
    return "".join(pieces)


@lru_cache(maxsize=8192)
def _latex_to_text(value: str) -> str:
    from pylatexenc.latexwalker import LatexWalker  # noqa: PLC0415  (loaded on first use)

    walker_db, converter = _pylatexenc()
    value = _LONE_PERCENT.sub(r"\\%", value)  # "%" is literal in BibTeX, a comment in TeX
    try:
        nodes = LatexWalker(value, latex_context=walker_db, tolerant_parsing=True)
        text: str = converter.nodelist_to_text(nodes.get_latex_nodes()[0])
    except Exception:  # pylatexenc fails on some malformed input: keep the text
        text = value.replace("{", "").replace("}", "")
    return text


@lru_cache(maxsize=1)
def _pylatexenc() -> tuple[Any, Any]:
    """pylatexenc's walker context and text converter, extended for bibliographies:
    ``~`` is a space, ``&`` an ampersand, text-mode macros keep their argument, a few
    BibTeX tricks (``\\noopsort``) vanish; math is kept as written."""
    # pylatexenc is loaded on first use: importing it costs start-up time.
    from pylatexenc import latexwalker  # noqa: PLC0415
    from pylatexenc.latex2text import (  # noqa: PLC0415
        LatexNodes2Text,
        MacroTextSpec,
        SpecialsTextSpec,
        get_default_latex_context_db,
    )
    from pylatexenc.macrospec import MacroSpec  # noqa: PLC0415

    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "refman-bibtex",
        prepend=True,
        macros=[
            MacroSpec("href", "{{"),
            MacroSpec("noopsort", "{"),
            MacroSpec("enquote", "*{"),
            MacroSpec("mkbibquote", "{"),
            MacroSpec("mkbibemph", "{"),
            MacroSpec("bibstring", "{"),
            MacroSpec("hbox", "{"),
            MacroSpec("makebox", "[[{"),
            MacroSpec("textnormal", "{"),
            MacroSpec("textsuperscript", "{"),
            MacroSpec("textsubscript", "{"),
        ],
    )
    text_db = get_default_latex_context_db().filter_context(
        exclude_categories=["nonascii-specials"]
    )
    keep = ["mbox", "hbox", "makebox", "texttt", "textsf", "textup", "textmd", "textnormal"]
    keep += ["enquote", "mkbibquote", "mkbibemph", "bibstring", "textsuperscript"]
    keep += ["textsubscript", "url"]
    symbols = {
        "textasciicircum": "^",
        "textasciitilde": "~",
        "textbackslash": "\\",
        "textbraceleft": "{",
        "textbraceright": "}",
        "textunderscore": "_",
        "textdollar": "$",
        "textbar": "|",
        "textless": "<",
        "textgreater": ">",
        "textquotedbl": '"',
        "nobreakspace": "\N{NO-BREAK SPACE}",
        "hyphen": "-",
        "slash": "/",
    }
    text_db.add_context_category(
        "refman-bibtex",
        prepend=True,
        macros=[
            *(MacroTextSpec(name, discard=False) for name in keep),
            *(MacroTextSpec(name, simplify_repl=text) for name, text in symbols.items()),
            MacroTextSpec("href", simplify_repl="%(2)s"),
            MacroTextSpec("noopsort", discard=True),
        ],
        specials=[
            SpecialsTextSpec("~", " "),
            SpecialsTextSpec("&", "&"),
            SpecialsTextSpec("``", _LIGATURES["``"]),
            SpecialsTextSpec("''", _LIGATURES["''"]),
            SpecialsTextSpec("--", _LIGATURES["--"]),
            SpecialsTextSpec("---", _LIGATURES["---"]),
            SpecialsTextSpec("!`", "!`"),
            SpecialsTextSpec("?`", "?`"),
        ],
    )
    converter = LatexNodes2Text(latex_context=text_db, math_mode="verbatim")
    return walker_db, converter


# ================================================================== values and macros

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
_MONTH_MACROS = {name[:3].lower(): name for name in _MONTH_NAMES}
_MONTH_NUMBERS = {
    **{name.lower(): n for n, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3].lower(): n for n, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_BRACE_OR_QUOTE = re.compile(r'(?<!\\)[{}"]')
_ONE_GROUP = re.compile(
    r"\{(?:[^{}\\]++|\\.|\{(?:[^{}\\]++|\\.|\{(?:[^{}\\]++|\\.)*+\})*+\})*+\}", re.S
)
"""A value that is one brace group, three levels deep at most (deeper ones are walked)."""
_TOKEN = re.compile(r"[^\s\"#%'(),={}]+")
_SPACE = re.compile(r"\s*")


class _ValueError(ValueError):
    """A malformed field value; the reader turns it into a FormatError with the line."""


def _group_end(raw: str, start: int) -> int:
    """The index of the brace closing the one at ``start``, or -1."""
    depth = 0
    for match in _BRACE.finditer(raw, start):
        if match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


def _quote_end(raw: str, start: int) -> int:
    """The index of the quote closing the one at ``start`` (braces nest inside), or -1."""
    depth = 0
    for match in _BRACE_OR_QUOTE.finditer(raw, start + 1):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            return match.start()
    return -1


def _evaluate(raw: str, macros: dict[str, str]) -> str:
    """A field's value as written (``{...}``, ``"..."``, a number, a macro, or ``#``
    concatenations of these) as a string. Raises ``_ValueError`` when malformed."""
    if raw[:1] == "{" and raw[-1:] == "}" and _ONE_GROUP.fullmatch(raw):
        return raw[1:-1]
    if not raw:
        raise _ValueError("the value is missing")
    parts: list[str] = []
    pos = _SPACE.match(raw).end()  # type: ignore[union-attr]  # \s* always matches
    size = len(raw)
    while True:
        if pos >= size:
            raise _ValueError("a value is missing after '#'")
        char = raw[pos]
        if char == "{":
            end = _group_end(raw, pos)
            if end < 0:
                raise _ValueError("a '{' is not closed")
            parts.append(raw[pos + 1 : end])
            pos = end + 1
        elif char == '"':
            end = _quote_end(raw, pos)
            if end < 0:
                raise _ValueError("a '\"' is not closed")
            parts.append(raw[pos + 1 : end])
            pos = end + 1
        else:
            match = _TOKEN.match(raw, pos)
            if match is None:
                raise _ValueError(f"unexpected {char!r} in the value")
            token = match.group()
            pos = match.end()
            if token.isdigit():
                parts.append(token)
            else:
                name = token.lower()
                parts.append(macros.get(name, _MONTH_MACROS.get(name, token)))
        pos = _SPACE.match(raw, pos).end()  # type: ignore[union-attr]
        if pos >= size:
            return "".join(parts)
        if raw[pos] != "#":
            found = raw[pos : pos + 20].split(maxsplit=1)[0]
            raise _ValueError(f"unexpected {found!r} after the value (a missing comma?)")
        pos = _SPACE.match(raw, pos + 1).end()  # type: ignore[union-attr]


# ================================================================== crossref

_BOOK_PARENTS = frozenset(
    "book mvbook collection mvcollection proceedings mvproceedings reference mvreference".split()
)
_BOOK_CHILDREN = frozenset(
    "inbook bookinbook suppbook incollection suppcollection inproceedings inreference".split()
)
_NOT_INHERITED = frozenset(
    "ids crossref xref xdata entryset entrysubtype execute label options presort related "
    "relatedoptions relatedstring relatedtype shorthand shorthandintro sortkey".split()
)
_TITLE_FIELDS = frozenset("title subtitle titleaddon shorttitle sorttitle indextitle".split())
_TITLE_FIELDS |= {"indexsorttitle"}
_CONTAINERS = frozenset({"set", "xdata"})


class _Raw:
    """An entry as read: type, key, evaluated fields (lower-case names, first wins)."""

    __slots__ = ("entry_type", "fields", "key", "line", "raw")

    def __init__(
        self, entry_type: str, key: str, fields: dict[str, str], line: int, raw: str
    ) -> None:
        self.entry_type = entry_type
        self.key = key
        self.fields = fields
        self.line = line
        self.raw = raw


def _inherit(child: _Raw, parent: _Raw) -> None:
    """Give ``child`` the fields of ``parent`` it lacks (biblatex's rules)."""
    fields = child.fields
    parent_fields = parent.fields
    mapped: dict[str, str] = {}
    if parent.entry_type in _BOOK_PARENTS and child.entry_type in _BOOK_CHILDREN:
        mapped = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}
    elif parent.entry_type == "periodical" and child.entry_type in ("article", "suppperiodical"):
        mapped = {"title": "journaltitle", "subtitle": "journalsubtitle"}
    for name, value in parent_fields.items():
        if name in _NOT_INHERITED or name.startswith("x-refman-"):
            continue
        if mapped and name in _TITLE_FIELDS:
            target = mapped.get(name)
            if target is None or target in parent_fields:
                continue  # a parent's own booktitle (BibTeX style) is inherited as such
            fields.setdefault(target, value)
        elif name not in fields:
            fields[name] = value


def _resolve_crossrefs(entries: list[_Raw]) -> None:
    by_key: dict[str, _Raw] = {}
    for entry in entries:
        by_key.setdefault(entry.key.lower(), entry)
    done: set[int] = set()

    def resolve(entry: _Raw, seen: frozenset[int]) -> None:
        if id(entry) in done:
            return
        done.add(id(entry))
        parents: list[_Raw] = []
        crossref = entry.fields.get("crossref", "").strip()
        if crossref:
            parent = by_key.get(crossref.lower())
            if parent is not None and id(parent) not in seen:
                parents.append(parent)
                del entry.fields["crossref"]
        for key in entry.fields.get("xdata", "").split(","):
            parent = by_key.get(key.strip().lower()) if key.strip() else None
            if parent is not None and id(parent) not in seen:
                parents.append(parent)
        if "xdata" in entry.fields and len(parents) > bool(crossref):
            del entry.fields["xdata"]
        for parent in parents:
            resolve(parent, seen | {id(entry)})
            _inherit(entry, parent)

    for entry in entries:
        if "crossref" in entry.fields or "xdata" in entry.fields:
            resolve(entry, frozenset())


# ================================================================== names

_AND = re.compile(r"\s+and\s+", re.I)
_WHITESPACE = re.compile(r"\s+")
_ALPHA = re.compile(r"[^\W\d_]")


def _masked(value: str) -> str:
    """``value`` with the contents of each top-level brace group replaced by "x", so that
    separators inside braces are not found (positions are unchanged)."""
    if "{" not in value:
        return value
    pieces: list[str] = []
    pos = 0
    while True:
        found = _OPEN_BRACE.search(value, pos)
        if found is None:
            break
        start = found.start()
        end = _group_end(value, start)
        if end < 0:
            end = len(value) - 1
            pieces.append(value[pos:start] + "{" + "x" * (end - start))
            return "".join(pieces)
        pieces.append(value[pos:start] + "{" + "x" * (end - start - 1) + "}")
        pos = end + 1
    pieces.append(value[pos:])
    return "".join(pieces)


def _split_names(value: str) -> list[str]:
    """The names of a name list (``A and B and {C and D}``)."""
    value = value.strip()
    masked = _masked(value)
    names = []
    pos = 0
    for match in _AND.finditer(masked):
        names.append(value[pos : match.start()])
        pos = match.end()
    names.append(value[pos:])
    return [name for name in (n.strip() for n in names) if name and name.lower() != "and"]


def _tokens(text: str) -> list[str]:
    masked = _masked(text)
    return [text[m.start() : m.end()] for m in re.finditer(r"\S+", masked)]


@lru_cache(maxsize=8192)
def _is_von(token: str) -> bool:
    """Whether a name token starts with a lower-case letter (a "von" part). A brace group
    that is not a special character (``{\\'e}``) has no case."""
    if token[0] == "{" and token[1:2] != "\\":
        return False
    letter = _ALPHA.search(decode_latex(token))
    return letter is not None and letter.group().islower()


@lru_cache(maxsize=8192)
def _person(name: str) -> Person:
    """One BibTeX name as a person: ``family`` is "von Last" (", Jr" added), ``given``
    the First part."""
    name = _WHITESPACE.sub(" ", name).strip()
    masked = _masked(name)
    if "~" in masked:
        name = "".join(" " if m == "~" else c for c, m in zip(name, masked, strict=True))
        name = _WHITESPACE.sub(" ", name).strip()
        masked = _masked(name)
    if name == "others":
        return Person("others")
    parts = []
    pos = 0
    for index, char in enumerate(masked):
        if char == ",":
            parts.append(name[pos:index].strip())
            pos = index + 1
    parts.append(name[pos:].strip())
    jr = ""
    if len(parts) == 1:
        tokens = _tokens(parts[0])
        # "First von Last": von starts at the first lower-case word (Last keeps one)
        von = next((i for i in range(len(tokens) - 1) if _is_von(tokens[i])), len(tokens) - 1)
        first, family = tokens[:von], tokens[von:]
    else:
        family = _tokens(parts[0])
        if len(parts) == 2:
            first = _tokens(parts[1])
        else:
            jr = parts[1]
            first = _tokens(", ".join(parts[2:]))
    family_text = decode_latex(" ".join(family))
    if jr:
        family_text = f"{family_text}, {decode_latex(jr)}"
    return Person(family=family_text, given=decode_latex(" ".join(first)))


def _people(value: str) -> list[Person]:
    return [_person(name) for name in _split_names(value)]


# ================================================================== fields to a reference

_VERBATIM = frozenset({"doi", "eprint", "file", "pdf", "urls", "x-refman-code-url"})
_TAG_SPLIT = re.compile(r"[,;]")
_DOI_PREFIX = re.compile(
    r"^\s*(?:doi:\s*|https?://(?:dx\.|www\.)?doi\.org/|https?://doi\.acm\.org/)", re.I
)
_ARXIV_PREFIX = re.compile(r"^\s*arxiv:\s*", re.I)
_YEAR = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_PAGE_RANGE = re.compile(
    r"(\s*)([^\s,;\-\u2013\u2014]+)\s*(?:-{1,3}|\u2013|\u2014)\s*([^\s,;\-\u2013\u2014]+)(\s*)"
)
_PAGE_PART = re.compile(r"[^,]+")
_JOURNAL_TYPES = frozenset({"article", "periodical", "suppperiodical"})
_MISC_TYPES = frozenset(
    "misc online preprint unpublished booklet manual techreport report phdthesis "
    "mastersthesis thesis patent software dataset electronic www".split()
)
_BOOKTITLE_FIRST = ("booktitle", "journaltitle", "journal")
_JOURNAL_FIRST = ("journaltitle", "journal", "booktitle")


def _is_verbatim(name: str) -> bool:
    """Link-like fields, never LaTeX-decoded nor escaped."""
    return name in _VERBATIM or name.endswith("url") or name.startswith("bdsk-")


def normalise_pages(pages: str) -> str:
    """Each range of a page list as ``12--19`` (``12-19``, ``12 – 19`` ...); anything
    else as written."""

    def fix(part: re.Match[str]) -> str:
        match = _PAGE_RANGE.fullmatch(part.group())
        if match is None:
            return part.group()
        lead, first, last, trail = match.groups()
        return f"{lead}{first}--{last}{trail}"

    return _PAGE_PART.sub(fix, pages.strip())


def _month_number(text: str) -> int | None:
    word = text.strip().rstrip(".").lower()
    if word.isdigit():
        number = int(word)
        return number if 1 <= number <= 12 else None
    return _MONTH_NUMBERS.get(word)


def _to_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _reference(entry: _Raw, source: str, fmt_name: str) -> Reference:
    fields = entry.fields
    ref = Reference(entry_type=entry.entry_type, citekey=entry.key)
    ref.provenance = [Provenance(source, entry.line, fmt_name, entry.raw)]
    extra: dict[str, str] = {}

    def text(name: str) -> str:
        value = fields.pop(name, "")
        return decode_latex(value) if value else ""

    # refman's own fields (written with ``lossless``)
    written_type = fields.pop("x-refman-entry-type", "").strip()
    if written_type:
        ref.entry_type = written_type
    provisional = fields.pop("x-refman-provisional-title", "").strip().lower() == "true"
    own_venue = text("x-refman-venue")
    ref.journal_ref = text("x-refman-journal-ref")
    ref.code_url = fields.pop("x-refman-code-url", "").strip()
    for name, attribute in (
        ("x-refman-page-count", "page_count"),
        ("x-refman-figure-count", "figure_count"),
        ("x-refman-arxiv-version", "arxiv_version"),
    ):
        value = fields.pop(name, "")
        if value:
            number = _to_int(value)
            if number is None:
                extra[name] = value
            setattr(ref, attribute, number)

    ref.title = text("title")
    if "author" in fields:
        ref.authors = _people(fields.pop("author"))
    _read_dates(ref, fields, extra)

    venue_order = _JOURNAL_FIRST if ref.entry_type in _JOURNAL_TYPES else _BOOKTITLE_FIRST
    if ref.entry_type in _BOOK_CHILDREN:
        venue_order = _BOOKTITLE_FIRST
    for name in venue_order:
        if fields.get(name, "").strip():
            ref.venue = text(name)
            break
    if own_venue:
        ref.venue = own_venue
        if decode_latex(fields.get("howpublished", "")) == own_venue:
            del fields["howpublished"]
    ref.volume = text("volume")
    ref.issue = text("number") or text("issue")
    pages = fields.pop("pages", "").strip()
    ref.pages = normalise_pages(_layout(pages)) if pages else ""
    ref.publisher = text("publisher")
    ref.url = fields.pop("url", "").strip()
    doi = fields.pop("doi", "").strip()
    stripped = _DOI_PREFIX.sub("", doi)
    ref.doi = stripped if stripped.startswith("10.") else doi
    _read_eprint(ref, fields, extra)
    ref.abstract = text("abstract")
    tags: list[str] = []
    for name in ("keywords", "groups"):
        for part in _TAG_SPLIT.split(text(name)):
            tag = part.strip()
            if tag and tag.casefold() not in {t.casefold() for t in tags}:
                tags.append(tag)
    ref.tags = tags
    ref.comments = text("note")
    ref.notes = [Note(note) for note in (text("annote"), text("annotation")) if note]

    for name, value in fields.items():
        if not value.strip():
            continue
        if _is_verbatim(name):
            extra[name] = value.strip()
        else:
            decoded = decode_latex(value)
            if decoded:
                extra[name] = decoded
    ref.extra = extra

    if ref.title:
        ref.title_provisional = provisional
    else:
        fallback = entry.key or "Untitled"
        ref.title = provisional_title(ref.abstract, fallback) if ref.abstract else fallback
        ref.title_provisional = True
    return ref


def _read_dates(ref: Reference, fields: dict[str, str], extra: dict[str, str]) -> None:
    """``year``, ``date``, ``month`` and ``day`` (see the module's rules)."""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    date_text = decode_latex(fields.pop("date", ""))
    if date_text:
        start = date_text.split("/", 1)[0].strip()
        match = _DATE.fullmatch(start)
        if match is None or start != date_text:
            extra["date"] = date_text
        if match is not None:
            year = int(match.group(1))
            month = int(match.group(2)) if match.group(2) else None
            day = int(match.group(3)) if match.group(3) else None
    year_text = decode_latex(fields.pop("year", ""))
    if year_text:
        number = _to_int(year_text)
        if number is None:
            extra["year"] = year_text
            found = _YEAR.search(year_text)
            number = int(found.group()) if found else None
        if number is not None:
            year = number
    month_text = decode_latex(fields.pop("month", ""))
    if month_text:
        number = _month_number(month_text)
        if number is None:
            extra["month"] = month_text
        elif month is None or (day is None and number != month):
            month = number
        elif number != month:
            extra["month"] = str(number)  # a month that contradicts the date
    day_text = decode_latex(fields.pop("day", ""))
    if day_text:
        number = _to_int(day_text)
        if number is not None and day is None:
            day = number
        else:
            extra["day"] = day_text
    ref.year = year
    if year is not None and month is not None and day is not None:
        try:
            ref.date = dt.date(year, month, day)
        except ValueError:
            ref.date = None
    if ref.date is None:
        if month is not None and "month" not in extra:
            extra["month"] = str(month)
        if day is not None and "day" not in extra:
            extra["day"] = str(day)


def _read_eprint(ref: Reference, fields: dict[str, str], extra: dict[str, str]) -> None:
    eprint = fields.get("eprint", "").strip()
    kind = (fields.get("archiveprefix", "") or fields.get("eprinttype", "")).strip().lower()
    if not eprint or kind not in ("arxiv", ""):
        return
    identifier, version = split_arxiv_version(_ARXIV_PREFIX.sub("", eprint))
    if parse_arxiv_id(identifier) is None:
        return
    ref.arxiv_id = identifier
    if version is not None and ref.arxiv_version is None:
        ref.arxiv_version = version
    for name in ("eprint", "archiveprefix", "eprinttype"):
        fields.pop(name, None)
    primary = fields.pop("primaryclass", "") or fields.pop("eprintclass", "")
    if primary.strip():
        extra["primaryclass"] = primary.strip()


# ================================================================== the reader


def _library(text: str) -> Any:
    """bibtexparser's split of ``text`` (no middleware); its log messages are not shown
    (a failed block becomes our FormatError)."""
    # bibtexparser is loaded on first use: importing it costs start-up time.
    from bibtexparser.entrypoint import parse_string  # noqa: PLC0415

    logger = logging.getLogger("bibtexparser.splitter")
    disabled = logger.disabled
    logger.disabled = True
    try:
        return parse_string(text, parse_stack=[])
    finally:
        logger.disabled = disabled


def _read(lines: Iterable[str], source: str, fmt_name: str) -> Iterator[Reference]:
    from bibtexparser.model import (  # noqa: PLC0415
        DuplicateBlockKeyBlock,
        DuplicateFieldKeyBlock,
        Entry,
        ParsingFailedBlock,
        String,
    )

    text = "".join(lines)
    library = _library(text)
    macros: dict[str, str] = {}
    entries: list[Entry] = []
    for block in library.blocks:
        if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
            block = block.ignore_error_block  # noqa: PLW2901
        elif isinstance(block, ParsingFailedBlock):
            raise FormatError(source, _line(block.start_line), _failure(block))
        if isinstance(block, String):
            try:
                macros[block.key.lower()] = _evaluate(block.value.strip(), macros)
            except _ValueError as error:
                raise FormatError(
                    source, _line(block.start_line), f"@string {block.key}: {error}"
                ) from None
        elif isinstance(block, Entry):
            entries.append(block)
    raws = [_evaluated(entry, macros, source) for entry in entries]
    if not raws:
        raise FormatError(source, None, "no BibTeX entries found")
    _resolve_crossrefs(raws)
    for raw in raws:
        if raw.entry_type not in _CONTAINERS:
            yield _reference(raw, source, fmt_name)


def _line(start_line: int | None) -> int | None:
    return None if start_line is None else start_line + 1


def _failure(block: Any) -> str:
    reason = " ".join((getattr(block.error, "abort_reason", None) or str(block.error)).split())
    head = (block.raw or "").split("\n", 1)[0].strip()
    what = f"the block {head[:40]!r}" if head else "a block"
    if "block start" in reason or "end of file" in reason:
        what += " is not closed (an unbalanced brace or quote?)"
    elif "after entry key" in reason:
        what += " has no key"
    else:
        what += " is malformed"
    return f"{what}: {reason}"


def _evaluated(entry: Entry, macros: dict[str, str], source: str) -> _Raw:
    fields: dict[str, str] = {}
    for field in entry.fields:
        name = field.key.strip().lower()
        if not name:
            raise FormatError(
                source, _line(field.start_line), f"entry {entry.key!r}: a field has no name"
            )
        if name in fields:
            continue  # as BibTeX: the first wins
        try:
            fields[name] = _evaluate(field.value.strip(), macros)
        except _ValueError as error:
            raise FormatError(
                source, _line(field.start_line), f"entry {entry.key!r}, field {name}: {error}"
            ) from None
    line = _line(entry.start_line) or 1
    return _Raw(entry.entry_type.lower(), entry.key, fields, line, entry.raw or "")


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The references of a BibTeX/BibLaTeX text given as lines, in file order."""
    return _read(lines, source, NAME)


def read_biblatex(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """As :func:`read`, with ``biblatex`` as the provenance format."""
    return _read(lines, source, BIBLATEX_NAME)


# ================================================================== text to LaTeX

_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}
_UNBALANCED = {**_SPECIALS, "{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_DASHES = {"-": "-", "\u2013": "--", "\u2014": "---"}
_ASCII_SPECIAL = re.compile(r"[&%$#_{}~^\\]")
_LIGATURE_RUNS = (
    ("--", re.compile(r"-{2,}")),
    ("``", re.compile(r"`{2,}")),
    ("''", re.compile(r"'{2,}")),
)
_NON_ASCII_RUN = re.compile(
    "[-\u2013\u2014]*[\u2013\u2014][-\u2013\u2014]*|[^\\x00-\\x7f\u2013\u2014]+"
)
_NON_ASCII_SPAN = re.compile("[^\\x00-\\x2c\\x2e-\\x7f][^\\x00-\\x2c\\x2e-\\x7f]*")
"""A span of hyphens and non-ASCII characters, where ``_NON_ASCII_RUN`` matches: its
first character is a set, so the regular expression engine skips to the next candidate
instead of trying the whole pattern at every position (a few times faster)."""
_BRACE_CHAR = re.compile(r"[{}]")


def encode_latex(text: str) -> str:
    """Plain text as the value of a BibTeX text field: specials escaped, ligatures broken,
    non-ASCII as LaTeX, line breaks as blank lines."""
    return _lines(_escape(text))


def _escape(text: str) -> str:
    """Specials escaped, ligatures broken, non-ASCII as LaTeX (no line handling)."""
    if _has_special(text):
        specials = _SPECIALS if _balanced(text) else _UNBALANCED
        text = _ASCII_SPECIAL.sub(lambda m: specials[m.group()], text)
    for ligature, run in _LIGATURE_RUNS:
        if ligature[0] in text and ligature in text:  # (one character: a memchr)
            text = run.sub(lambda m: "{}".join(m.group()), text)
    if not text.isascii():
        text = _NON_ASCII_SPAN.sub(_non_ascii_span_match, text)
    return text


def _has_special(text: str) -> bool:
    """Whether ``text`` holds a LaTeX special: ten one-character substring tests, each a
    ``memchr``, are several times faster than a regular expression's scan of an
    abstract (which runs character by character)."""
    return (
        "\\" in text
        or "{" in text
        or "}" in text
        or "&" in text
        or "%" in text
        or "$" in text
        or "#" in text
        or "_" in text
        or "~" in text
        or "^" in text
    )


def _lines(encoded: str) -> str:
    """Line breaks as blank lines (a reader takes a single one for a space), and the outer
    whitespace of each line kept with empty groups (a reader strips it)."""
    if "\n" in encoded or encoded[:1].isspace() or encoded[-1:].isspace():
        encoded = "\n\n".join(_protect_ends(line) for line in encoded.split("\n"))
    return encoded


def _protect_ends(line: str) -> str:
    """A line with its outer whitespace kept (a reader strips it) by empty groups; a line
    starting with "@" gets one too (a parser would take it for the start of an entry)."""
    if line[:1].isspace() or line[:1] == "@" or not line:
        line = "{}" + line
    if line[-1:].isspace():
        line += "{}"
    return line


def _balanced(text: str) -> bool:
    """Whether the braces of ``text`` pair up (``\\{`` and ``\\}`` then keep the entry's
    braces balanced, as BibTeX counts them too)."""
    if "{" not in text and "}" not in text:
        return True
    depth = 0
    for match in _BRACE_CHAR.finditer(text):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _non_ascii_span_match(match: re.Match[str]) -> str:
    return _non_ascii_span(match.group())


@lru_cache(maxsize=8192)
def _non_ascii_span(span: str) -> str:
    """A ``_NON_ASCII_SPAN`` as LaTeX: the runs of ``_NON_ASCII_RUN`` in it encoded (no
    run crosses the span's ends, which are ASCII other than "-"); the same spans recur."""
    return _NON_ASCII_RUN.sub(_non_ascii_match, span)


def _non_ascii_match(match: re.Match[str]) -> str:
    run = match.group()
    if run[0] in _DASHES:
        return "{}".join(_DASHES[char] for char in run)
    return _non_ascii(run)


@lru_cache(maxsize=8192)
def _non_ascii(run: str) -> str:
    """A run of non-ASCII characters as LaTeX; a character whose LaTeX form would not read
    back as itself (pylatexenc approximates some: "ĸ" as "k") is kept as it is (UTF-8)."""
    encoded = _to_latex(run)
    if decode_latex(encoded) == run:
        return encoded
    pieces = []
    for char in run:
        latex = _to_latex(char)
        pieces.append(latex if decode_latex(latex) == char else char)
    return "".join(pieces)


def _to_latex(run: str) -> str:
    encoded: str = _unicode_encoder().unicode_to_latex(run.replace("\N{NO-BREAK SPACE}", "\x00"))
    return encoded.replace("\x00", r"\nobreakspace{}")


@lru_cache(maxsize=1)
def _unicode_encoder() -> Any:
    from pylatexenc.latexencode import UnicodeToLatexEncoder  # noqa: PLC0415  (first use)

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


_TITLE_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
_MAYBE_INNER_UPPER = re.compile(r"[A-Za-z0-9'-][A-Z]")
"""In an ASCII title, where a protected word may be: a capital inside a word."""


def encode_title(title: str) -> str:
    """A title as a field value, acronyms and proper nouns brace-protected: a word with an
    upper-case letter after its first character (``{GAN}``, ``{ImageNet}``)."""
    rest = title[1:]
    if rest.lower() == rest or (title.isascii() and not _MAYBE_INNER_UPPER.search(title)):
        return encode_latex(title)  # (no upper case after the first character: no acronym)
    pieces: list[str] = []
    pos = 0
    for match in _TITLE_WORD.finditer(title):
        word = match.group()
        rest = word[1:]
        if rest.lower() != rest:
            pieces.append(_escape(title[pos : match.start()]))
            pieces.append("{" + _escape(word) + "}")
            pos = match.end()
    if not pieces:
        return encode_latex(title)
    pieces.append(_escape(title[pos:]))
    return _lines("".join(pieces))


_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.I)
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_LINEAGE = re.compile(r"(?:jr|sr|junior|senior|[ivx]+|[0-9]+(?:st|nd|rd|th))\.?", re.I)


@lru_cache(maxsize=8192)
def _encode_name(family: str, given: str) -> str:
    """A person as a BibTeX name (``Family, Given``); the same people recur."""
    family = _ASCII_SPACE.sub(" ", family).strip()
    given = _ASCII_SPACE.sub(" ", given).strip()
    if not family:
        family, given = given, ""
    if family == "others" and not given:
        return "others"
    encoded = encode_latex(family)
    if not given:
        if " " in family or "," in family or _AND_WORD.search(family):
            return "{" + encoded + "}"
        return encoded
    if "," in family:
        head, _, lineage = family.rpartition(",")
        if "," not in head and _LINEAGE.fullmatch(lineage.strip()) and not _AND_WORD.search(head):
            encoded = f"{encode_latex(head.strip())}, {encode_latex(lineage.strip())}"
        else:
            encoded = "{" + encoded + "}"
    elif _AND_WORD.search(family):
        encoded = "{" + encoded + "}"
    encoded_given = encode_latex(given)
    if "," in given or _AND_WORD.search(given):
        encoded_given = "{" + encoded_given + "}"
    return f"{encoded}, {encoded_given}"


def _verbatim(value: str) -> str:
    """A link-like value as written; braces that would unbalance the entry are
    percent-encoded."""
    value = " ".join(value.split())
    if ("{" in value or "}" in value) and not _balanced(value):
        value = value.replace("{", "%7B").replace("}", "%7D")
    return value


# ================================================================== the writers

_ARXIV_TYPES = frozenset({"preprint", "misc", "online"})
_ENTRY_TYPE = re.compile(r"[a-z][a-z0-9_-]*")
_MONTH_MACRO = {n: name[:3].lower() for n, name in enumerate(_MONTH_NAMES, start=1)}
_KEY_FORBIDDEN = re.compile(r"[\s,{}()\"#%'=\\~]+")
_FIELD_NAME_FORBIDDEN = re.compile(r"[^\w.:+/-]+")


class _Entry:
    """The fields of one entry being written (name -> value as written), in order."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def text(self, name: str, value: str) -> None:
        if value:
            self.fields[name] = "{" + encode_latex(value) + "}"

    def raw(self, name: str, value: str) -> None:
        if value:
            self.fields[name] = "{" + value + "}"


def _write(refs: Iterable[Reference], options: WriteOptions, biblatex: bool) -> Iterator[str]:
    used: set[str] = set()
    for position, ref in enumerate(refs, start=1):
        key = _KEY_FORBIDDEN.sub("", ref.citekey)
        if not key:
            key = f"ref{ref.id if ref.id is not None else position}"
        if key in used:
            suffix = 1
            while f"{key}-{suffix}" in used:
                suffix += 1
            key = f"{key}-{suffix}"
        used.add(key)
        entry_type, entry = _fields(ref, options, biblatex)
        body = "".join([f"  {name} = {value},\n" for name, value in entry.fields.items()])
        yield f"@{entry_type}{{{key},\n{body}}}\n\n"


def _fields(ref: Reference, options: WriteOptions, biblatex: bool) -> tuple[str, _Entry]:
    extra = {k.lower(): v for k, v in ref.extra.items() if v}
    source_type = ref.entry_type.strip().lower()
    if not _ENTRY_TYPE.fullmatch(source_type):
        source_type = "misc"  # (the lossless x-refman-entry-type keeps the original)
    arxiv_record = bool(ref.arxiv_id) and source_type in _ARXIV_TYPES
    entry_type = source_type
    if arxiv_record:
        entry_type = "online" if biblatex else "misc"
    elif source_type == "preprint":
        entry_type = "online" if biblatex and ref.url else "misc"
    entry = _Entry()
    fields = entry.fields
    if ref.authors:
        names = [_encode_name(p.family, p.given) for p in ref.authors]
        names = [name for name in names if name]
        if names:
            fields["author"] = "{" + " and ".join(names) + "}"
    title = ref.title
    if not title.strip():
        title = provisional_title(ref.abstract, "Untitled") if ref.abstract else "Untitled"
    fields["title"] = "{" + encode_title(title) + "}"

    venue_written = False
    if ref.venue:
        if entry_type in _JOURNAL_TYPES:
            entry.text("journaltitle" if biblatex else "journal", ref.venue)
            venue_written = True
        elif entry_type not in _MISC_TYPES:
            entry.text("booktitle", ref.venue)
            venue_written = True
        elif entry_type == "misc" and not ref.arxiv_id and "howpublished" not in extra:
            entry.text("howpublished", ref.venue)

    _write_dates(entry, ref, extra, options, biblatex)
    entry.text("volume", ref.volume)
    entry.text("number", ref.issue)
    if ref.pages:
        entry.raw("pages", _verbatim(normalise_pages(ref.pages)))
    entry.text("publisher", ref.publisher)
    entry.raw("doi", _verbatim(ref.doi))
    if ref.arxiv_id:
        entry.raw("eprint", _verbatim(ref.arxiv_id))
        primary = extra.pop("primaryclass", "")
        if biblatex:
            fields["eprinttype"] = "{arxiv}"
            entry.raw("eprintclass", _verbatim(primary))
        else:
            fields["archivePrefix"] = "{arXiv}"
            entry.raw("primaryClass", _verbatim(primary))
    entry.raw("url", _verbatim(ref.url))
    entry.text("note", ref.comments)
    entry.text("keywords", ", ".join(ref.tags))
    if options.abstracts:
        entry.text("abstract", ref.abstract)
    if options.notes and ref.notes:
        entry.text("annote", "\n\n".join(note.text for note in ref.notes))

    if extra:
        _write_extra(entry, extra)

    if options.lossless:
        if entry_type != ref.entry_type:
            entry.text("x-refman-entry-type", ref.entry_type)
        if ref.title_provisional or title != ref.title:
            fields["x-refman-provisional-title"] = "{true}"
        if ref.venue and not venue_written:
            entry.text("x-refman-venue", ref.venue)
        entry.text("x-refman-journal-ref", ref.journal_ref)
        entry.raw("x-refman-code-url", _verbatim(ref.code_url))
        for name, number in (
            ("x-refman-page-count", ref.page_count),
            ("x-refman-figure-count", ref.figure_count),
            ("x-refman-arxiv-version", ref.arxiv_version),
        ):
            if number is not None:
                fields[name] = f"{{{number}}}"
    return entry_type, entry


def _write_extra(entry: _Entry, extra: dict[str, str]) -> None:
    """The ``extra`` fields under their own names, unless a field of that name is written."""
    written = {name.lower() for name in entry.fields}
    for name, value in extra.items():
        field_name = _FIELD_NAME_FORBIDDEN.sub("-", name).strip("-")
        if not field_name or field_name in written:
            continue
        written.add(field_name)
        if _is_verbatim(field_name):
            entry.raw(field_name, _verbatim(value))
        else:
            entry.text(field_name, value)


def _write_dates(
    entry: _Entry, ref: Reference, extra: dict[str, str], options: WriteOptions, biblatex: bool
) -> None:
    """``year`` and ``month`` (a macro) in BibTeX, ``date`` in BibLaTeX when a month is
    known; the ``extra`` values they stand for (an odd year, a month that is not a
    number, a date range) are consumed and written as they are."""
    year_text = extra.pop("year", "") or (str(ref.year) if ref.year is not None else "")
    month_text = extra.pop("month", "")
    extra_date = extra.pop("date", "")
    month = _month_number(month_text) if month_text else None
    if not biblatex:
        entry.text("year", year_text)
        if month is None and not month_text and ref.date is not None:
            month = ref.date.month
        if month is not None:
            entry.fields["month"] = _MONTH_MACRO[month]
        else:
            entry.text("month", month_text)
        if extra_date:
            entry.text("date", extra_date)
        elif options.lossless and ref.date is not None:
            entry.text("date", ref.date.isoformat())
        return
    date_text = extra_date or (ref.date.isoformat() if ref.date is not None else "")
    if not date_text and ref.year is not None and month is not None and "year" not in ref.extra:
        date_text = f"{ref.year:04d}-{month:02d}"
        month_text = ""
    if date_text:
        entry.text("date", date_text)
        start = _DATE.match(date_text)
        if "year" in ref.extra or (
            ref.year is not None and (start is None or int(start.group(1)) != ref.year)
        ):
            entry.text("year", year_text)
    else:
        entry.text("year", year_text)
    entry.text("month", str(month) if month is not None and month_text else month_text)


def write_bibtex(refs: Iterable[Reference], options: WriteOptions) -> Iterator[str]:
    """``refs`` as a BibTeX file (one chunk per entry)."""
    return _write(refs, options, biblatex=False)


def write_biblatex(refs: Iterable[Reference], options: WriteOptions) -> Iterator[str]:
    """``refs`` as a BibLaTeX file (one chunk per entry)."""
    return _write(refs, options, biblatex=True)


FORMAT = register(
    Format(
        name=NAME,
        label="BibTeX",
        extensions=(".bib",),
        sniff=sniff,
        read=read,
        write=write_bibtex,
        streams=False,
    )
)
BIBLATEX_FORMAT = register(
    Format(
        name=BIBLATEX_NAME,
        label="BibLaTeX",
        extensions=(".bib",),
        sniff=sniff,
        read=read_biblatex,
        write=write_biblatex,
        streams=False,
    )
)
