"""The endpointer: a pure state machine over frame probabilities."""

from __future__ import annotations

from hausgeist.speech.vad import EndpointConfig, Endpointer, Phase, speech_seconds

CONFIG = EndpointConfig(start_frames=3, end_frames=5, timeout_frames=20)


def test_speech_starts_after_enough_voiced_frames() -> None:
    endpointer = Endpointer(CONFIG)
    assert endpointer.feed_all([0.1, 0.9, 0.9]) is Phase.WAITING
    assert endpointer.feed(0.9) is Phase.SPEAKING
    assert endpointer.start_frame == 1


def test_a_single_click_does_not_start_speech() -> None:
    assert Endpointer(CONFIG).feed_all([0.9, 0.1, 0.9, 0.1, 0.9, 0.1]) is Phase.WAITING


def test_speech_ends_after_enough_silence_and_short_pauses_do_not_end_it() -> None:
    endpointer = Endpointer(CONFIG)
    endpointer.feed_all([0.9] * 4 + [0.1] * 4 + [0.8] * 3)
    assert endpointer.phase is Phase.SPEAKING
    assert endpointer.feed_all([0.1] * 5) is Phase.ENDED
    assert endpointer.end_frame == 11


def test_hysteresis_keeps_speech_going_between_the_thresholds() -> None:
    endpointer = Endpointer(CONFIG)
    endpointer.feed_all([0.9] * 3 + [0.4] * 10)
    assert endpointer.phase is Phase.SPEAKING


def test_nobody_speaking_times_out_and_the_machine_stays_put() -> None:
    endpointer = Endpointer(CONFIG)
    assert endpointer.feed_all([0.0] * 25) is Phase.TIMED_OUT
    assert endpointer.frames == 20
    assert endpointer.feed(0.9) is Phase.TIMED_OUT


def test_speech_seconds_adds_up_every_utterance() -> None:
    frames = ([0.9] * 10 + [0.0] * 30) * 2
    assert speech_seconds(frames) == 20 * 0.032
