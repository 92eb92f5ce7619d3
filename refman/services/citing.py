"""Formatted bibliographies: references rendered in a citation style by citeproc-py.

``format_bibliography(refs, "apa", "html")`` renders references in one of the bundled CSL
styles (``STYLES``, files in ``resources/csl/``) as plain text, HTML or Markdown, one
entry per line (text), paragraph (Markdown) or ``<div class="csl-entry">`` (HTML), in the
style's order. ``format_citations`` is what "Copy Citation" puts on the clipboard: the
same entries for the selection. References become CSL items through the CSL-JSON
mapping (:func:`refman.formats.csl_json.to_csl`), so a provisional title is cited as the
title.

Each style file is parsed once and kept (``load_style`` warms the cache, e.g. on a worker
thread at start); a parsed style is not thread-safe in citeproc-py (rendering mutates
it), so renders of one style take turns on a lock.

Markup and escaping: citeproc-py's HTML formatter escapes the style's text but not the
item data (a title ``<img src=x>`` would come out as markup), and it has no Markdown. So
styled text is rendered with private-use marks around it (``_Marks``), the whole entry is
then escaped for the output (HTML entities; Markdown backslashes) and only then the marks
become markup (``<i>``, ``*...*``, ...). Marks in the data itself are dropped.

citeproc-py implements CSL 1.0.1 with gaps; the bundled styles (CSL 1.0.2 era) hit these,
worked around here rather than by editing the style files:

* ``second-field-align``: the first field (IEEE's "[1]", Vancouver's "1.") is glued to
  the entry; a space is added to its suffix (citeproc-js puts it in its own column).
* A localised date's ``delimiter`` (Vancouver: "2022 Jun") is ignored for the parts of a
  date that calls it; it is copied onto the calling ``cs:date``.
* The locale option ``punctuation-in-quote`` (en-US: a period or comma after a closing
  quote goes inside it) is ignored; it is applied to the rendered entry.
* A substitute (the title standing in for missing authors) suppresses only a variable
  named on its own child, not one it renders through a macro, so the title came twice;
  the variables it renders are recorded and suppressed (``_SuppressesSubstituted``).
* ``text-case="capitalize-first"`` capitalises a mixed-case first word ("arXiv:2101.00001"
  became "ArXiv:..."); CSL only capitalises lowercase words, so words such as "arXiv",
  "iPhone", "mRNA" are passed as no-case text.
* Speed: citeproc-py answers the same questions again for every element it renders (an
  XPath query per macro, term, localised date, layout and substitute looked up, a walk
  over macros for ``calls_variable``, five formatter lookups per element): an APA
  bibliography of 1,000 references took 8 s. The style is parsed with subclasses of its
  element classes that cache those answers (``_Cached`` and the classes in
  ``_EXTRA_MIXINS``; per style on the root, per element as attributes in the tree, since
  lxml recreates element objects), and a citation item holds its reference. Beyond the
  lookups: citeproc-py renders every sort key of every item before sorting, though the
  first key mostly decides (``_LazySortKeys`` renders a key when a comparison first needs
  it), raises ``ConditionFailed`` for each ``cs:if`` that fails (``_FastChoose`` tests
  the branches instead), reads ``reference.language`` and ``.type`` through a failed
  attribute lookup, three exceptions when the field is missing (``_CiteprocReference``),
  and lxml makes a new Python object each time it reaches an element that has none alive
  (``_Style.elements`` keeps them). The output is the same (tests compare it with
  citeproc-py's own classes), five to eight times faster (APA, 1,000 references).
* Not fixed: no disambiguation (APA's "2021a"/"2021b" year suffixes, added names or
  initials), no ``subsequent-author-substitute``, no rich text in titles (CSL-JSON's
  ``<i>`` is kept as text).

citeproc-py warns about item fields it does not know and about styles that fail its
schema; neither can happen here (only its known variables are passed, styles are not
validated at run time: ``tests/unit/services/test_citing.py`` validates the bundled ones).
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from citeproc import NAMES, VARIABLES, Citation, CitationItem, CitationStylesBibliography
from citeproc import model as csl_model
from citeproc.frontend import CitationStylesStyle
from citeproc.source import BibliographySource, Date, Name, VariableError
from citeproc.source import Reference as CiteprocReference
from citeproc.string import MixedString, NoCase, String
from lxml import etree  # type: ignore[import-untyped]

from refman.domain import Reference
from refman.formats.base import WriteOptions
from refman.formats.csl_json import to_csl
from refman.resources import resource_path
from refman.services.errors import UserError

__all__ = [
    "OUTPUTS",
    "STYLES",
    "Output",
    "format_bibliography",
    "format_citations",
    "load_style",
    "style_path",
]

STYLES: dict[str, str] = {
    "apa": "APA 7th",
    "chicago-author-date": "Chicago 18th (author-date)",
    "harvard-cite-them-right": "Harvard (Cite Them Right 12th)",
    "ieee": "IEEE",
    "nature": "Nature",
    "vancouver": "Vancouver (NLM)",
}
"""The bundled styles: name (the file ``resources/csl/<name>.csl``) -> label for menus."""

Output = Literal["text", "html", "markdown"]
OUTPUTS: tuple[Output, ...] = ("text", "html", "markdown")

_CSL = "{http://purl.org/net/xbiblio/csl}"
_ITEM_OPTIONS = WriteOptions(notes=False, abstracts=False, lossless=False)
_KNOWN_VARIABLES = frozenset(VARIABLES)
_DATE_VARIABLES = frozenset({"issued", "accessed"})
_CALLS_VARIABLE = "{urn:refman}calls-variable"
"""Attributes on style elements: the cached ``calls_variable()`` ("1" or "0"), the
``is_locale_date()`` of a ``cs:date``, the layout ("citation", "bibliography") an element
is in, and "1" when it has no formatting attributes."""
_LOCALE_DATE = "{urn:refman}locale-date"
_LAYOUT = "{urn:refman}layout"
_NAME = f"{_CSL}name"
_PLAIN = "{urn:refman}plain"
_FORMATTING = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")


def style_path(style: str) -> Path:
    """The file of a bundled style; :class:`UserError` naming the styles for another."""
    if style not in STYLES:
        raise UserError(
            f"unknown citation style {style!r}; available styles: {', '.join(sorted(STYLES))}"
        )
    return resource_path("csl", f"{style}.csl")


# --- styles: parsed once, with cached lookups --------------------------------------------


class _Cached:
    """Caches for a style element's lookups that depend only on its style (the root)."""

    def get_macro(self, name: str) -> Any:
        return self.get_root()._refman_macros[name]  # type: ignore[attr-defined]

    def get_term(
        self,
        name: str,
        form: str | None = None,
        fallback_locale: bool = True,
        zero_padded: bool = False,
    ) -> Any:
        cache = self.get_root()._refman_terms  # type: ignore[attr-defined]
        key = (name, form, fallback_locale, zero_padded)
        try:
            return cache[key]
        except KeyError:
            term = super().get_term(name, form, fallback_locale, zero_padded)  # type: ignore[misc]
            cache[key] = term
            return term

    def get_locale_option(self, name: str) -> Any:
        cache = self.get_root()._refman_options  # type: ignore[attr-defined]
        try:
            return cache[name]
        except KeyError:
            value = cache[name] = super().get_locale_option(name)  # type: ignore[misc]
            return value

    def get_date(self, form: str) -> Any:
        cache = self.get_root()._refman_dates  # type: ignore[attr-defined]
        try:
            return cache[form]
        except KeyError:
            date = cache[form] = super().get_date(form)  # type: ignore[misc]
            return date

    def get_formatter(self) -> Any:
        return self.get_root().formatter  # type: ignore[attr-defined]

    def format(self, string: Any) -> Any:
        if self.get(_PLAIN) == "1":  # type: ignore[attr-defined]
            return str(string) if isinstance(string, int | float) else string
        return super().format(string)  # type: ignore[misc]

    def get_layout(self) -> Any:
        layout = self.get(_LAYOUT)  # type: ignore[attr-defined]
        if layout is None:
            return super().get_layout()  # type: ignore[misc]
        return self.get_root()._refman_layouts[layout]  # type: ignore[attr-defined]


