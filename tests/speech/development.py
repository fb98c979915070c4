"""A development set for choosing the speech stage's settings, apart from the test commands.

The hand-written commands of calibration.yaml and development.yaml, each spoken twice, each
time by a seeded choice of voice, speed, pitch and noise. The test commands (commands.yaml)
are never in it. The voices are espeak-ng's own formant voice with variants and mbrola's
seven German diphone voices (recordings of human speakers, installed by the dev extra of
scripts/install.sh), which espeak-ng speaks as mb-de1 ... mb-de7.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.speech.conftest import CALIBRATION, commands

DEVELOPMENT = Path(__file__).parent / "development.yaml"
ESPEAK_VOICES = ("de", "de+m3", "de+f2", "de+f4", "de+klatt", "de+m7")
MBROLA_VOICES = tuple(f"mb-de{n}" for n in range(1, 8))
VOICES = ESPEAK_VOICES + MBROLA_VOICES
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


def development(seeds: tuple[int, ...] = (2027, 2028)) -> list[Spoken]:
    """Every development command once per seed, each time with its own voice settings."""
    said = commands(CALIBRATION) + commands(DEVELOPMENT)
    out = []
    for seed in seeds:
        rng = random.Random(seed)
        out += [Spoken(str(c["text"]), c["intent"], rng.choice(VOICES), rng.choice(SPEEDS),
                       rng.choice(PITCHES), rng.choice(NOISE)) for c in said]  # fmt: skip
    return out
