"""Speech-to-text with faster-whisper (CTranslate2), int8 on the CPU by default."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from hausgeist.speech.audio import RATE, Audio
from hausgeist.speech.errors import EngineError, ModelError
from hausgeist.speech.models import whisper_base
from hausgeist.speech.stt import Hints, Transcript

# whisper reads at most 223 prompt tokens, the last ones of a longer prompt (faster-whisper
# cuts it); this only bounds the text that is tokenized.
_PROMPT_CHARS = 2_000


class WhisperStt:
    """faster-whisper with a model by name ("base", "whisper-small") or a directory path."""

    name = "whisper"

    def __init__(
        self,
        model: str,
        models: Path,
        threads: int = 2,
        compute_type: str = "int8",
        beam_size: int = 5,
    ) -> None:
        self.model = model
        self.models = models
        self.threads = threads
        self.compute_type = compute_type
        self.beam_size = beam_size
        self._loaded: Any = None
        self._lock = threading.Lock()  # one decode at a time: two would only share the cores

    def model_path(self) -> Path:
        """The model directory: a path as given, the bundled base, or an installed download."""
        given = Path(self.model).expanduser()
        if any(mark in self.model for mark in ("/", "~", ".")) and given.is_dir():
            return given  # a path; a bare name ("base") is never a folder of the current one
        name = self.model if self.model.startswith("whisper-") else f"whisper-{self.model}"
        if name == "whisper-base":
            return whisper_base(self.models)
        installed = self.models / name
        if (installed / "model.bin").is_file():
            return installed
        raise ModelError(
            f"Das Sprachmodell {name} ist nicht installiert.", f"hausgeist models install {name}"
        )

    def load(self) -> Any:
        """The loaded model (loaded once; a few seconds the first time)."""
        if self._loaded is None:
            from faster_whisper import WhisperModel

            path = self.model_path()
            try:
                self._loaded = WhisperModel(
                    str(path), device="cpu", compute_type=self.compute_type,
                    cpu_threads=self.threads, local_files_only=True,
                )  # fmt: skip
            except (RuntimeError, ValueError, OSError) as err:
                raise ModelError("Das Sprachmodell lässt sich nicht laden.", str(err)) from err
        return self._loaded

    def transcribe(self, audio: Audio, hints: Hints) -> Transcript:
        """German text from 16 kHz mono audio."""
        if audio.rate != RATE:
            raise EngineError("Whisper braucht 16 kHz.", f"got {audio.rate} Hz")
        began = time.perf_counter()
        with self._lock:
            model = self.load()
            try:
                segments, _ = model.transcribe(
                    audio.samples, language="de", task="transcribe", beam_size=self.beam_size,
                    temperature=0.0, without_timestamps=True, condition_on_previous_text=False,
                    initial_prompt=hints.prompt[:_PROMPT_CHARS] or None, vad_filter=False,
                )  # fmt: skip
                found = list(segments)
            except (RuntimeError, ValueError) as err:
                raise EngineError("Die Spracherkennung ist fehlgeschlagen.", str(err)) from err
        text = " ".join(segment.text.strip() for segment in found).strip()
        no_speech = min((segment.no_speech_prob for segment in found), default=1.0)
        return Transcript(text, audio.seconds, time.perf_counter() - began, no_speech)