class _CachedVariableCalls(_Cached):
    """Also caches ``calls_variable()`` (a walk over the element's macros) in the tree."""

    def calls_variable(self) -> bool:
        cached = self.get(_CALLS_VARIABLE)  # type: ignore[attr-defined]
        if cached is None:
            result = bool(super().calls_variable())  # type: ignore[misc]
            self.set(_CALLS_VARIABLE, "1" if result else "0")  # type: ignore[attr-defined]
            return result
        return bool(cached == "1")


class _CachedSubstitute:
    """``cs:names``: its ``cs:substitute`` child without an XPath query."""

    def substitute(self) -> Any:
        return self.find(f"{_CSL}substitute")  # type: ignore[attr-defined]


class _CachedLocaleDate:
    """``cs:date``: whether it is a localised date format, kept in the tree."""

    def is_locale_date(self) -> bool:
        cached = self.get(_LOCALE_DATE)  # type: ignore[attr-defined]
        if cached is None:
            result = bool(super().is_locale_date())  # type: ignore[misc]
            self.set(_LOCALE_DATE, "1" if result else "0")  # type: ignore[attr-defined]
            return result
        return bool(cached == "1")


class _FastConditions:
    """``cs:if``/``cs:else-if``: type and variable tests without re-splitting the
    attribute (and looking up the reference) for every name in it; ``holds`` tests the
    condition without raising ``ConditionFailed`` when it fails (``_FastChoose``)."""

    def holds(self: Any, item: Any, context: Any) -> bool:
        """Whether the condition holds (citeproc-py's ``If.render`` test)."""
        attrib = self.attrib
        results: list[bool] = []
        if "type" in attrib:
            results += self._type(item)
        if "variable" in attrib:
            results += self._variable(item)
        if "is-numeric" in attrib:
            results += self._is_numeric(item)
        if "is-uncertain-date" in attrib:
            results += self._is_uncertain_date(item)
        if "locator" in attrib:
            results += self._locator(item)
        if "position" in attrib:
            results += self._position(item, context)
        match = self.get("match")
        if match == "any":
            return any(results)
        if match == "none":
            return not any(results)
        return all(results)

    def render(
        self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any
    ) -> Any:
        if not self.holds(item, context):
            raise csl_model.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kwargs)

    def _type(self, item: Any) -> list[bool]:
        item_type = item.reference.type
        return [name == item_type for name in _types(self.get("type"))]  # type: ignore[attr-defined]

    def _variable(self, item: Any) -> list[bool]:
        reference = item.reference
        return [
            ("locator" in item) if name == "locator" else (name in reference)
            for name in _variables(self.get("variable"))  # type: ignore[attr-defined]
        ]


