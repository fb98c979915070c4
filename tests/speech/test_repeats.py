"""whisper fed only a command's frames may say the command again; one sentence is kept."""

from __future__ import annotations

import pytest

from hausgeist.speech.whisper import once


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("Mach das Licht an. Mach das Licht an.", "Mach das Licht an."),
        ("Schalte das Licht im Flur an. Schalte das Licht im Flur an. Schalte das",
         "Schalte das Licht im Flur an."),
        ("Wie warm ist es? wie warm ist es", "Wie warm ist es?"),
        ("Stell einen Timer auf 15 Minuten. Still einen Timer auf 15 Minuten. Stell",
         "Stell einen Timer auf 15 Minuten."),
    ],
)  # fmt: skip
def test_a_repeated_command_is_kept_once(heard: str, kept: str) -> None:
    assert once(heard) == kept


@pytest.mark.parametrize(
    "heard",
    [
        "Mach das Licht an. Und spiel Musik.",
        "Setz Milch auf die Liste.",
        "",
        "Ja. . Nein",
        "Schalte das Licht im Flur. Schalte das Licht im Schlafzimmer.",
    ],
)
def test_other_sentences_stay_as_heard(heard: str) -> None:
    assert once(heard) == heard
