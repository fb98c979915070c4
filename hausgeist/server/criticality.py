"""How much a turn matters, decided before the expensive stages run.

Under pressure SHEDDABLE turns go first, then DEFAULT ones; CRITICAL turns (home control,
timers and alarms, answers to a question such as an order's "ja") are kept longest. For a text
turn the class comes from a look at its words, which costs microseconds: the grammar would be
exact, but parsing every request of a surge just to refuse most of them would spend the very
capacity that shedding is meant to save. Speech not yet transcribed is DEFAULT.
"""

from __future__ import annotations

import re
from enum import IntEnum


class Criticality(IntEnum):
    """A turn's class; a higher value is kept longer under load."""

    SHEDDABLE = 0
    DEFAULT = 1
    CRITICAL = 2

    @property
    def label(self) -> str:
        """The lowercase name used in metrics and logs."""
        return self.name.lower()


# Parts of words: "Küchenlicht", "Stehlampe", "Pizzatimer" and "Rollläden" all match.
_CRITICAL_STEMS = (
    "licht", "lampe", "leuchte", "rollladen", "rollläden", "rolladen", "rollo", "jalousie",
    "markise", "heizung", "thermostat", "steckdose", "ventilator", "sauger", "mäher", "timer",
    "wecker", "alarm", "kaffeemaschine", "garage", "schloss",
)  # fmt: skip
_CRITICAL_WORDS = frozenset({
    "ja", "jawohl", "genau", "nein", "stopp", "abbrechen", "schalte", "schalt", "schalten",
    "dimme", "dimm", "heller", "dunkler", "weck", "wecke", "öffne", "schließe",
})  # fmt: skip
_DEFAULT_STEMS = (
    "musik", "spiel", "lied", "song", "album", "radio", "playlist", "lauter", "leiser",
    "lautstärke", "stumm", "liste", "einkauf", "bestell", "kauf", "notier", "pausier",
)  # fmt: skip
_DEFAULT_WORDS = frozenset({"pause", "weiter", "nächstes", "nächster", "zurück"})
_SHEDDABLE_STEMS = ("wetter", "regen", "hilfe", "witz", "uhrzeit", "datum", "erzähl", "danke")
_SHEDDABLE_WORDS = frozenset({
    "spät", "hallo", "hilf", "du", "dein", "deine", "dich", "dir", "tag", "geht", "wer",
})  # fmt: skip


def _pattern(exact: frozenset[str], stems: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for a class: a whole word of `exact`, or a stem inside a word.

    A stem is letters only, so where it occurs in the text it lies within one word. One
    search in C instead of a Python loop over words and stems: a surge classifies every
    request before refusing most of them."""
    words = "|".join(sorted(map(re.escape, exact), key=len, reverse=True))
    return re.compile(rf"\b(?:{words})\b|" + "|".join(map(re.escape, stems)))


_CRITICAL = _pattern(_CRITICAL_WORDS, _CRITICAL_STEMS)
_DEFAULT = _pattern(_DEFAULT_WORDS, _DEFAULT_STEMS)
_SHEDDABLE = _pattern(_SHEDDABLE_WORDS, _SHEDDABLE_STEMS)
_WORD = re.compile(r"\w+")


def classify_text(text: str, continues_conversation: bool = False) -> Criticality:
    """The class of a typed or transcribed command, from its words alone."""
    text = text.lower()
    words = _WORD.findall(text)
    if words and all(word.isdigit() for word in words):
        return Criticality.CRITICAL  # a spoken voice code confirms an order
    if _CRITICAL.search(text):
        return Criticality.CRITICAL
    if _DEFAULT.search(text):
        return Criticality.DEFAULT
    if _SHEDDABLE.search(text) and not continues_conversation:
        return Criticality.SHEDDABLE
    # Not recognised: it may still be a command in words this list lacks, so it is not
    # refused before anything that is clearly chit-chat.
    return Criticality.DEFAULT


# The class of an understood intent: exact, where the words alone are a guess. Home control,
# timers, alarms and the answers that confirm or cancel an order are CRITICAL; what is read,
# played or listed is DEFAULT; time, date, weather, help and small talk are SHEDDABLE.
_CRITICAL_INTENTS = frozenset({
    "HassTurnOn", "HassTurnOff", "HassLightSet", "LightStep", "HassSetPosition",
    "HassClimateSetTemperature", "HassFanSetSpeed", "HassVacuumStart", "HassVacuumReturnToBase",
    "HassVacuumCleanArea", "HassLawnMowerStartMowing", "HassLawnMowerDock", "HassStartTimer",
    "HassCancelTimer", "HassCancelAllTimers", "HassIncreaseTimer", "HassDecreaseTimer",
    "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus", "AlarmSet", "AlarmCancel",
    "AlarmQuery", "Affirm", "Deny", "VoiceCode", "OrderCancel", "HassNevermind",
})  # fmt: skip
_SHEDDABLE_INTENTS = frozenset({
    "HassGetCurrentTime", "HassGetCurrentDate", "HassGetWeather", "HassRespond", "Help",
})  # fmt: skip
# Skills whose questions belong to a CRITICAL request ("In welchem Raum?" for a light, "Wie
# lange?" for a timer); an order's confirmation and voice code are CRITICAL too.
_CRITICAL_ASKERS = frozenset({"home", "timers", "alarms"})
_ORDER_CONFIRMATIONS = frozenset({"confirm", "code"})


def classify_intent(intent: str | None) -> Criticality | None:
    """The class of an understood intent; None when nothing was understood."""
    if intent is None:
        return None
    if intent in _CRITICAL_INTENTS:
        return Criticality.CRITICAL
    if intent in _SHEDDABLE_INTENTS:
        return Criticality.SHEDDABLE
    return Criticality.DEFAULT


def classify_question(skill: str, kind: str, data: dict[str, object]) -> Criticality:
    """The class of a question the assistant asked, which its answer inherits.

    `skill`, `kind` and `data` are those of the conversation's pending question: the answer
    to "In welchem Raum?" after "Mach das Licht an" is CRITICAL whatever its words ("Im
    Bad"), as is the "ja" to "Soll ich ... bestellen?". A clarifying question ("Meinst du
    ...?") has the class of the request it asks about."""
    if skill in _CRITICAL_ASKERS or (skill == "orders" and kind in _ORDER_CONFIRMATIONS):
        return Criticality.CRITICAL
    intent = data.get("intent")
    if isinstance(intent, str):
        return max(classify_intent(intent) or Criticality.DEFAULT, Criticality.DEFAULT)
    return Criticality.DEFAULT
