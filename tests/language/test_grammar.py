"""The merged template document: read once per process, a private copy for every caller."""

import pytest

from hausgeist.language.grammar import GrammarError, load_source


def test_every_caller_gets_its_own_copy_of_the_templates() -> None:
    first = load_source("de")
    intents = len(first["intents"])
    first["intents"].clear()
    first["lists"]["hausgeist_test"] = "changed"
    second = load_source("de")
    assert len(second["intents"]) == intents > 0
    assert "hausgeist_test" not in second["lists"]


def test_hausgeists_own_intents_are_merged_into_home_assistants() -> None:
    intents = load_source("de")["intents"]
    assert "HassTurnOn" in intents  # Home Assistant's
    assert any(not name.startswith("Hass") for name in intents)  # hausgeist's own


def test_a_language_without_templates_is_a_clear_error() -> None:
    with pytest.raises(GrammarError):
        load_source("xx-unknown")