class _FastChoose:
    """``cs:choose``: the first branch whose condition holds, the others tested without an
    exception each (citeproc-py's raise ``ConditionFailed``: a few hundred per entry)."""

    def render(
        self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any
    ) -> Any:
        for child in self.getchildren():
            try:
                if isinstance(child, _FastConditions):
                    if not child.holds(item, context):
                        continue
                    return child.render_children(  # type: ignore[attr-defined]
                        item, context=context, delimiter=delimiter, **kwargs
                    )
                return child.render(item, context=context, delimiter=delimiter, **kwargs)
            except csl_model.ConditionFailed:
                continue
        return None


@functools.cache
def _types(attribute: str) -> tuple[str, ...]:
    return tuple(name.lower() for name in attribute.split())


@functools.cache
def _variables(attribute: str) -> tuple[str, ...]:
    return tuple(name.replace("-", "_") for name in attribute.split())


class _RecordsVariables:
    """``cs:text``: notes each variable it renders while a substitute is being tried."""

    def _variable(self, item: Any, context: Any) -> Any:
        text = super()._variable(item, context)  # type: ignore[misc]
        if text is not None:
            recording = _substituting.recording
            if recording is not None:
                recording.append(self.get("variable"))  # type: ignore[attr-defined]
        return text


class _Substituting(threading.local):
    recording: list[str] | None = None
    """The variables rendered since a substitute started trying a child, or None."""


_substituting = _Substituting()


class _SuppressesSubstituted:
    """``cs:substitute``: the variables the substitute rendered, through macros too, are
    suppressed in the rest of the entry (citeproc-py only suppresses a variable named on
    the substitute's own child, so an authorless APA entry repeated its title)."""

    def render(self, item: Any, context: Any = None, **kwargs: Any) -> Any:
        outer = _substituting.recording
        for child in self.getchildren():  # type: ignore[attr-defined]
            recorded: list[str] = []
            _substituting.recording = recorded
            try:
                if isinstance(child, csl_model.Names) and child.find(_NAME) is None:
                    names = self.getparent()  # type: ignore[attr-defined]  # (a cs:names)
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            finally:
                _substituting.recording = outer
            if text:
                self.add_to_repressed_list(child, context)  # type: ignore[attr-defined]
                suppressed = context.get_layout().repressed.setdefault(f"{_CSL}text", [])
                suppressed.extend(recorded)
                if outer is not None:
                    outer.extend(recorded)
                return text
        return None


