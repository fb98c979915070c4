"""German color words in any inflection as Home Assistant (CSS) color names."""

from __future__ import annotations

import pytest

from hausgeist.language.colors import COLORS, parse_color


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weiß", "white"),
        ("weiss", "white"),
        ("schwarz", "black"),
        ("rot", "red"),
        ("orange", "orange"),
        ("gelb", "yellow"),
        ("grün", "green"),
        ("blau", "blue"),
        ("violett", "purple"),
        ("lila", "purple"),
        ("braun", "brown"),
        ("rosa", "pink"),
        ("pink", "pink"),
        ("türkis", "turquoise"),
        ("hellblau", "lightblue"),
        ("dunkelblau", "darkblue"),
        ("hellgrün", "lightgreen"),
        ("dunkelgrün", "darkgreen"),
        ("grau", "gray"),
        ("silber", "silver"),
        ("gold", "gold"),
        ("magenta", "magenta"),
        ("cyan", "cyan"),
        ("beige", "beige"),
    ],
)
def test_a_base_color_word_has_its_english_name(text: str, expected: str) -> None:
    assert parse_color(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rote", "red"),
        ("roten", "red"),
        ("rotes", "red"),
        ("roter", "red"),
        ("rotem", "red"),
        ("weiße", "white"),
        ("Grünen", "green"),
        ("dunkelblauen", "darkblue"),
        ("orangene", "orange"),
        ("lilanen", "purple"),
        ("beigen", "beige"),
        ("silberne", "silver"),
        ("goldene", "gold"),
        ("violette", "purple"),
        ("lachsfarbene", "salmon"),
    ],
)
def test_an_inflected_color_has_the_same_name_as_its_stem(text: str, expected: str) -> None:
    assert parse_color(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in Rot", "red"),
        ("auf Blau", "blue"),
        ("hell blau", "lightblue"),
        ("Dunkel-Grün", "darkgreen"),
        ("gruen", "green"),
        ("tuerkis", "turquoise"),
        ("BLAU", "blue"),
    ],
)
def test_spelling_variants_and_leading_prepositions_do_not_matter(text: str, expected: str) -> None:
    assert parse_color(text) == expected


@pytest.mark.parametrize(
    "text", ["", "warmweiß", "kerzenlicht", "Rotor", "Haus", "in", "blau und rot", "farben"]
)
def test_words_that_are_not_a_color_are_none(text: str) -> None:
    assert parse_color(text) is None


def test_every_color_in_the_table_maps_to_a_lower_case_css_name() -> None:
    assert len(COLORS) >= 25
    for german, css in COLORS.items():
        assert parse_color(german) == css
        assert css.isalpha() and css == css.lower()
