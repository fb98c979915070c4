"""How the test commands are spoken: the variants of test_listen.py and bench/speech.py.

Chosen by principle before their results were seen, not by what scores well:
- espeak-ng's own German formant voice, clean at 140 words per minute and with 20 dB of white
  noise at 170 and a higher pitch: the voice every installation has, kept as a floor;
- mbrola's seven German diphone voices (recordings of three men and four women, the nearest
  to a household's speech that can be made offline), each command spoken by the next voice
  in turn so every voice is heard on a share of the commands: clean at the ordinary 140 words
  per minute and pitch, clean faster and higher (170, 70), and at 140 with 20 dB of noise.
Each variant starts the turn of voices elsewhere, so a command is not always one voice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """A way of speaking every command: voice, words per minute, pitch 0-99, noise."""

    voice: str  # espeak-ng's ("de"), an mbrola voice ("mb-de6") or "mbrola[+K]" (in turn)
    speed: int
    pitch: int
    snr: float | None  # signal-to-noise in dB, None for clean

    @property
    def name(self) -> str:
        """As bench/speech.py --variants writes it."""
        snr = "none" if self.snr is None else f"{self.snr:g}"
        return f"{self.voice}:{self.speed}:{self.pitch}:{snr}"

    @property
    def mbrola(self) -> bool:
        """Whether mbrola's voices speak it."""
        return self.voice.startswith("mb")

    @classmethod
    def parse(cls, text: str) -> Variant:
        """ "mb-de6:140:50:none", or "140:50:none" for espeak-ng's "de"."""
        parts = text.strip().split(":")
        if len(parts) == 3:
            parts = ["de", *parts]
        voice, speed, pitch, snr = parts
        return cls(voice, int(speed), int(pitch), None if snr == "none" else float(snr))


ESPEAK_VARIANTS = (Variant("de", 140, 50, None), Variant("de", 170, 70, 20.0))
MBROLA_VARIANTS = (
    Variant("mbrola", 140, 50, None),
    Variant("mbrola+1", 170, 70, None),
    Variant("mbrola+2", 140, 50, 20.0),
)
