"""Pure helpers that read extra metadata out of free text: venues, counts, code links, titles.

Used by every reader whose records carry comments, journal references or only an
abstract. Nothing here does I/O. Patterns are compiled once; where a regex would scan a
whole abstract, plain substring searches (several times faster in CPython) find the few
places worth a regex match. The provisional title is still the dearest step, about 10 us
for a 1.8 kB abstract (benchmarks/synthetic.py) and 15-30 us for the seeds' abstracts,
which introduce acronyms.

Venue form
    A :class:`Venue` keeps the venue's name, year and kind apart; its :attr:`Venue.display`
    is what a reader stores in ``Reference.venue``. A conference is an event, so its display
    form carries the year ("CVPR 2021", "IJCAI 2021", "NeurIPS 2020"); a journal's name
    stands alone ("IEEE Transactions on Pattern Analysis and Machine Intelligence"), its
    year being the reference's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "Venue",
    "code_url",
    "find_venue",
    "page_and_figure_counts",
    "profile_venue",
    "provisional_title",
    "title_case",
    "venue_in_text",
]

VenueKind = Literal["conference", "journal"]


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a work appeared: a conference (an event, dated) or a journal."""

    name: str
    year: int | None = None
    kind: VenueKind = "conference"
    workshop: bool = False

    @property
    def display(self) -> str:
        """The form stored in ``Reference.venue``: "CVPR 2021", "CVPR 2021 Workshop", a
        journal's full name."""
        text = self.name
        if self.kind == "conference" and self.year is not None:
            text = f"{text} {self.year}"
        if self.workshop:
            text = f"{text} Workshop"
        return text


# --------------------------------------------------------------------------- venues

_CONFERENCES: Final[dict[str, tuple[str, ...]]] = {
    # canonical display name: spellings met in comments (matched case-sensitively)
    "3DV": ("3DV",),
    "AAAI": ("AAAI",),
    "ACCV": ("ACCV",),
    "ACL": ("ACL",),
    "ACM MM": ("ACM MM", "ACMMM", "ACM Multimedia"),
    "AISTATS": ("AISTATS",),
    "ASPLOS": ("ASPLOS",),
    "BMVC": ("BMVC",),
    "CIKM": ("CIKM",),
    "COLING": ("COLING",),
    "COLT": ("COLT",),
    "CoRL": ("CoRL", "CORL"),
    "CVPR": ("CVPR", "Conference on Computer Vision and Pattern Recognition"),
    "ECAI": ("ECAI",),
    "ECCV": ("ECCV", "European Conference on Computer Vision"),
    "EMNLP": ("EMNLP",),
    "HPCA": ("HPCA",),
    "ICASSP": ("ICASSP",),
    "ICCV": ("ICCV", "International Conference on Computer Vision"),
    "ICDE": ("ICDE",),
    "ICDM": ("ICDM",),
    "ICIP": ("ICIP",),
    "ICLR": ("ICLR", "International Conference on Learning Representations"),
    "ICME": ("ICME",),
    "ICML": ("ICML", "International Conference on Machine Learning"),
    "ICPR": ("ICPR",),
    "ICRA": ("ICRA",),
    "IJCAI": ("IJCAI", "International Joint Conference on Artificial Intelligence"),
    "IJCNN": ("IJCNN",),
    "INTERSPEECH": ("INTERSPEECH", "Interspeech"),
    "IROS": ("IROS",),
    "ISCA": ("ISCA",),
    "KDD": ("KDD", "SIGKDD"),
    "MICCAI": ("MICCAI",),
    "MLSys": ("MLSys", "MLSYS"),
    "NAACL": ("NAACL",),
    "NeurIPS": (
        "NeurIPS",
        "NEURIPS",
        "Neurips",
        "NIPS",
        "Conference on Neural Information Processing Systems",
    ),
    "PPoPP": ("PPoPP",),
    "SC": ("Supercomputing",),
    "SIGGRAPH": ("SIGGRAPH",),
    "SIGIR": ("SIGIR",),
    "UAI": ("UAI",),
    "WACV": ("WACV",),
    "WSDM": ("WSDM",),
    "WWW": ("WWW", "The Web Conference"),
}

