"""German color words in any inflection ("rote", "dunkelblauen") as Home Assistant color names."""

from __future__ import annotations

from hausgeist.language.names import ascii_umlauts, strip_function_words

# German stem -> CSS color name, the names Home Assistant's light.turn_on accepts.
COLORS: dict[str, str] = {
    "weiss": "white",
    "schneeweiss": "snow",
    "elfenbein": "ivory",
    "schwarz": "black",
    "rot": "red",
    "dunkelrot": "darkred",
    "weinrot": "maroon",
    "bordeaux": "maroon",
    "karminrot": "crimson",
    "tomatenrot": "tomato",
    "orangerot": "orangered",
    "orange": "orange",
    "dunkelorange": "darkorange",
    "gelb": "yellow",
    "hellgelb": "lightyellow",
    "gold": "gold",
    "golden": "gold",
    "grün": "green",
    "hellgrün": "lightgreen",
    "dunkelgrün": "darkgreen",
    "olivgrün": "olive",
    "oliv": "olive",
    "limettengrün": "lime",
    "blau": "blue",
    "hellblau": "lightblue",
    "dunkelblau": "darkblue",
    "himmelblau": "skyblue",
    "königsblau": "royalblue",
    "marineblau": "navy",
    "türkis": "turquoise",
    "petrol": "teal",
    "cyan": "cyan",
    "violett": "purple",
    "lila": "purple",
    "purpur": "purple",
    "indigo": "indigo",
    "lavendel": "lavender",
    "magenta": "magenta",
    "rosa": "pink",
    "pink": "pink",
    "hellrosa": "lightpink",
    "koralle": "coral",
    "korallenrot": "coral",
    "lachs": "salmon",
    "braun": "brown",
    "beige": "beige",
    "khaki": "khaki",
    "grau": "gray",
    "hellgrau": "lightgray",
    "dunkelgrau": "darkgray",
    "silber": "silver",
    "silbern": "silver",
}
# Adjective endings, longest first; "n..." covers the colloquial "orangene", "lilanen".
_ENDINGS = ("nen", "ner", "nes", "nem", "en", "er", "es", "em", "ne", "e", "n", "")
# "lachsfarben", "goldfarbene", "rosafarbig": the color named by its thing.
_COLORED = ("farben", "farbig", "farbe")
_ASCII_COLORS = {ascii_umlauts(word): css for word, css in COLORS.items()}


def _stem_color(word: str) -> str | None:
    color = COLORS.get(word) or _ASCII_COLORS.get(word)
    if color is not None:
        return color
    for suffix in _COLORED:
        if word.endswith(suffix) and len(word) > len(suffix):
            return _stem_color(word[: -len(suffix)])
    return None


def parse_color(text: str) -> str | None:
    """The CSS color name for a German color phrase ("in Rot", "hell blau", "grüne"), or None."""
    word = "".join(strip_function_words(text.split()))
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) > len(ending):
            color = _stem_color(word[: len(word) - len(ending)])
            if color is not None:
                return color
    return None
