"""What each stretch of an input sentence could be: words, slot list values, skip words.

The matcher reads a sentence as a lattice. Its positions are token starts (token i starts
at position i*STRIDE) plus positions inside a token where a glued suffix splits off
("wohnzimmers" = "wohnzimmer" + "s" at i*STRIDE + 10). Edges carry a word, a list value or
nothing (a skip word such as "bitte"). Static lists are indexed once per grammar; the
home's lists (entity names, areas, floors) once per home snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hassil import Intents, RangeSlotList, TextSlotList, WildcardSlotList

from hausgeist.home.snapshot import Entity, HomeSnapshot
from hausgeist.language.compiler import GLUE, Automaton, expand_words, list_symbol
from hausgeist.language.numbers import match_number
from hausgeist.language.tokens import Token, fold_phrase
from hausgeist.language.values import RECOGNIZERS, Recognizer

RECOGNIZED = frozenset(r.symbol for r in RECOGNIZERS)
_UNSEEN = object()
_LINKS = ("n", "s", "en", "es")

# Positions per token; a split point inside a token is its character offset.
STRIDE = 1024

# Lists that the home fills in: entity names, areas and floors.
HOME_LISTS = ("name", "area", "floor")

# Entity domains inferred from a state when a snapshot does not name the domain.
# Only states that one domain alone uses; "docked", "idle" or "open" say too little.
_DOMAIN_BY_STATE = {
    "heat": "climate", "cool": "climate", "heat_cool": "climate",
    "cleaning": "vacuum", "returning": "vacuum", "mowing": "lawn_mower",
    "playing": "media_player", "locked": "lock", "unlocked": "lock",
    "rainy": "weather", "clear": "weather", "snowy": "weather",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ListValue:
    """A stretch of input read as a value of a slot list."""

    symbol: str
    value: Any
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    # False for a number outside its range ("250 Prozent"): the reading still matches, so
    # a skill can say what is wrong, but any reading without such a number ranks first.
    valid: bool = True
    number: bool = False  # read from a number ("zwölf", "22")


class PhraseIndex:
    """Phrases (tuples of folded words) to the items they stand for."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, ...], list[ListValue]] = defaultdict(list)
        self.longest: dict[str, int] = {}
        self.last_words: set[str] = set()

    def add(self, words: tuple[str, ...], item: ListValue) -> None:
        """Index one phrase."""
        if not words:
            return
        self.items[words].append(item)
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))
        self.last_words.add(words[-1])

    def find(self, words: Sequence[str], start: int) -> Iterable[tuple[int, list[ListValue]]]:
        """(end, items) for every indexed phrase that starts at `start`."""
        longest = self.longest.get(words[start], 0)
        for end in range(start + 1, min(start + longest, len(words)) + 1):
            found = self.items.get(tuple(words[start:end]))
            if found:
                yield end, found


class Lattice:
    """Edges of one sentence, by position."""

    __slots__ = ("end", "skips", "source", "tokens", "values", "words")

    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.end = STRIDE * len(tokens)
        self.words: dict[int, list[tuple[str, int]]] = {}
        self.values: dict[int, dict[str, list[tuple[int, ListValue]]]] = {}
        self.skips: dict[int, list[int]] = {}

    def add_word(self, pos: int, word: str, after: int) -> None:
        """A word read from `pos` to `after`."""
        found = self.words.get(pos)
        if found is None:
            self.words[pos] = [(word, after)]
        else:
            found.append((word, after))

    def add_value(self, pos: int, after: int, item: ListValue) -> None:
        """A list value read from `pos` to `after`."""
        by_symbol = self.values.get(pos)
        if by_symbol is None:
            by_symbol = self.values[pos] = {}
        by_symbol.setdefault(item.symbol, []).append((after, item))


@dataclass(frozen=True, slots=True)
class _WordFacts:
    """What a single word can start, computed once per distinct word."""

    cuts: tuple[tuple[int, str, tuple[str, ...]], ...]
    numbers: bool
    skip: bool
    recognizers: tuple[Recognizer, ...]
    plain: bool