_JOURNALS: Final[dict[str, tuple[str, ...]]] = {
    "IEEE Transactions on Pattern Analysis and Machine Intelligence": (
        "IEEE Transactions on Pattern Analysis and Machine Intelligence",
        "T-PAMI",
        "TPAMI",
        "IEEE PAMI",
        "IEEE TPAMI",
        "IEEE T-PAMI",
    ),
    "IEEE Transactions on Image Processing": ("IEEE Transactions on Image Processing", "TIP"),
    "IEEE Transactions on Neural Networks and Learning Systems": (
        "IEEE Transactions on Neural Networks and Learning Systems",
        "TNNLS",
    ),
    "IEEE Transactions on Multimedia": ("IEEE Transactions on Multimedia", "TMM"),
    "IEEE Transactions on Circuits and Systems for Video Technology": (
        "IEEE Transactions on Circuits and Systems for Video Technology",
        "TCSVT",
    ),
    "International Journal of Computer Vision": (
        "International Journal of Computer Vision",
        "IJCV",
    ),
    "Journal of Machine Learning Research": ("Journal of Machine Learning Research", "JMLR"),
    "Transactions on Machine Learning Research": ("TMLR",),
    "Pattern Recognition": ("Pattern Recognition",),
}

_CANONICAL: Final[dict[str, tuple[str, VenueKind]]] = {
    **{alias: (name, "journal") for name, aliases in _JOURNALS.items() for alias in aliases},
    **{alias: (name, "conference") for name, aliases in _CONFERENCES.items() for alias in aliases},
}

_ALIASES = "|".join(re.escape(alias) for alias in sorted(_CANONICAL, key=len, reverse=True))

_VENUE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<alias>{_ALIASES})(?![A-Za-z])"
    # an optional year glued on or after a space, dash or apostrophe: 2021, -21, '20
    r"(?:[ \t]*(?:-|'|’|‘)?[ \t]*(?P<year>(?:19|20)[0-9][0-9]|[0-9][0-9])(?![0-9]))?"
    r"(?P<workshop>[ \t]+[Ww]orkshops?\b)?"
)

_VENUE_START = re.compile(
    "(?<![A-Za-z0-9])[" + re.escape("".join(sorted({alias[0] for alias in _CANONICAL}))) + "]"
)
"""Where a ``_VENUE`` match can start: the first letter of an alias, after no letter or
digit. Trying ``_VENUE`` only there is a search several times faster than its own: the
regex engine would try the hundred aliases one by one at every position."""

_GENERIC_JOURNAL = re.compile(
    r"(?:(?:IEEE|ACM)(?:/[A-Z]+)?[ \t]+)?Transactions[ \t]+on(?:[ \t]+(?:and|of|for|in|the|"
    r"[A-Z][A-Za-z-]*))+|Journal[ \t]+of(?:[ \t]+(?:and|of|for|in|the|[A-Z][A-Za-z-]*))+"
)

_NOT_PUBLISHED = re.compile(
    r"submitted|under review|in submission|extension of|extended version|extends|"
    r"journal version|rejected|withdrawn",
    re.IGNORECASE,
)
"""Words that, before a venue in the same comment, mean it is not where the work appeared."""

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9][0-9])(?![0-9])")
_URL = re.compile(r"(?:https?://|www\.)\S+|\\url\{[^}]*\}")
_VOLUME_TAIL = re.compile(
    r"[\s,;:(]*(?:(?:vol|no|pp|pages?|volume|issue)\.?|[0-9()\[\]\-–,:;./\s])*$"
)


def find_venue(comments: str, journal_ref: str = "") -> Venue | None:
    """The venue named by a journal reference or, failing that, by the comments.

    The journal reference is the published record and wins; among comment lines the first
    that names a venue counts. A venue after "submitted to", "extension of" and the like
    is not where the work appeared and is skipped. An unknown journal reference gives a
    journal venue named by the reference without its volume, pages and year.
    """
    if journal_ref:
        venue = venue_in_text(journal_ref)
        if venue is not None:
            return venue
        name = _VOLUME_TAIL.sub("", journal_ref).strip(" ,;:.-")
        if name and not name.isdigit():
            return Venue(name, _year_in(journal_ref), "journal")
    if comments:
        for line in comments.split("\n"):
            venue = venue_in_text(line)
            if venue is not None:
                return venue
    return None


