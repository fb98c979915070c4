"""What a household is likely to say: a decoding prompt made of its own commands.

whisper reads the prompt as if it had just been said, so a prompt of whole commands with
the home's rooms and devices ("Schalte das Licht im Flur an. Mach Küchenlicht an. ...")
makes it spell what it hears the way the household's commands are spelled. Measured on
tests/speech/calibration.yaml, this did more than a list of names. Sentences with numbers
are left out: whisper copied "einundzwanzig Grad" from the prompt for "neunzehn Grad".
"""

from __future__ import annotations

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.speech.sentences import filled, number_words
from hausgeist.speech.stt import Hints


def hints(home: HomeSnapshot) -> Hints:
    """The everyday command shapes filled with this home's names, one sentence each."""
    numbers = {number_words(n) for n in range(1, 100)} | {"halb", "viertel"}
    spoken = [s for s in filled(home, every=False) if not numbers & set(s.casefold().split())]
    names = [area.name for area in home.areas] + [entity.name for entity in home.entities]
    return Hints(prompt=". ".join(spoken) + ".", hotwords=tuple(dict.fromkeys(names)))
