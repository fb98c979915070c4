"""Asking back about a reading the trained model is unsure of: "Meinst du: ...?"

The phrases are data (clarify.yaml); this module fills them in from the reading's slots,
with the German articles and prepositions a household expects to hear.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from hausgeist.language.colors import COLORS
from hausgeist.skills.timers import say_duration

PHRASES_FILE = Path(__file__).with_name("clarify.yaml")
# The skill name of the question in a conversation's pending slot: no skill has it.
CLARIFY = "understanding"
_ENV = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)
# Word endings that make a room or device feminine or masculine, most of them; neuter is
# the rest ("das Licht", "das Bad"). A wrong guess costs an article, never an action.
_FEMININE = ("e", "ung", "ion", "heit", "keit", "ei", "ie", "box", "uhr", "kammer", "statt")
_MASCULINE = ("er", "or", "en", "at", "ling", "ofen", "mat")
_DOMAINS = {
    "light": "das Licht",
    "cover": "die Rollläden",
    "media_player": "die Musik",
    "fan": "den Ventilator",
    "climate": "die Heizung",
    "vacuum": "den Saugroboter",
}
_GERMAN_COLORS = {css: word for word, css in reversed(list(COLORS.items()))}


def question(intent: str, slots: dict[str, Any]) -> str:
    """ "Meinst du: das Licht im Wohnzimmer einschalten?" for an unsure reading."""
    return f"Meinst du: {phrase(intent, slots)}?"


def phrase(intent: str, slots: dict[str, Any]) -> str:
    """What the reading would do, as an infinitive phrase ("die Musik leiser stellen")."""
    source = _template(intent, slots)
    if source is None:
        return "das"
    context = {
        "slots": slots,
        "target": target(slots),
        "place": place(slots),
        "color": _GERMAN_COLORS.get(str(slots.get("color", ""))),
        "duration": _duration(slots),
        "time": _time(slots.get("time")),
    }
    try:
        said = _ENV.from_string(source).render(**context)
    except TemplateError:
        return "das"
    return " ".join(said.split())


def known(intent: str) -> bool:
    """Whether clarify.yaml has a phrase for the intent."""
    return any(key.split("/")[0] == intent for key in _phrases())


def target(slots: dict[str, Any]) -> str:
    """The accusative of what a request is about: "die Stehlampe", "das Licht im Bad"."""
    where = place(slots)
    name = slots.get("name")
    if isinstance(name, str) and name:
        return f"{_article(name, 'die', 'den', 'das')} {name}"
    thing = _DOMAINS.get(str(slots.get("domain")), "alles" if where else "es")
    return f"{thing} {where}".strip()


def place(slots: dict[str, Any]) -> str:
    """ "im Wohnzimmer", "in der Küche", "im Erdgeschoss", or "" without a place."""
    area, floor = slots.get("area"), slots.get("floor")
    if isinstance(area, str) and area:
        return f"{_article(area, 'in der', 'im', 'im')} {area}"
    if isinstance(floor, str) and floor:
        return f"im {floor}"
    return ""


def _article(noun: str, feminine: str, masculine: str, neuter: str) -> str:
    word = noun.casefold()
    if word.endswith("licht"):
        return neuter
    if word.endswith(_FEMININE):
        return feminine
    return masculine if word.endswith(_MASCULINE) else neuter


def _duration(slots: dict[str, Any]) -> str:
    units = {"hours": 3600, "minutes": 60, "seconds": 1}
    try:
        seconds = sum(float(slots[unit]) * size for unit, size in units.items() if unit in slots)
    except (TypeError, ValueError):
        return ""
    return say_duration(int(seconds)) if seconds > 0 else ""


def _time(value: object) -> str:
    if not isinstance(value, str) or ":" not in value:
        return ""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes[:2].isdigit()):
        return ""
    return f"{int(hours)}:{minutes[:2]} Uhr" if minutes[:2] != "00" else f"{int(hours)} Uhr"


def _template(intent: str, slots: dict[str, Any]) -> str | None:
    phrases = _phrases()
    for key, value in slots.items():
        found = phrases.get(f"{intent}/{key}={value}")
        if found is not None:
            return found
    return phrases.get(intent)


@cache
def _phrases() -> dict[str, str]:
    with PHRASES_FILE.open(encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    return {str(k): str(v) for k, v in (document.get("phrases") or {}).items()}
