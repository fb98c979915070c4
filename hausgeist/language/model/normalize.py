"""Tagged words to the slot values the skills use: rooms of this home, colors, times...

Each tagger slot has one normalizer; a value that does not normalize is left out rather
than guessed, so a skill asks back ("In welchem Raum?") instead of acting on a wrong value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.colors import parse_color
from hausgeist.language.durations import parse_duration
from hausgeist.language.model.data import Span
from hausgeist.language.names import fold
from hausgeist.language.numbers import parse_number
from hausgeist.language.values import calendar_date, clock_time, quantity

Slots = dict[str, Any]
# Intents whose targets are lights when the sentence names no device.
LIGHT_INTENTS = frozenset({"HassLightSet", "LightStep"})
# Words for lights in general: they name the kind of device, not one of the home's devices.
LIGHT_WORDS = frozenset({"licht", "lichter", "lampe", "lampen", "leuchte", "leuchten",
                         "beleuchtung", "birne", "birnen", "glühbirne"})  # fmt: skip
MEDIA_SLOTS = {"artist": "artist", "title": "track", "album": "album", "genre": "genre"}


def normalize(
    intent: str,
    words: Sequence[str],
    spans: Sequence[Span],
    home: HomeSnapshot,
    today: date,
    light: bool = False,
) -> Slots:
    """The slots of a model reading, in the skills' conventions."""
    slots: Slots = {}
    for slot, start, end in spans:
        text = " ".join(words[start:end])
        handler = _HANDLERS.get(slot)
        if handler is not None:
            handler(slots, text, home, today, intent)
    if light or (intent in LIGHT_INTENTS and "name" not in slots):
        slots.setdefault("domain", "light")
    if intent == "HassStartTimer" and not {"hours", "minutes", "seconds"} & set(slots):
        _duration(slots, " ".join(words), home, today, intent)
    return slots


def acted_on() -> frozenset[str]:
    """The tagger's slot types that become a skill's slot (the others are never used)."""
    return frozenset(_HANDLERS)


def match_name(text: str, names: Sequence[str], partial: bool = True) -> str | None:
    """The name of `names` that the words mean: equal, or one contained in the other.

    With `partial` False the words may hold a name ("die stehlampe") but not be part of
    one: "lampe" is a kind of device, not the "Nachttischlampe".
    """
    wanted = fold(text).replace(" ", "")
    if not wanted:
        return None
    folded = [(fold(name).replace(" ", ""), name) for name in names]
    for key, name in folded:
        if key == wanted:
            return name
    for key, name in sorted(folded, key=lambda item: -len(item[0])):
        inside = partial and len(wanted) >= 4 and wanted in key
        if len(key) >= 3 and (key in wanted or inside):
            return name
    return None


def coffee_machine(home: HomeSnapshot) -> Slots:
    """The name slot of the home's coffee machine ("Kaffeemaschine"), or none."""
    found = [e.name for e in home.entities if "kaffee" in fold(e.name) and e.domain != "todo"]
    return {"name": found[0]} if len(found) == 1 else {}


def _area(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    names = [a.name for a in home.areas] + [alias for a in home.areas for alias in a.aliases]
    found = match_name(text, names)
    if found is not None:
        area = next((a.name for a in home.areas if found in (a.name, *a.aliases)), found)
        slots["area"] = area


def _device(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    names = {alias: e.name for e in home.entities for alias in (e.name, *e.aliases)}
    found = match_name(text, list(names), partial=False)
    if found is not None:
        slots["name"] = names[found]
    elif set(fold(text).split()) & LIGHT_WORDS:
        slots.setdefault("domain", "light")


def _color(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    color = parse_color(text.split()[-1]) if text else None
    if color is not None:
        slots["color"] = color


def _amount(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    numbers = [parse_number(word) for word in text.split()]
    values = [n for n in numbers if n is not None]
    if values and 0 <= values[0] <= 100:
        key = "step" if intent == "LightStep" else "brightness"
        slots[key] = int(values[0])


def _time(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    if intent == "HassStartTimer":
        _duration(slots, text, home, today, intent)
        return
    found = clock_time(text, today)
    if found is not None:
        slots["time"] = found


def _date(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    found = calendar_date(text, today)
    if found is not None:
        slots["date"] = found


def _duration(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    found = parse_duration(text)
    if found is None:
        return
    for unit in ("hours", "minutes", "seconds"):
        value = getattr(found, unit)
        if value:
            slots[unit] = value


def _media(slot: str) -> Callable[[Slots, str, HomeSnapshot, date, str], None]:
    def put(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
        slots["search_query"] = text
        if slot in MEDIA_SLOTS:
            slots["media_class"] = MEDIA_SLOTS[slot]

    return put


def _text(name: str) -> Callable[[Slots, str, HomeSnapshot, date, str], None]:
    def put(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
        slots[name] = text

    return put


def _list(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    lists = [e.name for e in home.entities if e.domain == "todo"]
    found = match_name(text, lists) or match_name(f"{text}liste", lists)
    if found is not None:
        slots["name"] = found


def _quantity(slots: Slots, text: str, home: HomeSnapshot, today: date, intent: str) -> None:
    found = quantity(text, today)
    if found is not None:
        slots["quantity"] = found


_HANDLERS: dict[str, Callable[[Slots, str, HomeSnapshot, date, str], None]] = {
    "area": _area,
    "device": _device,
    "color": _color,
    "amount": _amount,
    "time": _time,
    "date": _date,
    "duration": _duration,
    "list": _list,
    "artist": _media("artist"),
    "title": _media("title"),
    "album": _media("album"),
    "genre": _media("genre"),
    "playlist": _media("playlist"),
    "query": _media("query"),
    "product": _text("product"),
    "item": _text("item"),
    "quantity": _quantity,
    "place": _text("name"),
}
