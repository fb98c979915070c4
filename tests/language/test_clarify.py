"""What the dialog asks when the model is unsure: a German phrase for every reading."""

from __future__ import annotations

from typing import Any

import pytest

from hausgeist.dialog.clarify import known, question
from hausgeist.language.model.fallback import MODEL_DIR
from hausgeist.language.model.intents import INTENTS_FILE, IntentModel
from hausgeist.language.model.mapping import load_mapping


@pytest.mark.parametrize(
    ("intent", "slots", "said"),
    [
        ("HassTurnOn", {"area": "Wohnzimmer", "domain": "light"},
         "Meinst du: das Licht im Wohnzimmer einschalten?"),
        ("HassTurnOff", {"area": "Küche", "domain": "light"},
         "Meinst du: das Licht in der Küche ausschalten?"),
        ("HassTurnOn", {"name": "Stehlampe"}, "Meinst du: die Stehlampe einschalten?"),
        ("HassTurnOff", {"name": "Rollladen"}, "Meinst du: den Rollladen ausschalten?"),
        ("HassTurnOn", {"name": "Kaffeemaschine"}, "Meinst du: die Kaffeemaschine einschalten?"),
        ("HassLightSet", {"area": "Bad", "domain": "light", "color": "pink"},
         "Meinst du: das Licht im Bad rosa machen?"),
        ("HassLightSet", {"name": "Bürolampe", "brightness": 40},
         "Meinst du: die Bürolampe auf 40 Prozent stellen?"),
        ("LightStep", {"domain": "light", "area": "Flur", "direction": "down"},
         "Meinst du: das Licht im Flur dunkler machen?"),
        ("HassSetVolumeRelative", {"volume_step": "up"}, "Meinst du: die Musik lauter stellen?"),
        ("HassStartTimer", {"minutes": 10}, "Meinst du: einen Timer für 10 Minuten stellen?"),
        ("HassStartTimer", {}, "Meinst du: einen Timer stellen?"),
        ("AlarmSet", {"time": "07:00", "date": "2026-11-26"},
         "Meinst du: einen Wecker für 7 Uhr stellen?"),
        ("HassShoppingListAddItem", {"item": "milch"},
         "Meinst du: milch auf die Einkaufsliste setzen?"),
        ("HassMediaSearchAndPlay", {"search_query": "kraftwerk"},
         "Meinst du: kraftwerk abspielen?"),
        ("HassGetWeather", {}, "Meinst du: das Wetter ansagen?"),
    ],
)  # fmt: skip
def test_an_unsure_reading_is_asked_about_in_german(
    intent: str, slots: dict[str, Any], said: str
) -> None:
    assert question(intent, slots) == said


def test_every_intent_the_model_can_answer_has_a_phrase() -> None:
    mapping = load_mapping()
    labels = IntentModel.load(MODEL_DIR / INTENTS_FILE).labels
    intents = {r.intent for label in labels if (r := mapping.reading(label)) is not None}
    intents |= {"HassGetCurrentDate", "HassShoppingListAddItem"}  # the fallback's refinements
    assert {i for i in intents if not known(i)} <= {"Affirm", "VoiceCode"}


def test_a_slot_value_of_the_wrong_type_still_gets_a_question() -> None:
    assert question("HassStartTimer", {"minutes": "viele"}) == "Meinst du: einen Timer stellen?"
    assert question("HassTurnOn", {"name": 3}).startswith("Meinst du:")