def venue_in_text(text: str) -> Venue | None:
    """The first known conference or journal named in one comment or journal reference.

    Spellings like ``CVPR2021``, ``CVPR 2021``, ``IJCAI-21`` and ``ECCV'20`` give the
    conference and year; a missing year is looked for elsewhere in the same text.
    """
    if not text or text.isspace() or text.islower():
        return None  # every alias holds a capital, and so do "Transactions" and "Journal"
    if "http" in text or "www." in text or "\\url" in text:
        text = _URL.sub(" ", text)
    match = _venue_match(text)
    generic = _GENERIC_JOURNAL.search(text) if "Transactions" in text or "Journal" in text else None
    if generic is not None and (match is None or generic.start() < match.start()):
        if _NOT_PUBLISHED.search(text, 0, generic.start()):
            return None
        name = generic.group().strip()
        known = _CANONICAL.get(name)
        return Venue(known[0] if known else name, _year_in(text), "journal")
    if match is None or _NOT_PUBLISHED.search(text, 0, match.start()):
        return None
    name, kind = _CANONICAL[match.group("alias")]
    year_text = match.group("year")
    if year_text is None:
        year = _year_in(text)
    elif len(year_text) == 2:
        short = int(year_text)
        year = 2000 + short if short < 70 else 1900 + short
    else:
        year = int(year_text)
    return Venue(name, year, kind, workshop=match.group("workshop") is not None)


def _venue_match(text: str) -> re.Match[str] | None:
    """``_VENUE.search(text)``, trying only where an alias can start."""
    for start in _VENUE_START.finditer(text):
        match = _VENUE.match(text, start.start())
        if match is not None:
            return match
    return None


def profile_venue(label: str, year: int | None) -> str:
    """The stored venue for a profile's venue label: known conferences gain their year."""
    label = label.strip()
    known = _CANONICAL.get(label)
    if known is None:
        return label
    return Venue(known[0], year, known[1]).display


def _year_in(text: str) -> int | None:
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


# --------------------------------------------------------------- page/figure counts

_PAGES = re.compile(r"(?<![\w.])([0-9]{1,4})[ \t]*(?:pages?\b|pp\.?(?!\w))", re.IGNORECASE)
_FIGURES = re.compile(r"(?<![\w.])([0-9]{1,4})[ \t]*(?:figures?\b|figs?\b\.?)", re.IGNORECASE)


def page_and_figure_counts(comments: str) -> tuple[int | None, int | None]:
    """Page and figure counts from comments such as ``9 pages, 6 figures``."""
    if not comments:
        return None, None
    pages = figures = None
    if "p" in comments or "P" in comments:
        match = _PAGES.search(comments)
        if match:
            pages = int(match.group(1))
    if "fig" in comments or "Fig" in comments or "FIG" in comments:
        match = _FIGURES.search(comments)
        if match:
            figures = int(match.group(1))
    return pages, figures


# ------------------------------------------------------------------------ code URLs

_CODE_HOSTS = frozenset(
    {
        "github.com",
        "gitlab.com",
        "bitbucket.org",
        "gitee.com",
        "codeberg.org",
        "sourceforge.net",
        "git.sr.ht",
        "huggingface.co",
    }
)
_BARE_HOSTS = ("github.com/", "gitlab.com/")
"""Code hosts also recognised without ``https://`` in front."""
_BARE_SLASH = len(_BARE_HOSTS[0]) - 1
assert all(len(host) - 1 == _BARE_SLASH and host.endswith("/") for host in _BARE_HOSTS)

