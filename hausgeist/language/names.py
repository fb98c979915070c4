"""Area and device names as spoken: with articles, prepositions, inflection and in compounds.

Matching keys keep umlauts, as speech-to-text writes them and as `tokens.fold_word` does;
a `NameIndex` also knows the ASCII spellings (ae, oe, ue) of its own names, so "Kueche" finds
"Küche". Umlauts are never folded in the other direction: "ue" in "Feuer" is not an "ü".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

FUNCTION_WORDS = frozenset(
    {
        "im",
        "in",
        "ins",
        "der",
        "dem",
        "den",
        "des",
        "die",
        "das",
        "am",
        "an",
        "ans",
        "auf",
        "aufs",
        "vom",
        "von",
        "zum",
        "zur",
        "beim",
        "bei",
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "meines",
        "unser",
        "unsere",
        "unserem",
        "unseren",
        "unserer",
        "unseres",
    }
)
# Endings a name takes in a sentence: genitive "des Wohnzimmers", "des Bades", plural "Küchen".
_INFLECTIONS = ("s", "es", "n", "en", "e")
# Heads of other room names. "Bad" must not split "Badezimmerlicht" into Bad + "ezimmerlicht":
# a remainder that starts with one of these names a different room.
_ROOM_HEADS = ("zimmer", "raum", "kammer", "küche", "kueche", "keller", "stube", "diele")
# Linking elements (Fugen) between a name and the rest of a compound, most likely first.
# Nouns in -e take -n- ("Küche-n-licht"), nouns in -ung/-heit/... take -s- ("Wohnung-s-tür");
# other rooms mostly join bare ("Flur-schrank", not "Flurs-chrank").
_LINKS_AFTER_E = ("n", "")
_LINKS_AFTER_S_SUFFIX = ("s", "")
_S_SUFFIXES = ("ung", "heit", "keit", "schaft", "ion", "tät", "ling", "tum")
_LINKS_OTHERWISE = ("", "es", "s", "e")
_VOWELS = frozenset("aeiouyäöü")
# Consonant pairs that can begin a German word; "nlicht" or "szimmer" cannot be a word.
_ONSETS = frozenset(
    {"bl", "br", "ch", "dr", "fl", "fr", "gl", "gn", "gr", "kl", "kn", "kr", "pf", "ph", "pl"}
    | {"pr", "ps", "qu", "sc", "sk", "sl", "sm", "sn", "sp", "st", "sw", "th", "tr", "ts", "tw"}
    | {"wr", "zw"}
)
_MIN_REMAINDER = 3
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """The matching key of a text: casefolded (ß -> ss), punctuation dropped, spaces collapsed."""
    folded = unicodedata.normalize("NFC", text).casefold().replace("'", "").replace("’", "")
    return " ".join(_NON_WORD.sub(" ", folded).split())


def ascii_umlauts(text: str) -> str:
    """The same text with ä, ö, ü written as ae, oe, ue."""
    return text.translate(_ASCII)


def strip_function_words(words: Sequence[str]) -> list[str]:
    """Folded words without leading prepositions, articles and possessives ("in der Küche")."""
    folded = [part for word in words for part in fold(word).split()]
    start = 0
    while start < len(folded) and folded[start] in FUNCTION_WORDS:
        start += 1
    return folded[start:]


def _links(key: str) -> tuple[str, ...]:
    if key.endswith("e"):
        return _LINKS_AFTER_E
    if key.endswith(_S_SUFFIXES):
        return _LINKS_AFTER_S_SUFFIX
    return _LINKS_OTHERWISE


def _word_like(rest: str) -> bool:
    """Whether a compound's remainder can begin a German word."""
    if len(rest) < _MIN_REMAINDER:
        return False
    return rest[0] in _VOWELS or rest[1] in _VOWELS or rest[:2] in _ONSETS


def _names_another_room(rest: str) -> bool:
    return any(rest[skip:].startswith(_ROOM_HEADS) for skip in range(3))


class NameIndex:
    """Canonical names (areas, devices) by every way a household says them."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._keys: dict[str, str] = {}
        listed = [(name, tuple(aliases)) for name, aliases in entries]
        # Canonical names first, so that an alias never takes over another entry's name.
        spellings = [(name, name) for name, _ in listed]
        spellings += [(name, alias) for name, aliases in listed for alias in aliases]
        for name, spelling in spellings:
            key = fold(spelling)
            for variant in {key, ascii_umlauts(key)}:
                self._add(name, variant)
        self._longest_key = max(map(len, self._keys), default=0)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> NameIndex:
        """An index of names without aliases."""
        return cls((name, ()) for name in names)

    def _add(self, name: str, key: str) -> None:
        if key:
            self._keys.setdefault(key, name)

    def _lookup(self, key: str) -> str | None:
        for candidate in (key, ascii_umlauts(key)):
            if candidate in self._keys:
                return self._keys[candidate]
        return None

    def resolve(self, phrase: str) -> str | None:
        """The canonical name for "im Wohnzimmer", "des Wohnzimmers", "Küchen", or None."""
        key = " ".join(strip_function_words(phrase.split()))
        if not key:
            return None
        found = self._lookup(key)
        if found is not None:
            return found
        for ending in _INFLECTIONS:
            if key.endswith(ending) and len(key) > len(ending):
                found = self._lookup(key[: -len(ending)])
                if found is not None:
                    return found
        return None

    def split_compound(self, word: str) -> tuple[str, str] | None:
        """(canonical name, rest) for a compound such as "Küchenlicht" -> ("Küche", "licht").

        The rest is folded like `fold`. Longer names win ("Badezimmer" before "Bad").
        """
        key = fold(word)
        if " " in key:
            return None
        for size in range(min(self._longest_key, len(key) - 1), 0, -1):
            name = self._lookup(key[:size])
            if name is None:
                continue
            for link in _links(key[:size]):
                rest = key[size:]
                if not rest.startswith(link):
                    continue
                rest = rest[len(link) :]
                if _names_another_room(rest):
                    return None
                if _word_like(rest):
                    return name, rest
        return None
