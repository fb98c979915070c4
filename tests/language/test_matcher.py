"""The compiled matcher on small grammars: each template feature hassil's syntax offers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hassil import Intents

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.compiler import compile_intents
from hausgeist.language.dfa import determinize
from hausgeist.language.lexicon import Lexicon, home_index
from hausgeist.language.matcher import Matcher
from hausgeist.language.tokens import tokenize
from hausgeist.language.values import WILDCARD_NORMALIZERS

HOME = HomeSnapshot.from_json(
    {
        "areas": ["Küche", "Wohnzimmer"],
        "floors": ["Erdgeschoss"],
        "entities": [
            {"name": "Stehlampe", "domain": "light", "area": "Wohnzimmer"},
            {"name": "Rover", "domain": "vacuum"},
            {"name": "To-Do", "domain": "todo"},
        ],
    }
)


def grammar(intents: dict[str, Any], **extra: Any) -> Matcher:
    document = {"language": "de", "intents": intents, **extra}
    parsed = Intents.from_dict(document)
    automaton = compile_intents(parsed)
    lexicon = Lexicon(automaton, parsed)
    matcher = Matcher(
        automaton, determinize(automaton, frozenset(lexicon.wildcards)), lexicon.wildcards,
        WILDCARD_NORMALIZERS,
    )  # fmt: skip
    matcher.lexicon = lexicon  # type: ignore[attr-defined]
    return matcher


def best(matcher: Matcher, text: str, context: dict[str, Any] | None = None) -> Any:
    lexicon: Lexicon = matcher.lexicon  # type: ignore[attr-defined]
    tokens = tokenize(text)
    lattice = lexicon.lattice(text, tokens, home_index(HOME), datetime(2026, 11, 25).date())
    found = matcher.match(lattice, context or {})
    return (found[0].intent, found[0].slots) if found else None


def one(*sentences: str, **data: Any) -> dict[str, Any]:
    return {"Test": {"data": [{"sentences": list(sentences), **data}]}}


def test_alternatives_and_optional_parts_inside_a_word() -> None:
    m = grammar(one("(schalte|mach) [das ]Licht[er] [ein]schalten"))
    assert best(m, "mach Lichter einschalten") == ("Test", {})
    assert best(m, "schalte das Licht schalten") == ("Test", {})
    assert best(m, "schalte das Lichtern schalten") is None


def test_permutations_accept_every_order() -> None:
    m = grammar(one("(Licht an; im {area})"))
    assert best(m, "im Wohnzimmer Licht an") == ("Test", {"area": "Wohnzimmer"})
    assert best(m, "Licht an im Wohnzimmer") == ("Test", {"area": "Wohnzimmer"})


def test_expansion_rules_are_inlined() -> None:
    m = grammar(one("<an> das Licht"), expansion_rules={"an": "(an|ein)[schalten]"})
    assert best(m, "einschalten das Licht") == ("Test", {})


def test_text_list_maps_spoken_values_to_output_values() -> None:
    lists = {"farbe": {"values": [{"in": "(rot|rote[n])", "out": "red"}]}}
    m = grammar(one("Licht auf {farbe:color}"), lists=lists)
    assert best(m, "Licht auf roten") == ("Test", {"color": "red"})


def test_number_ranges_take_digits_and_german_words_and_apply_multipliers() -> None:
    lists = {
        "pct": {"range": {"from": 0, "to": 100}},
        "down": {"range": {"from": 0, "to": 100, "multiplier": -1}},
    }
    m = grammar(
        {"Set": {"data": [{"sentences": ["Licht auf {pct:brightness}[ ]%"]}]},
         "Down": {"data": [{"sentences": ["leiser um {down:step}"]}]}},
        lists=lists,
    )  # fmt: skip
    assert best(m, "Licht auf 50%") == ("Set", {"brightness": 50})
    assert best(m, "Licht auf zweiundzwanzig %") == ("Set", {"brightness": 22})
    assert best(m, "leiser um zehn") == ("Down", {"step": -10})


def test_a_number_outside_its_range_still_reads_so_a_skill_can_say_why() -> None:
    lists = {"pct": {"range": {"from": 0, "to": 100}}, "big": {"range": {"from": 0, "to": 500}}}
    m = grammar(one("Licht auf {pct:brightness}[ ]%"), lists=lists)
    assert best(m, "Licht auf 150 %") == ("Test", {"brightness": 150})
    both = grammar(
        {"Pct": {"data": [{"sentences": ["stell auf {pct:value}"]}]},
         "Big": {"data": [{"sentences": ["stell auf {big:value}"]}]}},
        lists=lists,
    )  # fmt: skip
    assert best(both, "stell auf 150") == ("Big", {"value": 150})
    assert best(both, "stell auf 600")[1] == {"value": 600}


def test_home_lists_know_names_areas_floors_with_articles_and_glued_endings() -> None:
    m = grammar(one("Temperatur des {area}s", "{name} an", "Licht im {floor}"))
    assert best(m, "Temperatur des Wohnzimmers") == ("Test", {"area": "Wohnzimmer"})
    assert best(m, "Stehlampe an") == ("Test", {"name": "Stehlampe"})
    assert best(m, "Licht im Erdgeschoss") == ("Test", {"floor": "Erdgeschoss"})
    assert best(m, "Licht im Keller") is None


def test_a_value_runs_into_the_next_word_across_a_template_space() -> None:
    m = grammar(one("stelle die {area} heizung auf 20"))
    assert best(m, "stelle die Küchenheizung auf 20") == ("Test", {"area": "Küche"})


def test_wildcards_capture_the_original_text() -> None:
    lists = {"message": {"wildcard": True}}
    m = grammar(one("sag allen {message}"), lists=lists)
    assert best(m, "sag allen: Das Essen ist FERTIG!") == (
        "Test",
        {"message": "Das Essen ist FERTIG"},
    )


def test_skip_words_may_appear_anywhere() -> None:
    m = grammar(one("Licht an"), skip_words=["bitte", "mal"])
    assert best(m, "bitte Licht mal an") == ("Test", {})


def test_requires_context_uses_the_domain_of_the_named_entity() -> None:
    def block(domain: str) -> dict[str, Any]:
        return {"data": [{"sentences": ["{name} an"], "requires_context": {"domain": domain}}]}

    m = grammar({"Light": block("light"), "Vacuum": block("vacuum")})
    assert best(m, "Stehlampe an") == ("Light", {"name": "Stehlampe"})
    assert best(m, "Rover an") == ("Vacuum", {"name": "Rover"})


def test_excludes_context_and_slot_copying_from_the_device_area() -> None:
    m = grammar(
        {"Here": {"data": [{"sentences": ["Licht hier an"],
                            "requires_context": {"area": {"slot": True}}}]},
         "NotKitchen": {"data": [{"sentences": ["Ofen an"],
                                  "excludes_context": {"area": "Küche"}}]}}
    )  # fmt: skip
    assert best(m, "Licht hier an", {"area": "Küche"}) == ("Here", {"area": "Küche"})
    assert best(m, "Licht hier an") == ("Here", {})
    assert best(m, "Ofen an", {"area": "Küche"}) is None
    assert best(m, "Ofen an", {"area": "Bad"}) == ("NotKitchen", {})


def test_more_template_text_beats_free_text() -> None:
    lists = {"item": {"wildcard": True}}
    m = grammar(
        {"Add": {"data": [{"sentences": ["setze {item} auf die Liste"]}]},
         "Timer": {"data": [{"sentences": ["setze {item} auf die Liste in 5 Minuten"]}]}},
        lists=lists,
    )  # fmt: skip
    assert best(m, "setze Milch auf die Liste in 5 Minuten") == ("Timer", {"item": "Milch"})


@pytest.mark.parametrize("text", ["", "   ", "?!", "Licht " * 500])
def test_nonsense_and_huge_input_matches_nothing(text: str) -> None:
    m = grammar(one("Licht an"))
    assert best(m, text) is None
