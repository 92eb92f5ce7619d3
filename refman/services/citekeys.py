"""Citation keys: ``feng2022metaformer`` style, ASCII, unique across the library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from string import ascii_lowercase

from refman.domain import Reference
from refman.domain.text import fold

STOP_WORDS = frozenset(
    "a an and are as at by for from in into is it of on or the to towards toward via with "
    "what when where which who why how do does can we our your new novel".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _ascii_word(text: str) -> str:
    return "".join(_WORD.findall(fold(text)))


_family_word = lru_cache(maxsize=4096)(_ascii_word)
"""``_ascii_word`` for family names, which recur from record to record."""


def base_key(ref: Reference) -> str:
    """The key before disambiguation: family name, year, first significant title word."""
    family = ref.authors[0].family if ref.authors else None
    return _base(" ".join(_WORD.findall(fold(ref.title))), family, ref.year)


def _base(title_key: str, family: str | None, year: int | None) -> str:
    words = title_key.split()
    first = next((w for w in words if w not in STOP_WORDS), "")
    family_word = _family_word(family) if family is not None else ""
    return f"{family_word or 'anon'}{year if year else ''}{first}"[:100]


def key_base(ref: Reference) -> str:
    """What ``KeyAllocator.assign`` makes unique: the source's key (as an ASCII word) when
    it has one, else ``base_key``."""
    wanted = _ascii_word(ref.citekey) if ref.citekey else ""
    return wanted or base_key(ref)


def key_base_of(citekey: str, title_key: str, family: str | None, year: int | None) -> str:
    """``key_base`` from parts: the source's key, ``refman.domain.text.title_key`` of the
    title (its words are the title's ASCII words), the first author's family name."""
    wanted = _ascii_word(citekey) if citekey else ""
    return wanted or _base(title_key, family, year)


def _suffix(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", ... (bijective base 26)."""
    if n < len(_SUFFIXES):
        return _SUFFIXES[n]
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = ascii_lowercase[rest] + letters
    return letters


_SUFFIXES: list[str] = [
    *ascii_lowercase,
    *(a + b for a in ascii_lowercase for b in ascii_lowercase),
]


class KeyAllocator:
    """Hands out unique keys; remembers per base which suffix to try next, so a library
    with thousands of ``anon2021...`` keys does not rescan them for every new one."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        self._next: dict[str, int] = {}

    def unique(self, base: str) -> str:
        """``base`` itself when free, else ``base`` + a, b, ... z, aa, ab, ..."""
        taken = self.taken
        if base not in taken:
            return base
        n = self._next.get(base, 0)
        while (key := base + _suffix(n)) in taken:
            n += 1
        self._next[base] = n + 1
        return key

    def allocate(self, base: str) -> str:
        """A unique key from ``base`` (see ``unique``), reserved."""
        key = self.unique(base)
        self.taken.add(key)
        return key

    def assign(self, ref: Reference) -> str:
        """Give ``ref`` a unique key (keeping a free key it already has) and reserve it."""
        key = self.allocate(key_base(ref))
        ref.citekey = key
        return key


DEFAULT_PATTERN = "{author}{year}{title}"
"""The key pattern users get unless they choose another: ``feng2022metaformer``."""

_FIELD = re.compile(r"\{(\w+)\}")
_KEY_TEXT = re.compile(r"[A-Za-z0-9_:.\-]*")
PATTERN_FIELDS = {
    "author": "first author's family name, lower case (anon without authors)",
    "Author": "first author's family name, capitalised (Anon without authors)",
    "authors": "up to two family names, lower case, then etal",
    "year": "year (empty without one)",
    "title": "first significant word of the title, lower case",
    "Title": "first significant word of the title, capitalised",
    "shorttitle": "first three significant words of the title, lower case",
}
"""The ``{fields}`` a key pattern may use, with what each gives."""


def check_pattern(pattern: str) -> str:
    """``pattern`` if it is a usable key pattern; raises ``ValueError`` saying what is
    wrong (an unknown ``{field}``, a character not allowed in keys, no field at all)."""
    fields = _FIELD.findall(pattern)
    if not fields:
        raise ValueError(f"key pattern {pattern!r} uses no field; use e.g. {DEFAULT_PATTERN}")
    unknown = [name for name in fields if name not in PATTERN_FIELDS]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in PATTERN_FIELDS)
        raise ValueError(f"key pattern: unknown field {{{unknown[0]}}} (known: {known})")
    literal = _FIELD.sub("", pattern)
    if not _KEY_TEXT.fullmatch(literal):
        raise ValueError("key pattern: outside {fields} use letters, digits and _ : . - only")
    return pattern


def pattern_key(ref: Reference, pattern: str = DEFAULT_PATTERN) -> str:
    """The key ``pattern`` gives ``ref`` before disambiguation (ASCII)."""
    families = [_ascii_word(p.family) for p in ref.authors]
    families = [f for f in families if f]
    words = [w for w in _WORD.findall(fold(ref.title)) if w not in STOP_WORDS]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("author", "Author"):
            family = families[0] if families else "anon"
            return family.capitalize() if name == "Author" else family
        if name == "authors":
            return "".join(families[:2]) + ("etal" if len(families) > 2 else "") or "anon"
        if name == "year":
            return str(ref.year) if ref.year else ""
        if name in ("title", "Title"):
            first = words[0] if words else ""
            return first.capitalize() if name == "Title" else first
        return "".join(words[:3])  # shorttitle

    return _FIELD.sub(value, check_pattern(pattern))[:100] or "ref"