_URL_BODY = re.compile(r"[^\s<>\"'{}\\|^`]+")
_CODE_CUE = re.compile(r"\b(?:code|implementation|source)\b[^.\n]{0,60}$", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*>/"


def code_url(*texts: str) -> str:
    """The first code repository link in ``texts`` (searched in order), or "".

    Links to known code hosts (GitHub, GitLab, Bitbucket, ...) anywhere count; another
    link counts when a "code"/"implementation" cue precedes it in the same sentence.
    ``\\url{...}`` wrappers and trailing punctuation are dropped, ``https://`` is added to
    a bare ``github.com/...``.
    """
    found = [_links(text) for text in texts]
    if not any(found):
        return ""
    for links in found:
        for _, url in links:
            if _host(url) in _CODE_HOSTS:
                return url
    for text, links in zip(texts, found, strict=True):
        for position, url in links:
            if _CODE_CUE.search(text, max(0, position - 80), position):
                return url
    return ""


def _links(text: str) -> list[tuple[int, str]]:
    """The links in ``text`` with their offsets, cleaned, in order of appearance."""
    links: list[tuple[int, str]] = []
    if not text:
        return links
    # Links start "http://", "https://" or a bare code host ending "com/". Single rare
    # characters (":", "/") are found with memchr, an order of magnitude faster than a
    # word, and every candidate is checked where it stands.
    colon = text.find(":")
    while colon >= 0:
        if text.startswith("//", colon + 1):
            if colon >= 5 and text.startswith("https", colon - 5):
                position = colon - 5
            elif colon >= 4 and text.startswith("http", colon - 4):
                position = colon - 4
            else:
                position = -1
            if position >= 0:
                match = _URL_BODY.match(text, position)
                if match is not None:
                    links.append((position, _clean_url(match.group())))
        colon = text.find(":", colon + 1)
    slash = text.find("/", _BARE_SLASH)
    while slash >= 0:
        position = slash - _BARE_SLASH
        if text.startswith(_BARE_HOSTS, position):
            start = position - 4 if text.startswith("www.", position - 4) else position
            if start == 0 or text[start - 1] not in "/.":
                match = _URL_BODY.match(text, start)
                if match is not None:
                    links.append((start, _clean_url(match.group())))
        slash = text.find("/", slash + 1)
    if len(links) > 1:
        links.sort()
    return links


def _host(url: str) -> str:
    start = url.find("://") + 3
    end = url.find("/", start)
    host = url[start : end if end >= 0 else len(url)].lower()
    return host[4:] if host.startswith("www.") else host


def _clean_url(url: str) -> str:
    while (url and url[-1] in _TRAILING) or (url.endswith(")") and url.count("(") < url.count(")")):
        url = url[:-1]
    while url.endswith("]") and url.count("[") < url.count("]"):
        url = url[:-1]
        url = url.rstrip(_TRAILING)
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    return url


# ----------------------------------------------------------------- provisional title

_TITLE_WORDS = 12
"""Words kept from the first sentence when no method name is found."""

_DESCRIPTION_WORDS = 10
"""At most this many words describe a named method after "NAME: "."""

_MAX_ACRONYM_KEYS = 10

_SMALL_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "via",
        "vs",
        "with",
        "without",
    }
)
_SKIPPABLE = _SMALL_WORDS | {"based"}
_GENERIC_HEADS = frozenset(
    {
        "method",
        "methods",
        "approach",
        "framework",
        "scheme",
        "model",
        "network",
        "algorithm",
        "technique",
        "module",
        "strategy",
        "system",
        "architecture",
        "pipeline",
        "paradigm",
        "solution",
        "mechanism",
        "loss",
    }
)
_DETERMINERS = frozenset({"a", "an", "the", "our", "this", "its", "their"})
_LEADING_ADJECTIVES = frozenset(
    {
        "novel",
        "new",
        "first",
        "simple",
        "effective",
        "generic",
        "general",
        "straightforward",
        "so-called",
        "proposed",
    }
)

