"""The openWakeWord pipeline on onnxruntime, driven through small ONNX graphs of known output.

The graphs (tests/speech/wakeword_graphs.py) have the published models' names and shapes; their
numbers are recomputed here in NumPy, so these tests check the real plumbing: 80 ms chunks
from frames of any size, 8 mel frames per chunk, windows of 76 frames, the last 16 embeddings,
threshold, refractory period and reset. No real wake-word model is available offline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hausgeist.speech.wakeword import (
    CHUNK,
    RATE,
    WARMUP_CHUNKS,
    OpenWakeWord,
    WakeConfig,
    WakeWordError,
)
from tests.speech.wakeword_graphs import (
    embedding_model,
    expected_scores,
    mel_model,
    model_folder,
    wake_model,
)

Int16 = npt.NDArray[np.int16]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model_folder(tmp_path_factory.mktemp("wake"))


def tone(seconds: float, amplitude: float = 0.5, hz: float = 440.0) -> Int16:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def silence(seconds: float) -> Int16:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def speech_like(seconds: float, seed: int = 3) -> Int16:
    """Noise whose loudness swells and fades, so every window and position counts."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    envelope = 0.5 + 0.45 * np.sin(np.arange(n) / RATE * 2 * np.pi * 0.7)
    return (rng.uniform(-1, 1, n) * envelope * 16000).astype(np.int16)


def scores_by_chunk(detector: OpenWakeWord, samples: Int16, sizes: list[int]) -> list[float]:
    """The score after every chunk, feeding frames of the given sizes in turn.

    A frame that completes several chunks only shows the score of the last one; the others
    are NaN.
    """
    scores: list[float] = []
    position, turn = 0, 0
    while position < len(samples):
        size = sizes[turn % len(sizes)]
        detector.feed(samples[position : position + size])
        position, turn = position + size, turn + 1
        completed = min(position, len(samples)) // CHUNK
        if completed > len(scores):
            scores += [float("nan")] * (completed - len(scores) - 1)
            scores.append(detector.scores[detector.names[0]])
    return scores


