"""Wake word detection with openWakeWord-compatible ONNX models, on the device.

openWakeWord (https://github.com/dscripka/openWakeWord) chains three models, all run here with
onnxruntime exactly as its `openwakeword/utils.py` and `model.py` (0.6.0) run them:

1. `melspectrogram.onnx` ("input": [1, samples] float32 holding int16 values, not scaled):
   each 80 ms chunk of 1,280 samples, with the 480 samples before it, gives 8 mel frames of 32
   bins ([1, 1, 8, 32]), then transformed by `x / 10 + 2`;
2. `embedding_model.onnx` ("input_1": [1, 76, 32, 1]): the last 76 mel frames, one window
   per chunk (a stride of 8 frames), give one 96-dim embedding ([1, 1, 1, 96]);
3. a wake-word model ([1, N, 96], N = 16 for the published ones, read from the model): the last
   N embeddings give a score from 0 to 1 ([1, 1]).

As in openWakeWord, the embedding history starts from embeddings of quiet noise (seeded here,
so runs repeat) and the first 5 scores after a reset are 0. One deliberate difference: the very
first chunk sees 480 samples of silence before it, so every chunk gives exactly 8 mel frames.

Licenses: openWakeWord's code is Apache-2.0; its pre-trained models (the feature models and
"alexa", "hey_jarvis", "hey_mycroft", ...) are CC BY-NC-SA 4.0, non-commercial only, as its
README states. hausgeist ships none of them: a household points it at model files it obtained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hausgeist.speech.errors import ModelError, SpeechError

RATE = 16_000
CHUNK = 1_280  # samples per step: 80 ms
MEL_CONTEXT = 480  # samples before a chunk that its mel frames also see
MEL_FRAMES = 8  # mel frames per chunk
MEL_BINS = 32
WINDOW = 76  # mel frames per embedding
EMBEDDING = 96
WARMUP_CHUNKS = 5  # scores forced to 0 after a reset, as openWakeWord does
MEL_FILE, EMBEDDING_FILE = "melspectrogram.onnx", "embedding_model.onnx"
_WARMUP_SECONDS = 4  # of quiet noise whose embeddings open the history (openWakeWord's choice)

Floats = npt.NDArray[np.float32]


class WakeWordError(ModelError):
    """Wake-word models missing, unreadable or not shaped like openWakeWord's."""

    code = "wake_word_unavailable"


class NotWoken(SpeechError):
    """A recording in which the wake word never came."""

    code = "no_wake_word"


@dataclass(frozen=True)
class Detection:
    """A wake word heard: which model, its score, and when (seconds since the last reset)."""

    name: str
    score: float
    seconds: float


class WakeWordDetector(Protocol):
    """Takes 16 kHz mono audio in frames of any size; says when a wake word was spoken."""

    names: tuple[str, ...]

    def feed(self, frame: npt.ArrayLike | bytes) -> list[Detection]:
        """Take one frame (int16 samples, floats in [-1, 1], or 16-bit PCM bytes)."""
        ...

    def reset(self) -> None:
        """Forget all audio heard so far (after a turn, so its speech cannot trigger)."""
        ...


@dataclass(frozen=True)
class WakeConfig:
    """When a score counts: at or above `threshold`, at least `refractory` seconds after the
    last detection, and only once the score has fallen below the threshold since: one word
    said once triggers once, however long its score stays high."""

    threshold: float = 0.5
    refractory: float = 2.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.refractory < 0:
            raise ValueError(f"refractory must not be negative, got {self.refractory}")


@dataclass(frozen=True)
class WakeModelFiles:
    """Where the three kinds of model are."""

    melspectrogram: Path
    embedding: Path
    wake_words: tuple[Path, ...]

    @classmethod
    def find(cls, paths: Sequence[Path]) -> WakeModelFiles:
        """Folders or wake-word model files; the two feature models sit beside them."""
        if not paths:
            raise _missing("no path given")
        wake: list[Path] = []
        for path in paths:
            if path.is_dir():
                wake += [p for p in sorted(path.glob("*.onnx")) if p.name not in _FEATURES]
            elif path.is_file():
                wake.append(path)
            else:
                raise _missing(f"{path} does not exist")
        if not wake:
            raise _missing(f"no wake-word *.onnx beside {MEL_FILE} in {paths[0]}")
        names = [path.stem for path in wake]
        if len(set(names)) < len(names):
            raise WakeWordError("Zwei Modelle tragen denselben Namen.", ", ".join(sorted(names)))
        folder = paths[0] if paths[0].is_dir() else paths[0].parent
        features = folder / MEL_FILE, folder / EMBEDDING_FILE
        for feature in features:
            if not feature.is_file():
                raise _missing(f"{feature.name} is missing in {folder}")
        return cls(features[0], features[1], tuple(wake))