_PAREN_ACRONYM = re.compile(r"\((?P<acr>[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*)\)")
_ACRONYM_TOKEN = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*")
_PAREN_EXPANSION = re.compile(r"\((?P<exp>[A-Z][A-Za-z-]*(?:[ \t]+[A-Za-z-]+){1,8})\)")
_NAME_WORD = r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
_NAMING_HINTS = ("term", "name", "call", "dub", "referred")
_NAMING = re.compile(
    r"(?:termed|named|called|dubbed|referred[ \t]+to|(?P<we_term>[Ww]e[ \t]+"
    r"(?:term|call|name|dub)[ \t]+(?P<described>[^.;:]{3,120}?)))[ \t]+(?:as[ \t]+)?"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]{_NAME_WORD})*)"
)
_PROPOSAL_CUES = (
    " propos",
    " present",
    " introduc",
    " develop",
    " devis",
    " design",
    " build",
    " termed",
    " term ",
    " name",
    " call",
    " dub",
    " coin",
    " novel",
    " new ",
    " our ",
    " resulting ",
)
"""Word starts that, before an acronym in its sentence, show it is being proposed.

Substring tests on the lower-cased sentence: several times faster than a regex."""
_PASSIVE_CUE = re.compile(
    r" (?:is|are) (?:first )?(?:proposed|presented|introduced|developed|designed)\b"
)
_TOPIC = re.compile(
    r"(?:in[ \t]+)?(?:this|the|our)[ \t]+(?:paper|work|article|study|report|survey)"
    r"(?:,?[ \t]+we)?[ \t]+(?:focus(?:es)?[ \t]+on|concentrates?[ \t]+on|reports?|presents?|"
    r"describes?|provides?|stud(?:y|ies)|address(?:es)?|investigates?|considers?|tackles?|"
    r"explores?|reviews?|surveys?)[ \t]+(?:(?:a|an|the)[ \t]+)?",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r",?[ \t]+(?:which|where|that|whose|while)\b|[,;:][ \t]")
_SEGMENT = re.compile(r"[A-Z][a-z]*|[a-z]+|[0-9]+")
"""An acronym's pieces: a capital with the lower-case letters after it, or a digit run."""
_ABBREVIATIONS = frozenset(
    {
        "e.g",
        "i.e",
        "al",
        "etc",
        "vs",
        "cf",
        "Fig",
        "Figs",
        "fig",
        "figs",
        "Eq",
        "Eqs",
        "eq",
        "resp",
        "approx",
        "Sec",
        "No",
        "no",
        "Dr",
        "Prof",
    }
)
_SENTENCE_END = re.compile(r"[.!?](?=[ \t\n]+[A-Z0-9$\\(\"'])")
_SENTENCE_MARKS = ".!?"
_SENTENCE_NEXT = re.compile(r"[ \t\n]+[A-Z0-9$\\(\"']")
"""``_SENTENCE_END`` is one of ``_SENTENCE_MARKS`` followed by ``_SENTENCE_NEXT``."""


def provisional_title(abstract: str, fallback: str = "Untitled") -> str:
    """A title for a record that has none, derived from its abstract; never empty.

    In order of preference:

    1. a method the abstract names ("..., termed GCC", "we term our X as AECR-Net",
       "named Dual Contrastive Learning (DCL)"), as "NAME: Description", the description
       being the name's spelled-out form, else the phrase that introduces it, else the
       paper's topic from its first sentence;
    2. an acronym introduced in a sentence that proposes something ("we propose a novel
       Dual Reweighting Domain Generalization (DRDG) framework"), as "DRDG: Dual
       Reweighting Domain Generalization";
    3. the topic of a first sentence such as "This paper reports X" or "In this paper,
       we study X";
    4. the first sentence, cut after about a dozen words with an ellipsis.

    ``fallback`` is returned for an abstract without words.
    """
    text = abstract.strip()  # line breaks may stay: every title is rebuilt from split words
    if not text:
        return fallback
    title = (
        _named_method(text)
        or _proposed_acronym(text)
        or _capitalised(_topic(text, _TITLE_WORDS))
        or _first_sentence(text)
    )
    return title or fallback