class Lexicon:
    """Static slot lists, number ranges, skip words and glued suffixes of one grammar."""

    def __init__(self, automaton: Automaton, intents: Intents) -> None:
        self.static = PhraseIndex()
        self.skip = PhraseIndex()
        self.ranges: list[tuple[str, RangeSlotList]] = []
        self.wildcards: set[str] = set()
        self.glue = automaton.glue_words
        self.glue_longest = max(map(len, self.glue), default=0)
        self.glue_suffixes = tuple(self.glue)
        self._facts: dict[str, _WordFacts] = {}
        self._range_values: dict[float, list[ListValue]] = {}
        self._recognized: dict[tuple[str, str, date], Any] = {}
        used = {list_symbol(key) for key in automaton.lists}
        self.recognizers = tuple(r for r in RECOGNIZERS if r.symbol in used)
        for key, slot in automaton.lists.items():
            definition = slot.definition
            symbol = list_symbol(key)
            if isinstance(definition, TextSlotList):
                for value in definition.values:
                    item = ListValue(symbol, value.value_out, value.context, value.metadata)
                    for words in expand_words(value.text_in, intents):
                        self.static.add(words, item)
            elif isinstance(definition, RangeSlotList):
                self.ranges.append((symbol, definition))
            elif isinstance(definition, WildcardSlotList) and symbol not in RECOGNIZED:
                self.wildcards.add(symbol)
        for skip_word in automaton.skip_words:
            self.skip.add(fold_phrase(skip_word), ListValue("", None))

    def lattice(self, source: str, tokens: list[Token], index: PhraseIndex, today: date) -> Lattice:
        """All readings of every stretch of the sentence; `today` resolves relative dates."""
        lattice = Lattice(source, tokens)
        words = [token.word for token in tokens]
        lattice.words = {STRIDE * i: [(word, STRIDE * (i + 1))] for i, word in enumerate(words)}
        indexes = (self.static, index)
        known = self._facts
        for i, word in enumerate(words):
            facts = known.get(word) or self._learn(word)
            if facts.plain and word not in index.longest:
                continue
            here, after = STRIDE * i, STRIDE * (i + 1)
            for cut, suffix, heads in facts.cuts:
                if self._split(lattice, words, i, cut, heads, indexes):
                    lattice.add_word(here + cut, GLUE + suffix, after)
            for phrases in indexes:
                if word in phrases.longest:
                    for end, items in phrases.find(words, i):
                        for item in items:
                            lattice.add_value(here, STRIDE * end, item)
            if facts.numbers:
                self._numbers(lattice, words, i)
            if facts.skip:
                lattice.skips[here] = [STRIDE * end for end, _ in self.skip.find(words, i)]
            for recognizer in facts.recognizers:
                self._recognize(lattice, words, i, recognizer, today)
        return lattice

    def _recognize(
        self, lattice: Lattice, words: list[str], i: int, recognizer: Recognizer, today: date
    ) -> None:
        """Values such as clock times that start at token i, parsed from the original text."""
        tokens = lattice.tokens
        limit = min(len(words), i + recognizer.max_words)
        for end in range(i + 1, limit + 1):
            if end > i + 1 and not recognizer.accepts(words[end - 1]):
                break
            text = lattice.source[tokens[i].start : tokens[end - 1].end]
            key = (recognizer.symbol, text, today)
            value = self._recognized.get(key, _UNSEEN)
            if value is _UNSEEN:
                value = recognizer.parse(text, today)
                if len(self._recognized) > 50_000:
                    self._recognized.clear()
                self._recognized[key] = value
            if value is not None:
                lattice.add_value(STRIDE * i, STRIDE * end, ListValue(recognizer.symbol, value))

    def _learn(self, word: str) -> _WordFacts:
        cuts: list[tuple[int, str, tuple[str, ...]]] = []
        if len(word) < STRIDE and word.endswith(self.glue_suffixes):
            for cut in range(max(2, len(word) - self.glue_longest), len(word)):
                if word[cut:] in self.glue:
                    stem = word[:cut]
                    # Compounds may join with a linking -n-, -s-, -en-, -es- ("Küche-n-licht").
                    heads = (stem, *(stem[: -len(link)] for link in _LINKS if stem.endswith(link)))
                    cuts.append((cut, word[cut:], heads))
        numbers = word == "minus" or bool(match_number([word], 0))
        skip = word in self.skip.longest
        listed = {item.symbol for item in self.static.items.get((word,), ())}
        recognizers = tuple(
            r for r in self.recognizers if r.symbol not in listed and r.starts(word)
        )
        # A plain word is only itself: nothing to look up beyond the home's names.
        plain = not (cuts or numbers or skip or recognizers or word in self.static.longest)
        facts = _WordFacts(tuple(cuts), numbers, skip, recognizers, plain)
        if len(self._facts) < 100_000:
            self._facts[word] = facts
        return facts

    def _split(
        self,
        lattice: Lattice,
        words: list[str],
        i: int,
        cut: int,
        heads: tuple[str, ...],
        indexes: tuple[PhraseIndex, ...],
    ) -> bool:
        """List values that end inside token i, before a glued suffix ("wohnzimmer|s").

        Only a list value can be followed by a glued suffix, so a split that ends no list
        value adds nothing.
        """
        if not any(head in p.last_words for p in indexes for head in heads):
            return False
        found = False
        for start in range(max(0, i - 3), i + 1):
            for phrases in indexes:
                if start < i and phrases.longest.get(words[start], 0) <= i - start:
                    continue
                for head in heads:
                    for item in phrases.items.get((*words[start:i], head), ()):
                        lattice.add_value(STRIDE * start, STRIDE * i + cut, item)
                        found = True
        return found

    def _numbers(self, lattice: Lattice, words: list[str], i: int) -> None:
        for end, number in match_number(words, i):
            items = self._range_values.get(number)
            if items is None:
                items = [_range_value(number, symbol, span) for symbol, span in self.ranges]
                if len(self._range_values) < 10_000:
                    self._range_values[number] = items
            for item in items:
                lattice.add_value(STRIDE * i, STRIDE * end, item)


