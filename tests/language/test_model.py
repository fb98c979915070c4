"""The trained fallback: mapping, features, tagger, normalizers, and the combined stage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from hausgeist.home.config import DEMO_HOME, read_home_file
from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.grammar import load_source
from hausgeist.language.model.data import Example, parse_annotation, words
from hausgeist.language.model.fallback import ModelFallback
from hausgeist.language.model.features import vector
from hausgeist.language.model.generate import grammar_sentences
from hausgeist.language.model.intents import IntentModel
from hausgeist.language.model.mapping import load_mapping
from hausgeist.language.model.normalize import match_name, normalize
from hausgeist.language.model.scoring import Prediction, score, slot_f1
from hausgeist.language.model.slots import spans_of
from hausgeist.language.model.train import train_intents
from hausgeist.language.parse import Understanding
from tests.conftest import SHARED_DATA

MASSIVE_TRAIN = SHARED_DATA / "massive-de" / "train.jsonl"
HOME = HomeSnapshot.from_json(read_home_file(DEMO_HOME))
TODAY = date(2026, 11, 25)


def test_every_massive_intent_is_mapped_to_known_hausgeist_intents() -> None:
    mapping = load_mapping()
    with MASSIVE_TRAIN.open(encoding="utf-8") as stream:
        seen = {json.loads(line)["intent"] for line in stream}
    assert seen == set(mapping.intents)
    known = set(load_source("de")["intents"])
    readings = {r.intent for rs in mapping.intents.values() for r in rs}
    assert readings <= known
    assert set(mapping.grammar_labels.values()) <= set(mapping.intents)


def test_a_light_dimmed_the_wrong_way_is_not_counted_right() -> None:
    mapping = load_mapping()
    assert mapping.correct("iot_hue_lightdim", "LightStep", {"direction": "down"})
    assert not mapping.correct("iot_hue_lightdim", "LightStep", {"direction": "up"})
    assert mapping.correct("qa_factoid", None, {})
    assert not mapping.correct("qa_factoid", "HassGetState", {})


def test_annotations_become_words_and_spans_in_the_taggers_names() -> None:
    example = parse_annotation(
        "Mach das Licht im [house_place : Wohnzimmer] um [time : 7:30] an!", "x", load_mapping()
    )
    assert example.words == ("mach", "das", "licht", "im", "wohnzimmer", "um", "7:30", "an")
    assert example.spans == (("area", 4, 5), ("time", 6, 7))
    assert example.tags()[4] == "B-area"


def test_scores_count_abstentions_as_wrong_and_actions_on_chatter() -> None:
    mapping = load_mapping()
    gold = [Example(("licht", "an"), "iot_hue_lighton"), Example(("hallo",), "general_greet")]
    both_wrong = [Prediction(None, {}, "general_greet"), Prediction("HassRespond", {}, "x")]
    scores = score(gold, both_wrong, mapping)
    assert (scores.in_scope_accuracy, scores.out_of_scope_acted) == (0.0, 1.0)
    right = [Prediction("HassTurnOn", {}, "iot_hue_lighton"), Prediction(None, {}, "x")]
    assert score(gold, right, mapping).in_scope_accuracy == 1.0


def test_a_device_command_withheld_for_want_of_a_target_counts_only_as_understood() -> None:
    mapping = load_mapping()
    gold = [
        Example(("steckdose", "an"), "iot_wemo_on"),
        Example(("licht", "an"), "iot_hue_lightoff"),
    ]
    withheld = [
        Prediction(None, {}, "iot_wemo_on", withheld=("HassTurnOn", {})),
        Prediction(None, {}, "iot_hue_lighton", withheld=("HassTurnOn", {})),
    ]
    scores = score(gold, withheld, mapping)
    assert (scores.in_scope_accuracy, scores.understood) == (0.0, 0.5)
    assert score(gold, [Prediction(None, {}, "x")] * 2, mapping).understood is None


def test_features_are_deterministic_and_unit_length_per_block() -> None:
    idf = np.ones(1 << 20, dtype=np.float32)
    first, second = vector(["licht", "an"], idf), vector(["licht", "an"], idf)
    assert np.array_equal(first[0], second[0])
    assert pytest.approx(float(np.sum(first[1] ** 2)), abs=1e-5) == 2.0  # two blocks


def test_bio_tags_become_spans() -> None:
    assert spans_of(["O", "B-area", "I-area", "O", "I-time"]) == (("area", 1, 3), ("time", 4, 5))


def test_tagged_words_become_the_homes_values() -> None:
    assert match_name("wohnzimmer", ["Wohnzimmer", "Küche"]) == "Wohnzimmer"
    assert match_name("kueche", ["Wohnzimmer", "Küche"]) in (None, "Küche")
    said = ("mach", "das", "licht", "im", "schlafzimmer", "blau")
    slots = normalize("HassLightSet", said, [("area", 4, 5), ("color", 5, 6)], HOME, TODAY)
    assert slots == {"area": "Schlafzimmer", "color": "blue", "domain": "light"}
    alarm = ("weck", "mich", "morgen", "um", "halb", "sieben")
    slots = normalize("AlarmSet", alarm, [("date", 2, 3), ("time", 4, 6)], HOME, TODAY)
    assert slots == {"date": "2026-11-26", "time": "06:30"}


def test_an_unknown_room_is_left_out_rather_than_guessed() -> None:
    slots = normalize("HassTurnOn", ("licht", "im", "dachboden"), [("area", 2, 3)], HOME, TODAY)
    assert "area" not in slots


def test_sentences_drawn_from_the_grammar_are_read_back_by_it(
    understanding: Understanding,
) -> None:
    drawn = grammar_sentences(load_mapping(), understanding.parse, per_template=1, per_intent=3)
    labels = {example.label for example in drawn}
    assert {"OrderProduct", "HassStartTimer", "iot_hue_lightup"} <= labels
    assert any(slot == "duration" for e in drawn for slot, _, _ in e.spans)


def test_a_classifier_trained_on_a_few_sentences_round_trips_through_its_file(
    tmp_path: Path,
) -> None:
    examples = [
        Example(words(text), label)
        for text, label in [
            ("mach das licht an", "on"),
            ("licht an bitte", "on"),
            ("schalte das licht an", "on"),
            ("mach das licht aus", "off"),
            ("licht aus bitte", "off"),
            ("schalte das licht aus", "off"),
        ]
    ]
    model = train_intents(examples)
    model.save(tmp_path / "intents.npz")
    loaded = IntentModel.load(tmp_path / "intents.npz")
    probabilities = loaded.probabilities(words("licht aus"))
    assert pytest.approx(float(probabilities.sum()), abs=1e-4) == 1.0
    assert loaded.labels[int(probabilities.argmax())] == "off"


def test_without_model_files_the_stage_is_grammar_only(tmp_path: Path) -> None:
    assert not ModelFallback(tmp_path).available()


def test_slot_f1_on_some_slot_types_counts_only_those() -> None:
    gold = [Example(("licht", "im", "bad", "um", "acht"), "x", (("area", 2, 3), ("time", 4, 5)))]
    guess = [Prediction(None, slot_values=frozenset({("area", "bad"), ("event", "acht")}))]
    assert slot_f1(gold, guess) == pytest.approx(0.5)
    assert slot_f1(gold, guess, {"area"}) == 1.0