def _naming_matches(text: str) -> list[re.Match[str]]:
    """Matches of :data:`_NAMING`, found from cheap substring hits on its keywords."""
    starts: list[int] = []
    for hint in _NAMING_HINTS:
        position = text.find(hint)
        while position >= 0:
            if position == 0 or not text[position - 1].isalpha():
                if text.startswith(("we ", "We "), position - 3):
                    starts.append(position - 3)
                starts.append(position)
            position = text.find(hint, position + 1)
    matches = []
    for start in sorted(starts):
        match = _NAMING.match(text, start)
        if match is not None:
            matches.append(match)
    return matches


def _named_method(text: str) -> str:
    for match in _naming_matches(text):
        name = match.group("name")
        end = match.end()
        if " " in name:
            # a spelled-out name must be followed by its acronym: "named Dual ... (DCL)"
            paren = _PAREN_ACRONYM.match(text, end + 1) if text[end : end + 2] == " (" else None
            if paren is not None:
                acronym = paren.group("acr")
                expansion = _expansion_ending(name.split(" "), acronym)
                if expansion:
                    return f"{acronym}: {title_case(expansion)}"
            name = name.split(" ")[0]
            end = match.start("name") + len(name)
        if not _looks_like_name(name):
            continue
        if text[end : end + 2] == " (":
            inside = text[end + 2 : text.find(")", end)]
            if _expansion_ending(inside.split(), name) == inside:
                return f"{name}: {title_case(inside)}"
        description = _expansion_in_sentence(text, match.start("name"), end, name)
        if not description:
            described = match.group("described")
            if described is None:
                start = _sentence_start(text, match.start())
                described = text[start : match.start()].strip(" ,")
            description = _description(described)
            if len([w for w in description.split() if w.lower() not in _GENERIC_HEADS]) < 2:
                description = _topic(text, _DESCRIPTION_WORDS) or description
        return f"{name}: {title_case(description)}" if description else name
    return ""


def _proposed_acronym(text: str) -> str:
    position = text.find("(")
    while position >= 0:
        forward = _PAREN_ACRONYM.match(text, position)
        if forward is not None:
            acronym = forward.group("acr")
            if _upper_count(acronym) >= 2 and len(acronym) <= 20 and _in_proposal(text, forward):
                start = _sentence_start(text, position)
                words = text[start:position].rsplit(None, len(_segments(acronym)) + 4)
                expansion = _expansion_ending(words[-(len(_segments(acronym)) + 4) :], acronym)
                if expansion:
                    return f"{acronym}: {title_case(expansion)}"
        elif position > 1 and text[position - 1] == " ":
            backward = _PAREN_EXPANSION.match(text, position)
            if backward is not None:
                token_start = text.rfind(" ", 0, position - 1) + 1
                acronym = text[token_start : position - 1]
                expansion = backward.group("exp")
                if (
                    _ACRONYM_TOKEN.fullmatch(acronym)
                    and _in_proposal(text, backward)
                    and _expansion_ending(expansion.split(), acronym)
                ):
                    return f"{acronym}: {title_case(expansion)}"
        position = text.find("(", position + 1)
    return ""


def _in_proposal(text: str, match: re.Match[str]) -> bool:
    """Whether the sentence around ``match`` proposes it: a cue before it ("we propose a
    novel ...") or a passive main verb after it ("BNAS, with ..., is introduced").

    Sentence bounds here are plain ". " (abbreviations only narrow the window), and the
    cues are substring tests: this runs for every acronym of every abstract.
    """
    start = text.rfind(". ", 0, match.start()) + 1
    before = text[start : match.start()].lower()
    for cue in _PROPOSAL_CUES:
        if cue in before:
            return True
    end = text.find(". ", match.end())
    after = text[match.end() : end if end >= 0 else len(text)]
    if " is " not in after and " are " not in after:
        return False
    return _PASSIVE_CUE.search(after) is not None


def _segments(acronym: str) -> list[str]:
    """The pieces an acronym is spelled from, lower-cased: "CoGD" -> co, g, d."""
    return [piece.lower() for piece in _SEGMENT.findall(acronym)][:_MAX_ACRONYM_KEYS]