# In a folder, the files that are no wake word: the feature models, and the Silero VAD that
# openWakeWord's own model folder holds beside them.
_FEATURES = (MEL_FILE, EMBEDDING_FILE, "silero_vad.onnx")


class OpenWakeWord:
    """openWakeWord's streaming pipeline on onnxruntime, for one or more wake words."""

    def __init__(self, files: WakeModelFiles, config: WakeConfig | None = None) -> None:
        self.config = config or WakeConfig()
        self._mel = _Session(files.melspectrogram)
        self._embedding = _Session(files.embedding)
        self._check_features()
        self._wake = [_WakeModel(path) for path in files.wake_words]
        self.names = tuple(model.name for model in self._wake)
        self._warmup = self._embeddings(_quiet_noise())
        self._history = max(model.frames for model in self._wake)
        if len(self._warmup) < self._history:
            raise WakeWordError(
                "Das Aktivierungswort-Modell passt nicht.", f"it wants {self._history} embeddings"
            )
        self.reset()

    @classmethod
    def load(cls, paths: Sequence[Path], config: WakeConfig | None = None) -> OpenWakeWord:
        """The detector for model files found at `paths` (see `WakeModelFiles.find`)."""
        return cls(WakeModelFiles.find(paths), config)

    def reset(self) -> None:
        """Back to the state after loading: no audio, warm-up history, no recent detection."""
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(MEL_CONTEXT, dtype=np.float32)
        self._mels = np.ones((WINDOW, MEL_BINS), dtype=np.float32)
        self._features = self._warmup[-self._history :].copy()
        self._chunks = 0
        self._last: dict[str, float] = {}
        self._armed = dict.fromkeys(self.names, True)
        self.scores: dict[str, float] = dict.fromkeys(self.names, 0.0)

    def feed(self, frame: npt.ArrayLike | bytes) -> list[Detection]:
        """Take a frame of any length; detections in the 80 ms chunks it completed."""
        # openWakeWord's mel model takes the int16 values as floats, unscaled.
        samples = np.concatenate([self._pending, as_samples(frame) * np.float32(32768.0)])
        whole = len(samples) // CHUNK * CHUNK
        self._pending = samples[whole:]
        found: list[Detection] = []
        for start in range(0, whole, CHUNK):
            found += self._step(samples[start : start + CHUNK])
        return found

    def _step(self, chunk: Floats) -> list[Detection]:
        audio = np.concatenate([self._context, chunk])
        self._context = audio[-MEL_CONTEXT:]
        self._mels = np.concatenate([self._mels, self._mel_frames(audio)])[-WINDOW:]
        embedding = self._embed(self._mels)
        self._features = np.concatenate([self._features[1:], embedding[None, :]])
        self._chunks += 1
        seconds = self._chunks * CHUNK / RATE
        found = []
        for model in self._wake:
            score = model.score(self._features) if self._chunks > WARMUP_CHUNKS else 0.0
            self.scores[model.name] = score
            if score < self.config.threshold:
                self._armed[model.name] = True
            elif self._armed[model.name] and self._rested(model.name, seconds):
                self._armed[model.name] = False
                self._last[model.name] = seconds
                found.append(Detection(model.name, score, seconds))
        return found

    def _rested(self, name: str, seconds: float) -> bool:
        last = self._last.get(name)
        return last is None or seconds - last >= self.config.refractory

    def _mel_frames(self, audio: Floats) -> Floats:
        out = self._mel.run(audio[None, :])
        return (out.reshape(-1, MEL_BINS) / 10.0 + 2.0).astype(np.float32)

    def _embed(self, mels: Floats) -> Floats:
        return self._embedding.run(mels[None, :, :, None]).reshape(EMBEDDING)

    def _embeddings(self, audio: Floats) -> Floats:
        """Embeddings of a whole recording: windows of 76 mel frames every 8 frames."""
        mels = self._mel_frames(audio)
        starts = range(0, len(mels) - WINDOW + 1, MEL_FRAMES)
        return np.stack([self._embed(mels[i : i + WINDOW]) for i in starts])

    def _check_features(self) -> None:
        mels = self._mel.run(np.zeros((1, MEL_CONTEXT + CHUNK), dtype=np.float32))
        if mels.shape[-1:] != (MEL_BINS,) or mels.size != MEL_FRAMES * MEL_BINS:
            raise _shape(self._mel.path, f"[1, 1, {MEL_FRAMES}, {MEL_BINS}]", mels.shape)
        embedding = self._embedding.run(np.ones((1, WINDOW, MEL_BINS, 1), dtype=np.float32))
        if embedding.size != EMBEDDING:
            raise _shape(self._embedding.path, f"[1, 1, 1, {EMBEDDING}]", embedding.shape)