class _LazySortKeys:
    """``cs:sort``: citeproc-py's sort, each key rendered when a comparison first needs it.

    citeproc-py renders every key of every item before sorting (APA's bibliography: ten
    keys, five of them macros, the first often enough to order the items); here a key is
    rendered on first use and kept. The comparison is citeproc-py's and ``sorted`` makes
    the same comparisons on the same values, so the order is the same."""

    def sort(self, items: list[Any], context: Any) -> list[Any]:
        keys = self.findall("cs:key", self.nsmap)  # type: ignore[attr-defined]
        descending = [key.get("sort", "ascending").lower() == "descending" for key in keys]
        rendered: dict[tuple[int, int], Any] = {}

        def key(index: int, position: int) -> Any:
            try:
                return rendered[index, position]
            except KeyError:
                value = rendered[index, position] = keys[position].sort_keys(
                    [items[index]], context
                )[0]
                return value

        def compare(left: int, right: int) -> int:  # (citeproc-py's Sort.sort.mycmp)
            for position, desc in enumerate(descending):
                left_key, right_key = key(left, position), key(right, position)
                if left_key is not None and right_key is not None:
                    try:
                        left_key = str(left_key.lower())
                        right_key = str(right_key.lower())
                    except AttributeError:
                        pass
                    try:  # noqa: SIM105 (a comparison: as citeproc-py, no context manager)
                        left_key, right_key = (int(str(left_key)), int(str(right_key)))
                    except ValueError:
                        pass
                    result: int = (left_key > right_key) - (left_key < right_key)
                    if result:
                        return -1 * result if desc else result
                elif left_key is not None:
                    return -1
                elif right_key is not None:
                    return 1
            return 0

        order = sorted(range(len(items)), key=functools.cmp_to_key(compare))
        return [items[index] for index in order]


_EXTRA_MIXINS: dict[type, tuple[type, ...]] = {
    csl_model.Sort: (_LazySortKeys,),
    csl_model.Text: (_RecordsVariables,),
    csl_model.Substitute: (_SuppressesSubstituted,),
    csl_model.Names: (_CachedSubstitute,),
    csl_model.Date: (_CachedLocaleDate,),
    csl_model.Choose: (_FastChoose,),
    csl_model.If: (_FastConditions,),
    csl_model.Else_If: (_FastConditions,),
}


def _lookup() -> Any:
    """An lxml class lookup mapping CSL elements to caching subclasses of citeproc-py's
    element classes (in-style ``cs:locale`` keeps its own class: its ``get_term``
    differs)."""
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(_CSL[1:-1])
    namespace[None] = csl_model.CitationStylesElement
    for cls in csl_model.CitationStylesElement.__subclasses__():
        tag = cls.__name__.replace("_", "-").lower()
        if cls is csl_model.Locale:
            namespace[tag] = cls
            continue
        mixin = _CachedVariableCalls if hasattr(cls, "calls_variable") else _Cached
        bases = (*_EXTRA_MIXINS.get(cls, ()), mixin, cls)
        namespace[tag] = type(f"Cached{cls.__name__}", bases, {})
    return lookup


_LOOKUP = _lookup()


class _Style(CitationStylesStyle):  # type: ignore[misc]
    """A bundled style, parsed with the caching element classes and patched for
    citeproc-py's gaps (see the module docstring)."""

    def __init__(self, path: Path) -> None:  # (CitationStylesStyle's: another parser)
        parser = etree.XMLParser(
            remove_comments=True, encoding="UTF-8", no_network=True, resolve_entities=False
        )
        parser.set_element_class_lookup(_LOOKUP)
        self.xml = etree.parse(str(path), parser)
        self.root = root = self.xml.getroot()
        root.set_locale_list(root.get("default-locale", "en-US"), validate=False)
        root._refman_macros = {m.get("name"): m for m in root.iterfind(f"{_CSL}macro")}
        root._refman_terms = {}
        root._refman_options = {}
        root._refman_dates = {}
        root._refman_layouts = {}
        for layout in root.iter(f"{_CSL}layout"):
            kind = layout.getparent().tag.rpartition("}")[2]
            root._refman_layouts[kind] = layout
            for element in layout.iter():
                element.set(_LAYOUT, kind)
        _space_after_first_field(root)
        _localised_date_delimiters(root)
        for element in root.iter():  # filled now: rendering then only reads the tree
            if isinstance(element, _CachedVariableCalls):
                element.calls_variable()
            if isinstance(element, _CachedLocaleDate):
                element.is_locale_date()
            if all(element.get(name) is None for name in _FORMATTING):
                element.set(_PLAIN, "1")
        self.punctuation_in_quote = root.get_locale_option("punctuation-in-quote") == "true"
        self.lock = threading.Lock()
        # lxml makes a Python object for an element each time one is reached (a class
        # lookup, an allocation) unless one is alive: keeping them all saves a tenth
        self.elements = list(root.iter())


