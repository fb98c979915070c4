"""openWakeWord's published models, from the openwakeword 0.4.0 wheel on PyPI (a development
dependency: its models are CC BY-NC-SA 4.0, used here for testing only, never shipped).

The wake words are said by espeak-ng's English voice; the models were trained on other
synthetic voices, so these figures show the pipeline works end to end, not how well a wake
word is heard in a real room.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hausgeist.satellite.wake import Command, WakeLoop, Woke, frames_of
from hausgeist.speech.audio import RATE, Audio, read_wav, resample
from hausgeist.speech.vad import SileroVad
from hausgeist.speech.wakeword import CHUNK, OpenWakeWord, WakeWordError

SHA256 = {  # of the files in openwakeword-0.4.0-py3-none-any.whl
    "melspectrogram.onnx": "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
    "embedding_model.onnx": "ba754db3cd768a524c655ea90655ee5e6055a43b8dfd29366a11e93716ae9e51",
    "hey_jarvis_v0.1.onnx": "94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb",
    "alexa_v0.1.onnx": "6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e",
    "timer_v0.1.onnx": "371e44535470a29248b3b8f1bbbbaf2525c86417fd8f75c67fcf02ae0b9626df",
}
COMMANDS = ["Mach das Licht im Schlafzimmer an", "Wie spät ist es", "Stell einen Timer auf fünf "
            "Minuten", "Setz Milch auf die Einkaufsliste", "Spiel Musik im Wohnzimmer"]  # fmt: skip


@pytest.fixture(scope="module")
def models() -> Path:
    spec = importlib.util.find_spec("openwakeword")
    assert spec is not None and spec.submodule_search_locations, "pip install .[dev]"
    folder = Path(spec.submodule_search_locations[0]) / "resources" / "models"
    for name, digest in SHA256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    return folder


def say(text: str, voice: str = "en", speed: int = 150) -> np.ndarray:
    done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                          capture_output=True, check=True)  # fmt: skip
    samples = resample(read_wav(done.stdout), RATE).samples
    return samples * (0.8 / float(np.max(np.abs(samples))))


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE))


def pcm(*parts: np.ndarray) -> np.ndarray:
    return (np.concatenate(parts) * 32767).astype(np.int16)


def detector(models: Path) -> OpenWakeWord:
    return OpenWakeWord.load([models / "hey_jarvis_v0.1.onnx", models / "alexa_v0.1.onnx"])


@pytest.mark.parametrize(("phrase", "name"), [("Hey Jarvis", "hey_jarvis_v0.1"),
                                              ("Alexa", "alexa_v0.1")])  # fmt: skip
def test_each_wake_word_wakes_its_model_only(models: Path, phrase: str, name: str) -> None:
    found = detector(models).feed(pcm(quiet(1.5), say(phrase), quiet(1.5)))
    assert [d.name for d in found] == [name]


@pytest.mark.parametrize("text", COMMANDS)
def test_german_commands_wake_nobody(models: Path, text: str) -> None:
    listening = detector(models)
    for speed in (120, 170):
        assert listening.feed(pcm(quiet(1.5), say(text, "de", speed), quiet(1.5))) == []


def test_scores_are_those_of_openwakewords_own_code(models: Path) -> None:
    from openwakeword.model import Model

    audio = pcm(quiet(2.5), say("Hey Jarvis"), quiet(1.0), say("Alexa"), quiet(1.5))
    reference = Model(wakeword_model_paths=[str(models / "hey_jarvis_v0.1.onnx")])
    ours = OpenWakeWord.load([models / "hey_jarvis_v0.1.onnx"])
    theirs, mine = [], []
    for start in range(0, len(audio) - CHUNK + 1, CHUNK):
        theirs.append(reference.predict(audio[start : start + CHUNK])["hey_jarvis_v0.1"])
        ours.feed(audio[start : start + CHUNK])
        mine.append(ours.scores["hey_jarvis_v0.1"])
    assert max(theirs) > 0.9
    # from the 26th chunk on neither history holds anything but this audio (76 / 8 + 16)
    np.testing.assert_allclose(mine[26:], theirs[26:], atol=1e-3)


def test_the_device_takes_the_command_after_hey_jarvis(models: Path) -> None:
    command = say("Mach das Licht im Schlafzimmer an", "de", 140)
    audio = np.concatenate([quiet(1.0), say("Hey Jarvis"), quiet(0.3), command, quiet(2.0)])
    device = WakeLoop(SileroVad(), OpenWakeWord.load([models / "hey_jarvis_v0.1.onnx"]))
    events = [
        e for frame in frames_of(Audio(audio.astype(np.float32), RATE)) for e in device.feed(frame)
    ]
    assert [type(e) for e in events] == [Woke, Command]
    assert isinstance(events[1], Command)
    assert abs(events[1].audio.seconds - len(command) / RATE) < 1.3


def test_a_multi_class_model_is_refused_clearly(models: Path) -> None:
    with pytest.raises(WakeWordError, match="not an openWakeWord model"):
        OpenWakeWord.load([models / "timer_v0.1.onnx"])