class _Session:
    """One ONNX model on onnxruntime, one thread (a device has few cores to spare)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            import onnxruntime
        except ImportError as err:  # pragma: no cover - a broken install
            raise WakeWordError("onnxruntime ist nicht installiert.", str(err)) from err
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises bare Exception subclasses
            raise WakeWordError(
                "Das Aktivierungswort-Modell lässt sich nicht laden.", f"{path}: {err}"
            ) from err
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise _shape(path, "one input", [i.name for i in inputs])
        self.input = inputs[0]

    def run(self, value: Floats) -> Floats:
        """The first output for one input."""
        try:
            out = self._session.run(None, {self.input.name: value})[0]
        except Exception as err:  # a model whose shapes do not fit what openWakeWord feeds it
            raise _shape(self.path, "openWakeWord's shapes", f"{err}") from err
        return np.asarray(out, dtype=np.float32)


class _WakeModel:
    """A wake-word model: the last N embeddings in, one score out."""

    def __init__(self, path: Path) -> None:
        self.session = _Session(path)
        self.name = path.stem
        shape = self.session.input.shape
        if len(shape) != 3 or shape[2] != EMBEDDING or not isinstance(shape[1], int):
            raise _shape(path, f"[1, N, {EMBEDDING}]", shape)
        self.frames: int = shape[1]
        score = self.session.run(np.zeros((1, self.frames, EMBEDDING), dtype=np.float32))
        if score.size != 1:
            raise _shape(path, "[1, 1] (one wake word per model)", score.shape)

    def score(self, features: Floats) -> float:
        """The score of the last N embeddings."""
        out = self.session.run(features[None, -self.frames :, :])
        return float(np.clip(out.reshape(-1)[0], 0.0, 1.0))


def as_samples(frame: npt.ArrayLike | bytes) -> Floats:
    """Mono samples as float32 in [-1, 1], from int16, floats or 16-bit PCM bytes."""
    if isinstance(frame, bytes | bytearray | memoryview):
        if len(frame) % 2:
            raise ValueError("16-bit PCM needs an even number of bytes")
        return np.frombuffer(frame, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    array = np.asarray(frame)
    if array.ndim != 1:
        raise ValueError(f"expected mono samples (one dimension), got shape {array.shape}")
    if array.dtype.kind in "iu":
        return (array / 32768.0).astype(np.float32)
    if array.dtype.kind != "f":
        raise ValueError(f"expected int16 or float samples, got {array.dtype}")
    out: Floats = np.clip(np.nan_to_num(array), -1.0, 1.0).astype(np.float32)
    return out


def _quiet_noise() -> Floats:
    """openWakeWord's warm-up input: 4 s of noise within ±1000, from a fixed seed."""
    noise = np.random.default_rng(0).integers(-1000, 1000, _WARMUP_SECONDS * RATE)
    return noise.astype(np.float32)


def _missing(detail: str) -> WakeWordError:
    return WakeWordError(
        "Kein Aktivierungswort-Modell gefunden (no wake-word model found). "
        f"Nötig sind {MEL_FILE}, {EMBEDDING_FILE} und ein Modell für das Wort.",
        detail,
    )


def _shape(path: Path, wanted: str, got: object) -> WakeWordError:
    return WakeWordError(
        "Dieses Modell ist kein openWakeWord-Modell (not an openWakeWord model).",
        f"{path.name}: expected {wanted}, got {got}",
    )