def _space_after_first_field(root: Any) -> None:
    bibliography = root.find(f"{_CSL}bibliography")
    if bibliography is None or bibliography.get("second-field-align") is None:
        return
    layout = bibliography.find(f"{_CSL}layout")
    first = next((child for child in layout if isinstance(child.tag, str)), None)
    if first is not None:
        suffix = first.get("suffix", "")
        if not suffix.endswith(" "):
            first.set("suffix", suffix + " ")


def _localised_date_delimiters(root: Any) -> None:
    for date in root.iter(f"{_CSL}date"):
        form = date.get("form")
        if form is None or date.get("delimiter") is not None or date.is_locale_date():
            continue
        localised = date.get_date(form)
        delimiter = localised.get("delimiter") if localised is not None else None
        if delimiter is not None:
            date.set("delimiter", delimiter)


_styles: dict[str, _Style] = {}
_styles_lock = threading.Lock()


def load_style(style: str) -> None:
    """Parse and cache ``style`` now (the first citation in it is then fast)."""
    _style(style)


def _style(style: str) -> _Style:
    loaded = _styles.get(style)
    if loaded is None:
        path = style_path(style)
        with _styles_lock:
            loaded = _styles.get(style)
            if loaded is None:
                loaded = _styles[style] = _Style(path)
    return loaded


# --- references as citeproc-py items -----------------------------------------------------

_MARK_CHARS = re.compile("[\ue000-\ue01f]")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_MIXED_CASE_WORD = re.compile(r"(?<![\w])[a-z]+[A-Z][\w]*")


def _text(value: object) -> Any:
    """A field value as citeproc-py text: marks dropped, mixed-case words no-case."""
    text = str(value)
    if _MARK_CHARS.search(text):
        text = _MARK_CHARS.sub("", text)
    if "\n" in text:
        text = _LINE_BREAK.sub(" ", text)  # an entry is one line
    if not _MIXED_CASE_WORD.search(text):
        return String(text)
    parts: list[Any] = []
    end = 0
    for match in _MIXED_CASE_WORD.finditer(text):
        if match.start() > end:
            parts.append(String(text[end : match.start()]))
        parts.append(NoCase(match.group()))
        end = match.end()
    if end < len(text):
        parts.append(String(text[end:]))
    return MixedString(parts)


def _name(data: dict[str, str]) -> Any:
    return Name(**{key: _MARK_CHARS.sub("", value) for key, value in data.items()})


def _date(data: dict[str, list[list[int]]]) -> Any:
    parts = data["date-parts"][0]
    return Date(**dict(zip(("year", "month", "day"), parts, strict=False)))


def _citeproc_reference(key: str, ref: Reference) -> Any:
    """``ref`` as a citeproc-py reference, through the CSL-JSON mapping."""
    item = to_csl(ref, _ITEM_OPTIONS, item_id=key)
    fields: dict[str, Any] = {}
    for name, value in item.items():
        variable = name.replace("-", "_")
        if variable not in _KNOWN_VARIABLES:
            continue  # id, type, citation-key, custom: not citeproc-py variables
        if variable in NAMES:
            fields[variable] = [_name(person) for person in value]
        elif variable in _DATE_VARIABLES:
            fields[variable] = _date(value)
        elif variable == "language":
            fields[variable] = str(value)
        else:
            fields[variable] = _text(value)
    return _CiteprocReference(key, item["type"], **fields)


def _field(name: str) -> property:
    def get(self: dict[str, Any]) -> Any:
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise VariableError from None

    return property(get)


