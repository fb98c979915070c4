"""The commands a household can say: sentences drawn from the grammar with the home's names.

Snapping a misheard transcript needs something to snap to. The templates are walked by a
seeded random sampler (one alternative per choice, optional parts left out half the time),
with the home's rooms, floors and device names in its lists, numbers in words, and a few
everyday values in the free-text slots (shopping items, artists, clock times). Every drawn
sentence is read back by the grammar, which gives its meaning; one the grammar does not
read is dropped. Each sentence remembers which of its words are free text, so a snap can
put the words the household said there instead of the sample value. The everyday shapes
of phrases.yaml, filled with every room and device, join them: random walks rarely draw
the plain forms people say most.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from hassil.expression import ListReference, Sentence
from hassil.intents import Intents, RangeSlotList, TextSlotList

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.parse import ParseResult
from hausgeist.language.sampling import Piece, TemplateSampler

# Everyday values for the free-text slots; what matters is their shape, not the value.
FREE_VALUES: Mapping[str, tuple[str, ...]] = {
    "shopping_list_item": ("milch", "eier", "brot", "äpfel", "kartoffeln"),
    "todo_list_item": ("wäsche waschen", "oma anrufen"),
    "search_query": ("die beatles", "jazz", "helene fischer", "rockmusik"),
    "message": ("das essen ist fertig",),
    "timer_name": ("pizza", "nudeln"),
    "timer_command": ("mach das licht aus",),
    "hg_clock_time": ("acht uhr", "halb acht", "viertel nach sechs", "sechs uhr dreißig"),
    "hg_date": ("morgen", "am montag"),
    "hg_voice_code": ("eins zwei drei vier",),
    "hg_product": ("kaffeebohnen", "spülmittel", "toilettenpapier"),
    "hg_quantity": ("zwei", "drei"),
    "zone": ("zuhause",),
}
_NUMBERS = (1, 2, 3, 4, 5, 8, 10, 12, 15, 18, 20, 21, 23, 25, 30, 40, 45, 50, 60, 70, 80, 100)
PHRASES_FILE = Path(__file__).with_name("phrases.yaml")


@dataclass(frozen=True)
class Command:
    """A sentence the grammar reads, its meaning, and which of its words are free text."""

    text: str
    intent: str
    meaning: tuple[str, ...]  # intent and the values of the slots that are not free text
    free: tuple[int, int] | None = None  # word span [start, end) of the free-text value
    free_slot: str | None = None  # the slot that free text fills


# Slots of a parse that hold free text: a shape with one is drawn by the sampler instead.
_FREE_SLOTS = frozenset({"item", "search_query", "product", "message", "time", "date", "code"})
_COUNTED = frozenset({"hg_quantity"})  # wildcards whose value is a number, not free text


class Sampler(TemplateSampler):
    """Seeded random walks over the templates, filled with one home's names."""

    def __init__(self, intents: Intents, home: HomeSnapshot, seed: int = 11) -> None:
        super().__init__(intents, seed)
        self._home_lists = {
            "area": _names((a.name, *a.aliases) for a in home.areas),
            "floor": _names((f,) for f in home.floors),
            "name": _names((e.name, *e.aliases) for e in home.entities),
        }

    def fill(self, ref: ListReference, rules: Mapping[str, Sentence]) -> Iterator[Piece]:
        """A value of the list; only a free-text value is marked with its slot."""
        values = self.intents.slot_lists.get(ref.list_name)
        if isinstance(values, TextSlotList) and values.values:
            yield from self.walk(self.random.choice(values.values).text_in, rules, None)
        elif isinstance(values, RangeSlotList):
            numbers = [n for n in _NUMBERS if values.start <= n <= values.stop] or [values.start]
            yield f" {number_words(self.random.choice(numbers))} ", None
        elif ref.list_name in self._home_lists:
            yield f" {self.random.choice(self._home_lists[ref.list_name] or ['etwas'])} ", None
        else:
            pool = FREE_VALUES.get(ref.list_name) or FREE_VALUES.get(ref.slot_name) or ("etwas",)
            slot = None if ref.list_name in _COUNTED else ref.slot_name
            yield f" {self.random.choice(pool)} ", slot


