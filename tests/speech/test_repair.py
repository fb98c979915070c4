"""Repairing a transcript word by word into the words of the home's commands."""

from __future__ import annotations

import pytest

from hausgeist.speech.nearest import key
from hausgeist.speech.repair import Repairer, cologne


def _spell(word: str) -> str:
    return key([word])


def _anything(text: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Müller-Lüdenscheidt", "65752682"),  # Postel's and Wikipedia's examples
        ("Wikipedia", "3412"),
        ("Breschnew", "17863"),
        ("Cäsar", "887"),  # an initial c before a soft vowel is an s
        ("Christ", "4782"),  # an initial c before h is a k
        ("Hexe", "048"),  # x is k and s; h and inner vowels have no code
        ("Ecke", "04"),
    ],
)
def test_the_koelner_phonetik_codes_words_as_postel_defined(word: str, code: str) -> None:
    assert cologne(word) == code


def test_letters_whisper_confuses_in_german_share_a_code() -> None:
    assert cologne("Padlich") == cologne("badlich")
    assert cologne("Chimer") != cologne("Timer")  # c before h is a k, t is t
    assert cologne("akt") == cologne("acht")
    assert cologne("Becker") == "147" and cologne("Wecker") == "347"


def test_a_misheard_word_becomes_the_homes_word_alike_in_sound() -> None:
    repairer = Repairer(["ist", "das", "badlicht", "aus", "an"], _spell)
    found = repairer.repairs(["ist", "das", "padlich", "aus"], 3, _anything)
    assert found[0] == "ist das badlicht aus"


def test_words_heard_apart_may_become_one_word_and_each_word_another() -> None:
    repairer = Repairer(["timer", "für", "acht", "minuten", "stell"], _spell)
    found = repairer.repairs(["chimer", "fu", "akt", "minuten"], 20, _anything)
    assert "timer für acht minuten" in found
    glued = Repairer(["nachttischlampe", "schalte", "an"], _spell)
    assert "schalte die nachttischlampe" in glued.repairs(
        ["schalte", "die", "nachttisch", "lampe"], 3, _anything
    )


def test_only_sentences_the_caller_accepts_are_repairs_and_never_the_words_heard() -> None:
    repairer = Repairer(["ist", "das", "badlicht", "aus", "ausm"], _spell)
    heard = ["ist", "das", "padlich", "aus"]
    found = repairer.repairs(heard, 5, lambda text: text.endswith("ausm"))
    assert "ist das badlicht ausm" in found
    assert all(text.endswith("ausm") for text in found)
    assert "ist das padlich aus" not in repairer.repairs(heard, 5, _anything)
    assert len(repairer.repairs(heard, 1, _anything)) == 1
    exact = ["ist", "das", "badlicht", "aus"]
    assert "ist das badlicht aus" not in repairer.repairs(exact, 20, _anything)


def test_a_word_near_in_spelling_but_not_in_its_phonetic_code_is_no_repair() -> None:
    # "Mauger den Flur" ("Sauge den Flur") was once repaired into turning the volume up.
    repairer = Repairer(["lauter", "den", "flur"], _spell)
    assert repairer.alike("mauger") == []
    assert [word for _, word in repairer.alike("bohnzimmer")] == []
    assert [word for _, word in Repairer(["wohnzimmer"], _spell).alike("bohnzimmer")] == [
        "wohnzimmer"
    ]


def test_a_long_word_may_differ_in_more_digits_of_its_code_than_a_short_one() -> None:
    # "Musik fortletzen" (whisper, for "Musik fortsetzen"): 372586 against 37886, two digits.
    assert [word for _, word in Repairer(["fortsetzen"], _spell).alike("fortletzen")] == [
        "fortsetzen"
    ]
    assert Repairer(["lauter"], _spell).alike("mauger") == []  # 647 against 527, two digits