class _CiteprocReference(CiteprocReference):  # type: ignore[misc]
    """A citeproc-py reference whose fields citeproc-py reads as attributes
    (``reference.type``, ``.language`` for every ``cs:text`` ...) are properties: its
    ``__getattr__`` answers them only after a failed lookup has built an ``AttributeError``
    (a missing language: three exceptions), a tenth of an entry's time."""

    type = _field("type")
    language = _field("language")
    page = _field("page")
    editor = _field("editor")
    translator = _field("translator")


class _Cite(CitationItem):  # type: ignore[misc]
    """A citation item holding its reference (citeproc-py looks it up through two
    attribute-to-dict hops a few hundred times per entry)."""

    def __init__(self, key: str, reference: Any) -> None:
        super().__init__(key)
        dict.__setitem__(self, "_reference", reference)

    @property
    def reference(self) -> Any:
        return dict.__getitem__(self, "_reference")


# --- markup ------------------------------------------------------------------------------

_KINDS = ("i", "b", "sup", "sub", "sc", "u", "light")
_OPEN = {kind: chr(0xE000 + n) for n, kind in enumerate(_KINDS)}
_CLOSE = {kind: chr(0xE010 + n) for n, kind in enumerate(_KINDS)}
_KIND_OF = {mark: kind for kind, mark in (*_OPEN.items(), *_CLOSE.items())}
_MARKS_PATTERN = "[\ue000-\ue01f]"
_DOUBLED_PUNCTUATION = re.compile(rf"([.,;:!?])((?:{_MARKS_PATTERN})+)\1")
_DOUBLED_SPACE = re.compile(rf" ((?:{_MARKS_PATTERN})+) ")
_PERIOD_AFTER_END = re.compile(rf"([\u2026?!])((?:{_MARKS_PATTERN})*)\.")
"""A period after an ellipsis, "?" or "!" (a provisional title ends with "…")."""


def _marker(kind: str) -> Callable[[object], Any]:
    opening, closing = _OPEN[kind], _CLOSE[kind]

    def mark(text: object) -> Any:
        return String(f"{opening}{text}{closing}")

    return mark


class _Marks:
    """A citeproc-py formatter (it takes any object with these attributes) that marks
    styled text instead of writing markup; ``_finish`` makes the markup."""

    preformat = staticmethod(str)
    Italic = staticmethod(_marker("i"))
    Oblique = staticmethod(_marker("i"))
    Bold = staticmethod(_marker("b"))
    Light = staticmethod(_marker("light"))
    Underline = staticmethod(_marker("u"))
    Superscript = staticmethod(_marker("sup"))
    Subscript = staticmethod(_marker("sub"))
    SmallCaps = staticmethod(_marker("sc"))


_HTML_TAGS = {
    "i": ("<i>", "</i>"),
    "b": ("<b>", "</b>"),
    "sup": ("<sup>", "</sup>"),
    "sub": ("<sub>", "</sub>"),
    "sc": ('<span style="font-variant:small-caps;">', "</span>"),
    "u": ('<span style="text-decoration:underline;">', "</span>"),
    "light": ('<span style="font-weight:lighter;">', "</span>"),
}
_MARKDOWN_TAGS = {
    "i": ("*", "*"),
    "b": ("**", "**"),
    "sup": ("<sup>", "</sup>"),
    "sub": ("<sub>", "</sub>"),
    "sc": ("", ""),
    "u": ("", ""),
    "light": ("", ""),
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])|&(?=#?\w+;)")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
_EMPTY_MARKS = re.compile("([\ue000-\ue00f])([\ue010-\ue01f])")
_EMPHASIS_SPACE = re.compile(rf"({_MARKS_PATTERN})(\s+)|(\s+)({_MARKS_PATTERN})")


_PUNCTUATION_AFTER_QUOTE = re.compile(
    rf"([.?!\u2026]?)((?:{_MARKS_PATTERN})*)\u201d((?:{_MARKS_PATTERN})*)([.,])"
)


def _punctuation_inside(match: re.Match[str]) -> str:
    """American punctuation: '"Title".' -> '"Title."' (a quote ending in ".", "?", "!" or
    "…" takes no more)."""
    end, inner, outer, punctuation = match.groups()
    return f"{end or ''}{inner}{'' if end else punctuation}\u201d{outer}"


def _finish(entry: str, output: Output, punctuation_in_quote: bool = False) -> str:
    """A rendered entry (text with marks) in ``output``. ``punctuation_in_quote``: the
    style's locale puts a following period or comma inside closing quotes (citeproc-py
    ignores that locale option)."""
    entry = _DOUBLED_PUNCTUATION.sub(r"\1\2", entry)
    entry = _PERIOD_AFTER_END.sub(r"\1\2", entry)
    entry = _DOUBLED_SPACE.sub(r" \1", entry).strip()
    if punctuation_in_quote:
        entry = _PUNCTUATION_AFTER_QUOTE.sub(_punctuation_inside, entry)
    if output == "text":
        return _MARK_CHARS.sub("", entry)
    if output == "html":
        return _marks_to_tags(html.escape(entry, quote=False), _HTML_TAGS)
    return _marks_to_tags(_markdown_escape(entry), _MARKDOWN_TAGS)


def _markdown_escape(entry: str) -> str:
    entry = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), entry)
    # an entry starting like a heading, quote, list item or rule would be one
    return _MARKDOWN_LINE_START.sub(_escape_line_start, entry)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, start = match.groups()
    return indent + (start + "\\" if start[0].isdigit() else "\\" + start)


