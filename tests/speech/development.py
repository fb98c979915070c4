"""A development set for choosing the speech stage's settings, apart from the test commands.

The hand-written commands of calibration.yaml and development.yaml, each spoken by a seeded
choice of espeak-ng voice variant, speed, pitch and noise. The test commands (commands.yaml)
are never in it. mbrola's German voices are not installed on this machine (espeak-ng lists
them, but Debian's mbrola voice packages are not available here), so every voice is
espeak-ng's own with a variant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.speech.conftest import CALIBRATION, commands

DEVELOPMENT = Path(__file__).parent / "development.yaml"
VOICES = ("de", "de+m3", "de+f2", "de+f4", "de+klatt", "de+m7")
SPEEDS = (125, 150, 165, 185)
PITCHES = (30, 45, 60, 80)
NOISE = (None, None, 25.0, 15.0)  # signal-to-noise in dB, None for clean


@dataclass(frozen=True)
class Spoken:
    """One development recording: what is said, how, and the intent it must give."""

    text: str
    intent: str | None
    voice: str
    speed: int
    pitch: int
    snr: float | None


def development(seed: int = 2027) -> list[Spoken]:
    """Every development command once, each with its own voice settings."""
    rng = random.Random(seed)
    said = commands(CALIBRATION) + commands(DEVELOPMENT)
    return [Spoken(str(c["text"]), c["intent"], rng.choice(VOICES), rng.choice(SPEEDS),
                   rng.choice(PITCHES), rng.choice(NOISE)) for c in said]  # fmt: skip
