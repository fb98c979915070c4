"""Home Assistant's German response templates, rendered for hausgeist's replies.

The templates come from the pinned home-assistant-intents package (Jinja2 syntax); they run
in a sandbox and see only `slots`, `state` and `query`, as in Home Assistant.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from hausgeist.language.durations import parse_duration
from hausgeist.language.grammar import load_source

_ENV = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)
# For templates rendered from slots alone: a template that needs Home Assistant's state or
# query objects fails instead of saying something half empty.
_STRICT = SandboxedEnvironment(
    autoescape=False, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined
)


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, str]]:
    responses = load_source("de").get("responses") or {}
    return dict(responses.get("intents") or {})


def ha_response(intent: str, key: str | None, **context: Any) -> str | None:
    """The rendered response, or None when Home Assistant has none for this intent and key."""
    source = _templates().get(intent, {}).get(key or "default")
    if source is None:
        return None
    try:
        text = _ENV.from_string(source).render(**context)
    except TemplateError:
        return None
    return " ".join(text.split())


def ha_reply(intent: str, key: str | None, slots: dict[str, Any]) -> str | None:
    """Home Assistant's reply for an intent, if its template needs nothing but the slots."""
    source = _templates().get(intent, {}).get(key or "default")
    if source is None:
        return None
    # Home Assistant hands its templates the slots as spoken text ("1", not 1): its German
    # timer templates compare with '1' to choose "Stunde" over "Stunden".
    said = {k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in slots.items()}  # fmt: skip
    try:
        text = " ".join(_STRICT.from_string(source).render(slots=said).split())
    except (TemplateError, TypeError, ValueError, AttributeError):
        return None
    return text or None


# A fraction of a larger unit fills a smaller unit's slot ("anderthalb Stunden" is 90
# minutes); Home Assistant's timer templates then say the words, not the number.
_FRACTIONS = ("halb", "viertel")
_LARGER_UNIT = {"minutes": "stunde", "seconds": "minute"}
_ARTICLES = frozenset({"ein", "eine", "einer"})


def spoken_amounts(slots: dict[str, Any], text: str) -> dict[str, Any]:
    """The slots with a duration said as a fraction ("eine halbe Stunde") in its words."""
    units = [unit for unit in ("hours", "minutes", "seconds") if unit in slots]
    if len(units) != 1 or units[0] not in _LARGER_UNIT:
        return slots
    unit = units[0]
    words = text.replace(",", " ").replace("?", " ").split()
    wanted = _seconds(unit, slots[unit])
    spans = [(start, end) for start in range(len(words))
             for end in range(start + 1, len(words) + 1)]  # fmt: skip
    said = [(end - start, start, end) for start, end in spans
            if _said_seconds(" ".join(words[start:end])) == wanted]  # fmt: skip
    if wanted is None or not said:
        return slots
    _, start, end = min(said)
    if start > 0 and words[start - 1].casefold() in _ARTICLES:
        start -= 1  # "eine halbe Stunde": the article belongs to the amount
    found = words[start:end]
    phrase = " ".join(found)
    folded = phrase.casefold()
    if not any(f in folded for f in _FRACTIONS) or _LARGER_UNIT[unit] not in folded:
        return slots
    return {**slots, unit: phrase}


def _said_seconds(phrase: str) -> float | None:
    duration = parse_duration(phrase)
    return float(duration.total_seconds) if duration is not None else None


def _seconds(unit: str, amount: Any) -> float | None:
    try:
        return float(amount) * {"hours": 3600, "minutes": 60, "seconds": 1}[unit]
    except (TypeError, ValueError):
        return None
