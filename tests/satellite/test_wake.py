"""The device's loop: wake word (small ONNX graphs of known output) or button, then the command
endpointed by the real silero VAD, with German speech from espeak-ng."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hausgeist.satellite.wake import (
    MAX_SECONDS,
    Command,
    NothingSaid,
    WakeLoop,
    Woke,
    commands,
    frames_of,
)
from hausgeist.speech.audio import RATE, Audio, Samples, resample
from hausgeist.speech.vad import SileroVad
from hausgeist.speech.wakeword import OpenWakeWord
from tests.speech.conftest import speak
from tests.speech.wakeword_graphs import model_folder

SENTENCE = "Schalte das Licht im Wohnzimmer an"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model_folder(tmp_path_factory.mktemp("wake"))


@pytest.fixture(scope="module")
def spoken() -> Samples:
    return resample(speak(SENTENCE, 150), RATE).samples


def wake_word() -> Samples:
    """What the test graphs take for a wake word: 0.6 s of a loud tone."""
    t = np.arange(int(0.6 * RATE)) / RATE
    return (0.9 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def quiet(seconds: float) -> Samples:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def loop(models: Path | None, max_seconds: float = MAX_SECONDS) -> WakeLoop:
    detector = OpenWakeWord.load([models]) if models is not None else None
    return WakeLoop(SileroVad(), detector, max_seconds=max_seconds)


def run(device: WakeLoop, audio: Samples, size: int = 1_280) -> list[object]:
    events: list[object] = []
    for frame in frames_of(Audio(audio, RATE), size):
        events += device.feed(frame)
    return events


def test_the_wake_word_then_a_command_gives_the_command(models: Path, spoken: Samples) -> None:
    audio = np.concatenate([quiet(1.0), wake_word(), quiet(0.4), spoken, quiet(2.0)])
    events = run(loop(models), audio)
    assert [type(e) for e in events] == [Woke, Command]
    woke, command = events
    assert isinstance(woke, Woke) and isinstance(command, Command)
    assert woke.detection is not None and command.trigger == woke.detection
    assert command.complete
    # the speech, a little before it and the silence that ended it, cut from what followed
    # the wake word (frames of 512 samples from the detection on)
    assert len(spoken) / RATE - 0.3 < command.audio.seconds < len(spoken) / RATE + 1.3
    woken_at = round(woke.detection.seconds * RATE)
    size = len(command.audio.samples)
    starts = range(woken_at, len(audio) - size, 512)
    assert any(np.array_equal(audio[p : p + size], command.audio.samples) for p in starts)


def test_the_whole_recording_in_one_frame_gives_the_same_command(
    models: Path, spoken: Samples
) -> None:
    audio = np.concatenate([quiet(1.0), wake_word(), quiet(0.4), spoken, quiet(2.0)])
    by_chunk = [e for e in run(loop(models), audio) if isinstance(e, Command)]
    at_once = [e for e in loop(models).feed(audio) if isinstance(e, Command)]
    odd = [e for e in run(loop(models), audio, size=777) if isinstance(e, Command)]
    assert len(by_chunk) == len(at_once) == len(odd) == 1
    assert abs(at_once[0].audio.seconds - by_chunk[0].audio.seconds) < 0.1
    assert abs(odd[0].audio.seconds - by_chunk[0].audio.seconds) < 0.1


def test_speech_without_the_wake_word_is_not_a_command(models: Path, spoken: Samples) -> None:
    assert run(loop(models), np.concatenate([quiet(0.5), spoken, quiet(2.0)])) == []


def test_waking_and_saying_nothing_gives_up(models: Path) -> None:
    events = run(loop(models), np.concatenate([quiet(1.0), wake_word(), quiet(10.0)]))
    assert [type(e) for e in events] == [Woke, NothingSaid]


def test_a_recording_that_ends_while_speaking_ends_the_command(
    models: Path, spoken: Samples
) -> None:
    device = loop(models)
    events = run(device, np.concatenate([quiet(1.0), wake_word(), quiet(0.4), spoken]))
    assert [type(e) for e in events] == [Woke]
    (command,) = device.end()
    assert isinstance(command, Command) and command.audio.seconds > len(spoken) / RATE - 0.3
    assert device.end() == []


def test_a_recording_that_ends_after_the_wake_word_said_nothing(models: Path) -> None:
    device = loop(models)
    assert [type(e) for e in run(device, np.concatenate([quiet(1.0), wake_word()]))] == [Woke]
    (nothing,) = device.end()
    assert isinstance(nothing, NothingSaid) and nothing.audio.seconds > 0


def test_two_commands_in_one_stream_each_need_the_wake_word(models: Path, spoken: Samples) -> None:
    turn = np.concatenate([quiet(1.0), wake_word(), quiet(0.4), spoken, quiet(2.0)])
    audio = np.concatenate([turn, spoken, quiet(2.0), turn])  # the middle one is not woken
    found = list(commands(loop(models), frames_of(Audio(audio, RATE))))
    assert len(found) == 2 and all(c.trigger is not None for c in found)


def test_the_button_works_without_any_wake_word_model(spoken: Samples) -> None:
    device = loop(None)
    assert run(device, np.concatenate([spoken, quiet(2.0)])) == []  # not pressed: ignored
    assert device.press() == [Woke(None)]
    assert device.press() == []  # already listening
    events = run(device, np.concatenate([quiet(0.3), spoken, quiet(2.0)]))
    assert len(events) == 1 and isinstance(events[0], Command)
    assert events[0].trigger is None and events[0].complete


def test_the_button_also_works_beside_a_wake_word(models: Path, spoken: Samples) -> None:
    device = loop(models)
    device.press()
    events = run(device, np.concatenate([spoken, quiet(2.0)]))
    assert [type(e) for e in events] == [Command]


def test_a_command_that_goes_on_and_on_is_cut(spoken: Samples) -> None:
    device = loop(None, max_seconds=1.0)
    device.press()
    events = run(device, np.concatenate([spoken, quiet(2.0)]))
    assert len(events) == 1 and isinstance(events[0], Command)
    assert not events[0].complete and events[0].audio.seconds <= 1.0


def test_pcm_bytes_from_a_microphone_are_audio_too(models: Path, spoken: Samples) -> None:
    audio = np.concatenate([quiet(1.0), wake_word(), quiet(0.4), spoken, quiet(2.0)])
    pcm = (audio * 32767).astype("<i2").tobytes()
    device = loop(models)
    events = [e for i in range(0, len(pcm), 2_560) for e in device.feed(pcm[i : i + 2_560])]
    assert [type(e) for e in events] == [Woke, Command]