def _expansion_ending(words: list[str], acronym: str) -> str:
    """The shortest tail of ``words`` spelling ``acronym``, or "".

    Up to two words after the last contributing one may follow ("optimize gradient-driven
    sparsity (OptG)"); generic heads at the end ("... Descent algorithm (CoGD)") are dropped.
    """
    segments = _segments(acronym)
    if not segments:
        return ""
    words = [word.strip(",;:\"'()") for word in words]
    speller: _Speller | None = None
    count = len(words)
    for size in range(1, count + 1):
        start = count - size
        first = words[start].lower()
        if not first or first[0] != segments[0][0] or first in _SKIPPABLE:
            continue
        if speller is None:
            speller = _Speller(words, segments)
        used = speller.spell(start)
        if used and size - used <= 2:
            end = count
            while end > start + used and words[end - 1].lower() in _GENERIC_HEADS:
                end -= 1
            return " ".join(words[start:end])
    return ""


def _expansion_in_sentence(text: str, name_start: int, name_end: int, name: str) -> str:
    """A run of words in the sentence around a coined name that spells it, or ""."""
    segments = _segments(name)
    if len(segments) < 2:
        return ""
    start = _sentence_start(text, name_start)
    words = text[start:name_start] + " " + text[name_end : _sentence_end(text, name_end)]
    candidates = [word.strip(",;:\"'()") for word in words.split()]
    for index, word in enumerate(candidates):
        if not word or word[0].lower() != segments[0][0] or word.lower() in _SKIPPABLE:
            continue
        window = candidates[index : index + len(segments) + 4]
        used = _Speller(window, segments).spell(0)
        if used >= 2:
            return " ".join(window[:used])
    return ""


class _Speller:
    """Checks whether runs of words spell an acronym's segments.

    A contributing word (or part of a hyphenated word) starts with the next segment's
    letter. It may supply the following segments from its inner letters too, but only
    capitals ("NAS" gives N, A, S; "PArameterized" gives P, A) or after a multi-letter
    segment it starts with ("Cogradient" gives "Co" and G). A whole word contributing
    nothing must be a small word ("of", "to"); parts of a hyphenated word need not
    contribute. Word-initial letters are preferred to inner ones.
    """

    __slots__ = ("firsts", "parts", "segments", "starts")

    def __init__(self, words: list[str], segments: list[str]) -> None:
        self.segments = segments
        self.firsts = [segment[0] for segment in segments]
        # (word index, part, lower-cased part, last part of its word, word is small)
        self.parts: list[tuple[int, str, str, bool, bool]] = []
        self.starts: list[int] = []  # index in ``parts`` of each word's first part
        for index, word in enumerate(words):
            self.starts.append(len(self.parts))
            pieces = [piece for piece in word.split("-") if piece] or [word or " "]
            small = word.lower() in _SKIPPABLE
            for number, piece in enumerate(pieces):
                self.parts.append((index, piece, piece.lower(), number == len(pieces) - 1, small))

    def spell(self, first_word: int) -> int:
        """How many words from ``first_word`` on spell all segments (0 when they do not)."""
        last = self._search(self.starts[first_word], 0, False, -1)
        return last - first_word + 1 if last >= 0 else 0

    def _search(self, position: int, key: int, used: bool, last: int) -> int:
        if key == len(self.segments):
            return last
        if position == len(self.parts):
            return -1
        word, piece, lower, ends_word, small = self.parts[position]
        if lower[0] == self.firsts[key]:
            for end in _inner_ends(piece, lower, self.segments, key):
                found = self._search(position + 1, end, not ends_word, word)
                if found >= 0:
                    return found
        if ends_word and not used and not small:
            return -1
        return self._search(position + 1, key, used and not ends_word, last)


def _inner_ends(chunk: str, lower: str, segments: list[str], key: int) -> list[int]:
    """The segment indices a word part starting with ``segments[key]`` may spell up to."""
    ends = [key + 1]
    position = len(segments[key]) if lower.startswith(segments[key]) else 1
    free = len(segments[key]) > 1 and lower.startswith(segments[key])
    while ends[-1] < len(segments):
        wanted = segments[ends[-1]][0]
        found = lower.find(wanted, position)
        if found < 0 or not (free or chunk[found].isupper()):
            break
        free = False
        position = found + 1
        ends.append(ends[-1] + 1)
    return ends