def test_scores_are_openwakewords_pipeline_recomputed(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    samples = speech_like(6.0)
    got = scores_by_chunk(detector, samples, [CHUNK])
    expected = expected_scores(samples)
    assert len(got) == len(samples) // CHUNK
    assert max(expected[15:]) - min(expected[15:]) > 0.2  # the signal moves the score
    np.testing.assert_allclose(got[15:], expected[15:], atol=1e-4)


def test_frames_of_any_size_give_the_same_scores_as_whole_chunks(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    samples = speech_like(5.0)
    whole = scores_by_chunk(detector, samples, [CHUNK])
    for sizes in ([1, 333, 1279, 4001], [160], [12_800], [len(samples)]):
        detector.reset()
        got = np.array(scores_by_chunk(detector, samples, sizes))
        seen = ~np.isnan(got)
        assert seen.any() and len(got) == len(whole)
        np.testing.assert_allclose(got[seen], np.array(whole)[seen], atol=1e-5)


def test_the_context_is_the_number_of_embeddings_the_model_asks_for(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, names=())
    wake_model(folder / "short.onnx", frames=8, input_name="onnx::Flatten_0")
    detector = OpenWakeWord.load([folder])
    samples = speech_like(5.0)
    got = scores_by_chunk(detector, samples, [CHUNK])
    np.testing.assert_allclose(got[8:], expected_scores(samples, frames=8)[8:], atol=1e-4)
    assert not np.allclose(got[16:], expected_scores(samples, frames=16)[16:], atol=1e-3)


def test_the_first_scores_after_a_reset_are_zero_as_in_openwakeword(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    got = scores_by_chunk(detector, tone(2.0, 0.9), [CHUNK])
    assert got[:WARMUP_CHUNKS] == [0.0] * WARMUP_CHUNKS and got[-1] == 1.0


def test_a_loud_word_after_silence_is_detected_once(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    found = detector.feed(np.concatenate([silence(1.0), tone(1.5), silence(2.0)]))
    assert len(found) == 1
    (detection,) = found
    assert detection.name == "hey_hausgeist" and detection.score >= 0.5
    assert 1.0 < detection.seconds <= 2.5
    assert detection.seconds * RATE % CHUNK == 0  # at the end of the chunk that crossed


def test_a_score_that_stays_high_triggers_once(models: Path) -> None:
    detector = OpenWakeWord.load([models], WakeConfig(refractory=0.0))
    found = detector.feed(np.concatenate([silence(1.0), tone(6.0), silence(2.0)]))
    assert len(found) == 1


def test_the_word_said_again_within_the_refractory_period_does_not_trigger(
    models: Path,
) -> None:
    twice = np.concatenate([silence(1.0), tone(1.5), silence(1.5), tone(1.5), silence(2.0)])
    scores = expected_scores(twice)
    assert min(scores[43:55]) < 0.5 < max(scores[55:])  # the score dips between the two
    assert len(OpenWakeWord.load([models], WakeConfig(refractory=5.0)).feed(twice)) == 1
    found = OpenWakeWord.load([models], WakeConfig(refractory=2.0)).feed(twice)
    assert len(found) == 2 and found[1].seconds - found[0].seconds >= 2.0
    assert len(OpenWakeWord.load([models], WakeConfig(refractory=0.0)).feed(twice)) == 2


def test_the_threshold_decides(models: Path) -> None:
    audio = np.concatenate([silence(1.0), tone(1.5, amplitude=0.28), silence(2.0)])
    peak = max(expected_scores(audio))
    assert 0.3 < peak < 0.9
    assert OpenWakeWord.load([models], WakeConfig(threshold=0.25)).feed(audio)
    assert not OpenWakeWord.load([models], WakeConfig(threshold=0.95)).feed(audio)


@pytest.mark.parametrize("amplitude", [0.0, 0.02])
def test_silence_and_quiet_noise_wake_nobody(models: Path, amplitude: float) -> None:
    detector = OpenWakeWord.load([models])
    noise = np.random.default_rng(5).uniform(-amplitude, amplitude, 10 * RATE)
    assert detector.feed(noise.astype(np.float32)) == []
    assert detector.scores["hey_hausgeist"] < 0.05


def test_reset_forgets_the_audio_and_restarts_the_clock(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    detector.feed(tone(1.0))  # most of a wake word...
    detector.reset()
    assert detector.feed(silence(3.0)) == []  # ...is forgotten, and cannot complete
    detector.reset()
    (detection,) = detector.feed(np.concatenate([tone(1.5), silence(1.0)]))
    assert detection.seconds < 1.6


def test_int16_floats_and_pcm_bytes_are_the_same_audio(models: Path) -> None:
    samples = speech_like(3.0)
    as_int = scores_by_chunk(OpenWakeWord.load([models]), samples, [CHUNK])
    detector = OpenWakeWord.load([models])
    detector.feed(samples.astype(np.float32) / 32767.0)
    floats = detector.scores["hey_hausgeist"]
    detector.reset()
    detector.feed(samples.astype("<i2").tobytes())
    assert floats == pytest.approx(as_int[-1], abs=1e-3)
    assert detector.scores["hey_hausgeist"] == pytest.approx(as_int[-1], abs=1e-6)


def test_frames_that_are_not_mono_samples_are_refused(models: Path) -> None:
    detector = OpenWakeWord.load([models])
    with pytest.raises(ValueError, match="mono"):
        detector.feed(np.zeros((2, 640), dtype=np.int16))
    with pytest.raises(ValueError, match="even"):
        detector.feed(b"\x00\x01\x02")
    with pytest.raises(ValueError, match="int16 or float"):
        detector.feed(np.array(["a", "b"]))


def test_every_wake_word_in_the_folder_listens(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, names=("alexa", "hey_jarvis"))
    detector = OpenWakeWord.load([folder])
    assert detector.names == ("alexa", "hey_jarvis")
    found = detector.feed(np.concatenate([silence(1.0), tone(1.5), silence(1.0)]))
    assert sorted(d.name for d in found) == ["alexa", "hey_jarvis"]


def test_one_model_file_finds_the_feature_models_beside_it(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, names=("alexa", "hey_jarvis"))
    detector = OpenWakeWord.load([folder / "hey_jarvis.onnx"])
    assert detector.names == ("hey_jarvis",)


@pytest.mark.parametrize(
    ("layout", "detail"),
    [
        ("nothing", "does not exist"),
        ("empty", "no wake-word"),
        ("no_embedding", "embedding_model.onnx is missing"),
        ("no_mel", "melspectrogram.onnx is missing"),
    ],
)
def test_missing_models_are_a_clear_error(tmp_path: Path, layout: str, detail: str) -> None:
    folder = tmp_path / "models"
    if layout != "nothing":
        model_folder(folder, names=() if layout == "empty" else ("hey",))
    if layout == "no_embedding":
        (folder / "embedding_model.onnx").unlink()
    if layout == "no_mel":
        (folder / "melspectrogram.onnx").unlink()
    with pytest.raises(WakeWordError) as caught:
        OpenWakeWord.load([folder])
    assert caught.value.code == "wake_word_unavailable"
    assert "Kein Aktivierungswort-Modell gefunden" in caught.value.message
    assert detail in str(caught.value.detail)


def test_two_models_of_one_name_are_refused(tmp_path: Path) -> None:
    first = model_folder(tmp_path / "a")
    second = model_folder(tmp_path / "b")
    with pytest.raises(WakeWordError, match="denselben Namen"):
        OpenWakeWord.load([first, second / "hey_hausgeist.onnx"])


def test_no_path_at_all_is_a_clear_error() -> None:
    with pytest.raises(WakeWordError, match="no wake-word model found"):
        OpenWakeWord.load([])


@pytest.mark.parametrize(
    ("replace", "build", "detail"),
    [
        ("hey.onnx", lambda p: wake_model(p, size=64), "expected [1, N, 96]"),
        ("hey.onnx", lambda p: wake_model(p, outputs=3), "one wake word per model"),
        ("melspectrogram.onnx", lambda p: mel_model(p, bins=40), "expected [1, 1, 8, 32]"),
        ("embedding_model.onnx", lambda p: embedding_model(p, size=128), "[1, 1, 1, 96]"),
        ("embedding_model.onnx", lambda p: embedding_model(p, window=50), "shapes"),
        ("hey.onnx", lambda p: p.write_text("not a model") and p, "hey.onnx"),
        ("melspectrogram.onnx", lambda p: p.write_bytes(b"") and p, "melspectrogram"),
    ],
)
def test_models_of_the_wrong_shape_are_refused_clearly(
    tmp_path: Path, replace: str, build: object, detail: str
) -> None:
    folder = model_folder(tmp_path, names=("hey",))
    assert callable(build)
    build(folder / replace)
    with pytest.raises(WakeWordError) as caught:
        OpenWakeWord.load([folder])
    assert caught.value.code == "wake_word_unavailable"
    assert "Aktivierungswort" in caught.value.message or "openWakeWord" in caught.value.message
    assert detail in str(caught.value.detail)


@pytest.mark.parametrize("config", [{"threshold": 0.0}, {"threshold": 1.5}, {"refractory": -1}])
def test_nonsense_settings_are_refused(config: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WakeConfig(**config)