def _marks_to_tags(entry: str, tags: dict[str, tuple[str, str]]) -> str:
    # whitespace inside emphasis moves out of it (Markdown ignores "* text *"), and empty
    # emphasis goes (Markdown would read "**" as bold)
    while True:
        moved = _EMPHASIS_SPACE.sub(_move_space, entry)
        moved = _EMPTY_MARKS.sub(_drop_empty, moved)
        if moved == entry:
            break
        entry = moved
    out = []
    for char in entry:
        kind = _KIND_OF.get(char)
        if kind is None:
            out.append(char)
        else:
            out.append(tags[kind][0 if char == _OPEN[kind] else 1])
    return "".join(out)


def _drop_empty(match: re.Match[str]) -> str:
    opening, closing = match.groups()
    return "" if ord(closing) - ord(opening) == 0x10 else opening + closing


def _move_space(match: re.Match[str]) -> str:
    if match.group(1) is not None:  # mark, then space
        mark, space = match.group(1), match.group(2)
        return mark + space if mark in _CLOSE.values() else space + mark
    space, mark = match.group(3), match.group(4)
    return space + mark if mark in _OPEN.values() else mark + space


# --- rendering ---------------------------------------------------------------------------


def _entries(refs: Sequence[Reference], style: str, output: Output) -> list[str]:
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}: expected one of {', '.join(OUTPUTS)}")
    loaded = _style(style)
    source = BibliographySource()
    cites: list[_Cite] = []
    seen: set[int] = set()
    for ref in refs:
        if ref.id is not None:
            if ref.id in seen:
                continue
            seen.add(ref.id)
        key = f"r{len(cites)}"
        reference = _citeproc_reference(key, ref)
        source.add(reference)
        cites.append(_Cite(key, reference))
    if not cites:
        return []
    with loaded.lock:
        bibliography = CitationStylesBibliography(loaded, source, _Marks)
        for cite in cites:
            bibliography.register(Citation([cite]))
        bibliography.sort()
        rendered = [str(entry) for entry in bibliography.bibliography()]
    return [_finish(entry, output, loaded.punctuation_in_quote) for entry in rendered]


def _join(entries: list[str], output: Output) -> str:
    if output == "html":
        if not entries:
            return ""
        body = "\n".join(f'  <div class="csl-entry">{entry}</div>' for entry in entries)
        return f'<div class="csl-bib-body">\n{body}\n</div>'
    return ("\n\n" if output == "markdown" else "\n").join(entries)


def format_bibliography(refs: Sequence[Reference], style: str, output: Output = "text") -> str:
    """``refs`` as a bibliography in ``style`` (a name in ``STYLES``): entries in the
    style's order (sorted, or numbered in the order given), one per line (text), per
    paragraph (Markdown) or per ``<div class="csl-entry">`` in a ``csl-bib-body`` (HTML);
    a reference given twice (same ``id``) appears once. :class:`UserError` for an unknown
    style, ``ValueError`` for an unknown output."""
    return _join(_entries(refs, style, output), output)


def format_citations(refs: Sequence[Reference], style: str, output: Output = "text") -> str:
    """What "Copy Citation" puts on the clipboard for a selection: its bibliography
    entries in ``style``, as :func:`format_bibliography` writes them."""
    return format_bibliography(refs, style, output)
