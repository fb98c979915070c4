"""Area and device names with articles, prepositions, inflection and compounds."""

from __future__ import annotations

import pytest

from hausgeist.language.names import NameIndex, ascii_umlauts, fold, strip_function_words

AREAS = NameIndex.from_names(
    ["Wohnzimmer", "Küche", "Schlafzimmer", "Bad", "Flur", "Kinderzimmer", "Büro"]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wohnzimmer", "wohnzimmer"),
        ("  Küche,  Straße! ", "küche strasse"),
        ("To-Do", "to do"),
        ("Peter's Lampe", "peters lampe"),
        ("KÜCHE", "küche"),
        ("Ku\u0308che", "küche"),
    ],
)
def test_fold_casefolds_and_drops_punctuation_but_keeps_umlauts(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_ascii_umlauts_spell_out_the_umlauts() -> None:
    assert ascii_umlauts("küche öl ärger") == "kueche oel aerger"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("im Wohnzimmer", ["wohnzimmer"]),
        ("in der Küche", ["küche"]),
        ("ins Büro", ["büro"]),
        ("in unserem Schlafzimmer", ["schlafzimmer"]),
        ("bei meiner Stehlampe", ["stehlampe"]),
        ("zur Haustür", ["haustür"]),
        ("vom Flur", ["flur"]),
        ("das Licht im Flur", ["licht", "im", "flur"]),
        ("der die das", []),
    ],
)
def test_leading_prepositions_articles_and_possessives_are_dropped(
    text: str, expected: list[str]
) -> None:
    assert strip_function_words(text.split()) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("im Wohnzimmer", "Wohnzimmer"),
        ("in der Küche", "Küche"),
        ("des Wohnzimmers", "Wohnzimmer"),
        ("des Bades", "Bad"),
        ("im Bad", "Bad"),
        ("Küchen", "Küche"),
        ("wohnzimmer", "Wohnzimmer"),
        ("WOHNZIMMER", "Wohnzimmer"),
        ("Kueche", "Küche"),
        ("ins Büro", "Büro"),
        ("in den Kinderzimmern", "Kinderzimmer"),
        ("in unserem Schlafzimmer", "Schlafzimmer"),
    ],
)
def test_an_area_is_found_through_articles_prepositions_and_inflection(
    phrase: str, expected: str
) -> None:
    assert AREAS.resolve(phrase) == expected


@pytest.mark.parametrize("phrase", ["", "im", "Garten", "Badezimmer", "Küchenlicht", "Wohn"])
def test_an_unknown_area_resolves_to_none(phrase: str) -> None:
    assert AREAS.resolve(phrase) is None


def test_aliases_resolve_to_the_canonical_name_and_never_take_over_another_name() -> None:
    index = NameIndex([("Wohnzimmer", ["Stube", "Küche"]), ("Küche", ["Kochnische"])])
    assert index.resolve("in der Stube") == "Wohnzimmer"
    assert index.resolve("Kochnische") == "Küche"
    assert index.resolve("Küche") == "Küche"


def test_a_name_configured_in_ascii_is_found_when_spoken_with_umlauts() -> None:
    index = NameIndex.from_names(["Kueche"])
    assert index.resolve("in der Küche") == "Kueche"
    assert index.split_compound("Küchenlicht") == ("Kueche", "licht")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Küchenlicht", ("Küche", "licht")),
        ("Kuechenlicht", ("Küche", "licht")),
        ("Küchenuhr", ("Küche", "uhr")),
        ("Küchennische", ("Küche", "nische")),
        ("Küchenlüfter", ("Küche", "lüfter")),
        ("Wohnzimmerlampe", ("Wohnzimmer", "lampe")),
        ("Wohnzimmerthermostat", ("Wohnzimmer", "thermostat")),
        ("Wohnzimmerschrank", ("Wohnzimmer", "schrank")),
        ("Schlafzimmerrollladen", ("Schlafzimmer", "rollladen")),
        ("Kinderzimmerlicht", ("Kinderzimmer", "licht")),
        ("Flurlampe", ("Flur", "lampe")),
        ("Flurschrank", ("Flur", "schrank")),
        ("Badspiegel", ("Bad", "spiegel")),
        ("Bürolampe", ("Büro", "lampe")),
    ],
)
def test_a_compound_splits_into_the_area_and_the_rest(word: str, expected: tuple[str, str]) -> None:
    assert AREAS.split_compound(word) == expected


def test_linking_elements_follow_the_shape_of_the_first_noun() -> None:
    index = NameIndex.from_names(["Garage", "Wohnung", "Terrasse"])
    assert index.split_compound("Garagentor") == ("Garage", "tor")
    assert index.split_compound("Wohnungstür") == ("Wohnung", "tür")
    assert index.split_compound("Terrassentür") == ("Terrasse", "tür")


def test_a_longer_room_name_wins_over_its_prefix() -> None:
    index = NameIndex([("Bad", []), ("Badezimmer", [])])
    assert index.split_compound("Badezimmerlicht") == ("Badezimmer", "licht")
    assert index.split_compound("Badlicht") == ("Bad", "licht")


@pytest.mark.parametrize(
    "word",
    [
        "Badezimmerlicht",
        "Badezimmer",
        "Küchen",
        "Küchenli",
        "Wohnzimmer",
        "Lampe",
        "Gartenlicht",
        "Küchen Licht",
    ],
)
def test_a_word_without_a_known_area_and_a_real_rest_does_not_split(word: str) -> None:
    assert AREAS.split_compound(word) is None
