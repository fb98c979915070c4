"""What a household is likely to say: words for snapping and a prompt for decoding.

The words come from the compiled grammar (every template word and list value), the home
(rooms, floors, device names) and the order catalog; the prompt names the home's rooms,
devices and products so the recogniser spells them as the household does.
"""

from __future__ import annotations

from collections.abc import Iterable

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.build import Compiled
from hausgeist.language.tokens import fold_phrase
from hausgeist.skills.catalog import Catalog
from hausgeist.speech.stt import Hints

_NUMBERS = (
    "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
    "fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig dreißig vierzig fünfzig sechzig "
    "siebzig achtzig neunzig hundert halb viertel dreiviertel einer einem uhr prozent grad"
).split()
# Words of the commands every household uses, so the prompt reads like one of them.
_COMMON = ("Licht", "Timer", "Wecker", "Musik", "Einkaufsliste", "Lautstärke", "Heizung")


def grammar_words(compiled: Compiled) -> set[str]:
    """Every literal word the grammar reads, with its slot lists and skip words."""
    words = {move.lstrip("\x01") for moves in compiled.dfa.moves for move in moves
             if not move.startswith("{")}  # fmt: skip
    for phrase in compiled.lexicon.static.items:
        words.update(phrase)
    for phrase in compiled.lexicon.skip.items:
        words.update(phrase)
    return {word for word in words if word.isalpha()}


def home_names(home: HomeSnapshot, catalog: Catalog | None = None) -> list[str]:
    """Rooms, floors, device names and products, in the home's spelling."""
    names = [area.name for area in home.areas] + list(home.floors)
    names += [entity.name for entity in home.entities]
    if catalog is not None:
        names += [synonym for product in catalog.products for synonym in product.synonyms[:1]]
    return list(dict.fromkeys(names))


def vocabulary(compiled: Compiled, names: Iterable[str]) -> set[str]:
    """Words a transcript may be snapped to."""
    words = grammar_words(compiled) | set(_NUMBERS)
    for name in names:
        words.update(fold_phrase(name))
    return words


def hints(names: list[str]) -> Hints:
    """A decoding prompt and hotwords from the home's names."""
    named = list(dict.fromkeys([*_COMMON, *names]))
    return Hints(prompt=", ".join(named) + ".", hotwords=tuple(named))