def commands(
    intents: Intents,
    home: HomeSnapshot,
    read: Callable[[str], ParseResult],
    per_template: int = 12,
) -> list[Command]:
    """The distinct sentences drawn for `home` that the grammar reads, with their meanings."""
    found: dict[str, Command] = {}
    for text in filled(home):
        parsed = read(text)
        if parsed.intent is not None and not _FREE_SLOTS & set(parsed.slots):
            found[text.casefold()] = Command(text.casefold(), parsed.intent, meaning(parsed))
    for intent, pieces in Sampler(intents, home).draw(per_template):
        words, free = _words(pieces)
        text = " ".join(words)
        if not text or text in found or len(free) > 1:
            continue
        parsed = read(text)
        if parsed.intent != intent:
            continue
        span, slot = (free[0][:2], free[0][2]) if free else (None, None)
        found[text] = Command(text, intent, meaning(parsed, [slot] if slot else []), span, slot)
    return list(found.values())


def phrases() -> list[str]:
    """The everyday command shapes of phrases.yaml."""
    with PHRASES_FILE.open(encoding="utf-8") as stream:
        return [str(shape) for shape in yaml.safe_load(stream)["phrases"]]


def nouns() -> list[str]:
    """The command vocabulary's nouns in phrases.yaml, with their capitals."""
    with PHRASES_FILE.open(encoding="utf-8") as stream:
        return [str(noun) for noun in yaml.safe_load(stream)["nouns"]]


def filled(home: HomeSnapshot, every: bool = True) -> list[str]:
    """The shapes with the home's names: every name in every shape, or one name per shape
    (rooms and devices taken in turn), which is short enough for a decoding prompt."""
    names = {
        "area": [a.name for a in home.areas] or ["Wohnzimmer"],
        "device": [e.name for e in home.entities if e.domain != "todo"] or ["Licht"],
        "light": [e.name for e in home.entities if e.domain == "light"] or ["Licht"],
    }
    turns = {slot: itertools.cycle(values) for slot, values in names.items()}
    out: list[str] = []
    for shape in phrases():
        slots = [slot for slot in names if "{" + slot + "}" in shape]
        if not slots:
            out.append(shape)
        elif every:
            out.extend(shape.replace("{" + slots[0] + "}", v) for v in names[slots[0]])
        else:
            out.append(shape.replace("{" + slots[0] + "}", next(turns[slots[0]])))
    return out


def meaning(parsed: ParseResult, free: Iterable[str] = ()) -> tuple[str, ...]:
    """What a parse would do, with free-text values left out: two sentences alike here
    act alike whatever was said in their free-text slots."""
    skip = set(free)
    slots = sorted(f"{k}={v}" for k, v in parsed.slots.items() if k not in skip)
    return (parsed.intent or "", *slots)


_ONES = ("", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
_TEENS = ("zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
          "achtzehn", "neunzehn")  # fmt: skip
_TENS = ("", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig",
         "neunzig")  # fmt: skip


def number_words(number: int) -> str:
    """A whole number from 0 to 999 in German words ("zweiundzwanzig")."""
    if not 0 <= number < 1000:
        return str(number)
    if number == 0:
        return "null"
    if number == 1:
        return "eins"
    hundreds, rest = divmod(number, 100)
    out = (_ONES[hundreds] + "hundert") if hundreds else ""
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        out += (_ONES[ones] + "und" if ones else "") + _TENS[tens]
    elif rest >= 10:
        out += _TEENS[rest - 10]
    elif rest:
        out += "eins" if rest == 1 else _ONES[rest]
    return out


def _words(pieces: list[Piece]) -> tuple[list[str], list[tuple[int, int, str]]]:
    """The words of a drawn sentence, a piece glued to the word before when no space parts
    them ("spiel" and "e" are "spiele"), and the word span of each free-text value."""
    words: list[str] = []
    free: list[tuple[int, int, str]] = []
    glued = False  # whether the last piece ended inside a word
    for text, slot in pieces:
        part = text.casefold().split()
        if not part:
            glued = glued and not text
            continue
        if glued and not text[0].isspace() and words:
            words[-1] += part.pop(0)
        if slot is not None and part:
            free.append((len(words), len(words) + len(part), slot))
        words.extend(part)
        glued = not text[-1].isspace()
    return words, free


def _names(groups: Iterable[tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for group in groups:
        out.extend(name.casefold() for name in group if name)
    return list(dict.fromkeys(out))