def _upper_count(text: str) -> int:
    return sum(map(str.isupper, text))


def _looks_like_name(name: str) -> bool:
    """A coined method name: two capitals or a letter/digit mix ("GCC", "IntraQ", "ResNet50")."""
    return _upper_count(name) >= 2 or any(char.isdigit() for char in name)


def _description(phrase: str) -> str:
    """The noun phrase at the end of ``phrase``, without article or stock adjectives."""
    words = phrase.replace(",", " ").split()
    for index in range(len(words) - 1, -1, -1):
        if words[index].lower() in _DETERMINERS:
            words = words[index + 1 :]
            break
    while words and words[0].lower() in _LEADING_ADJECTIVES:
        words = words[1:]
    return " ".join(words[:_DESCRIPTION_WORDS])


def _topic(text: str, limit: int) -> str:
    """What the first sentence says the paper is about ("This paper focuses on X.")."""
    match = _TOPIC.match(text)
    if match is None:
        return ""
    sentence = text[match.end() : _sentence_end(text, match.end())]
    clause = _CLAUSE_END.search(sentence)
    if clause is not None:
        sentence = sentence[: clause.start()]
    words = sentence.rstrip(".").split()
    if len(words) < 2:
        return ""
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


def _capitalised(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts."""
    start = 0
    for candidate in (". ", "; "):
        found = text.rfind(candidate, 0, position)
        while found > 0 and candidate == ". " and _is_abbreviation(text, found):
            found = text.rfind(candidate, 0, found)
        if found >= 0:
            start = max(start, found + 2)
    return start


def _sentence_end(text: str, start: int) -> int:
    """The index of the full stop ending the sentence that holds ``start``.

    That is the first match of ``_SENTENCE_END`` not ending an abbreviation; its
    candidates, the rare characters ".", "!" and "?", are found with memchr rather than by
    the regex engine's character-by-character scan."""
    ends = [text.find(mark, start) for mark in _SENTENCE_MARKS]
    while True:
        found = [end for end in ends if end >= 0]
        if not found:
            return len(text)
        end = min(found)
        mark = text[end]
        if _SENTENCE_NEXT.match(text, end + 1) and not (
            mark == "." and _is_abbreviation(text, end)
        ):
            return end
        which = _SENTENCE_MARKS.index(mark)
        ends[which] = text.find(mark, end + 1)


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation such as "e.g." or "et al."."""
    word = text[text.rfind(" ", 0, dot) + 1 : dot].lstrip("(")
    return word in _ABBREVIATIONS


def _first_sentence(text: str) -> str:
    sentence = text[: _sentence_end(text, 0)].strip()
    words = sentence.split(maxsplit=_TITLE_WORDS)  # enough to tell whether it is longer
    if len(words) <= _TITLE_WORDS:
        return sentence.rstrip(".:;,")
    kept = words[:_TITLE_WORDS]
    while len(kept) > 1 and kept[-1].lower() in _SMALL_WORDS:
        kept.pop()  # "... found many application areas in" loses its dangling "in"
    cut = " ".join(kept)
    opened = cut.rfind("(")
    if opened > 0 and cut.count("(") > cut.count(")"):
        cut = cut[:opened]
    return cut.rstrip(" ,;:.-(") + "…"


def title_case(phrase: str) -> str:
    """Capitalise the words of a generated title, hyphenated parts too ("Self-Distillation").

    Parts holding a capital ("SpMV", "co-Attention"), small words after the first, and a
    one-letter prefix ("k-Reciprocal", "t-SNE") stay as written."""
    result = []
    for position, word in enumerate(phrase.split()):
        parts = word.split("-")
        for index, part in enumerate(parts):
            if not part.islower() or (part in _SMALL_WORDS and (position or index)):
                continue
            if len(part) == 1 and index == 0 and len(parts) > 1:
                continue
            parts[index] = part[0].upper() + part[1:]
        result.append("-".join(parts))
    return " ".join(result)
