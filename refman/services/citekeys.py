"""Citation keys: ``feng2022metaformer`` style, ASCII, unique across the library."""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def base_key(ref: Reference) -> str:
    """The key before disambiguation: family name, year, first significant title word."""
    family = _ascii_word(ref.authors[0].family) if ref.authors else ""
    words = [w for w in _WORD.findall(fold(ref.title)) if w not in STOP_WORDS]
    first = words[0] if words else ""
    year = str(ref.year) if ref.year else ""
    return f"{family or 'anon'}{year}{first}"[:100]


def _suffix(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", ... (bijective base 26)."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = ascii_lowercase[rest] + letters
    return letters


class KeyAllocator:
    """Hands out unique keys; remembers per base which suffix to try next, so a library
    with thousands of ``anon2021...`` keys does not rescan them for every new one."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        self._next: dict[str, int] = {}

    def unique(self, base: str) -> str:
        """``base`` itself when free, else ``base`` + a, b, ... z, aa, ab, ..."""
        if base not in self.taken:
            return base
        n = self._next.get(base, 0)
        while base + _suffix(n) in self.taken:
            n += 1
        self._next[base] = n + 1
        return base + _suffix(n)

    def assign(self, ref: Reference) -> str:
        """Give ``ref`` a unique key (keeping a free key it already has) and reserve it."""
        wanted = _ascii_word(ref.citekey) if ref.citekey else ""
        key = self.unique(wanted or base_key(ref))
        self.taken.add(key)
        ref.citekey = key
        return key