def _range_value(number: float, symbol: str, span: RangeSlotList) -> ListValue:
    """A number as a value of a range list, marked invalid when the range does not hold it."""
    valid = span.start <= number <= span.stop
    if number != int(number):
        valid = valid and span.fraction_type is not None and (number * 2) == int(number * 2)
    else:
        valid = valid and not (int(number) - span.start) % span.step
    value: float | int = int(number) if number == int(number) else number
    if span.multiplier is not None:
        value = value * span.multiplier
        value = int(value) if value == int(value) else value
    return ListValue(symbol, value, valid=valid, number=True)


def home_index(home: HomeSnapshot) -> PhraseIndex:
    """Index a home's entity names, areas and floors as slot list values."""
    index = PhraseIndex()
    for entity in home.entities:
        context = entity_context(entity)
        item = ListValue(list_symbol("name"), entity.name, context)
        for text in (entity.name, *entity.aliases):
            index.add(fold_phrase(text), item)
            if "-" in text:
                index.add(fold_phrase(text.replace("-", " ")), item)
    for area in home.areas:
        item = ListValue(list_symbol("area"), area.name, {"area": area.name})
        for text in (area.name, *area.aliases):
            index.add(fold_phrase(text), item)
    for floor in home.floors:
        index.add(fold_phrase(floor), ListValue(list_symbol("floor"), floor, {"floor": floor}))
    return index


def entity_context(entity: Entity) -> dict[str, Any]:
    context: dict[str, Any] = {}
    domain = entity.domain or _DOMAIN_BY_STATE.get(entity.state or "")
    if domain:
        context["domain"] = domain
    if entity.area:
        context["area"] = entity.area
    return context
