"""Text-to-speech: the interface, espeak-ng (the default), Piper, and a cache of replies."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import threading
import wave
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from hausgeist.speech.audio import Audio, read_wav, write_wav
from hausgeist.speech.errors import EngineError, ModelError

MAX_TEXT = 1_000  # characters: longer replies are cut, nobody listens that long
_TIMEOUT = 30.0


class TextToSpeech(Protocol):
    """An engine that speaks German text."""

    name: str

    def synthesize(self, text: str) -> Audio:
        """The spoken text; raises `SpeechError` subclasses on failure."""
        ...


class EspeakTts:
    """espeak-ng, Debian's package, with its German voice."""

    name = "espeak-ng"

    def __init__(self, voice: str = "de", speed: int = 160, pitch: int = 50) -> None:
        self.voice, self.speed, self.pitch = voice, speed, pitch
        self.binary = shutil.which("espeak-ng")

    @property
    def key(self) -> str:
        """What makes two renderings of one text differ."""
        return f"espeak-ng:{self.voice}:{self.speed}:{self.pitch}"

    def synthesize(self, text: str) -> Audio:
        """Run espeak-ng; its WAV comes on stdout."""
        if self.binary is None:
            raise EngineError(
                "Die Sprachausgabe ist nicht installiert.", "apt-get install espeak-ng"
            )
        command = [self.binary, "-v", self.voice, "-s", str(self.speed), "-p", str(self.pitch),
                   "--stdout", "--", text[:MAX_TEXT]]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT, check=True)
        except (subprocess.SubprocessError, OSError) as err:
            raise EngineError("Die Sprachausgabe ist fehlgeschlagen.", str(err)) from err
        return read_wav(done.stdout, max_seconds=600)


class PiperTts:
    """A Piper voice (piper-tts), for households that installed one."""

    name = "piper"

    def __init__(self, model: Path) -> None:
        self.model = model
        self._voice: Any = None
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        """What makes two renderings of one text differ."""
        return f"piper:{self.model.name}"

    def synthesize(self, text: str) -> Audio:
        """Speak with the voice, loaded on first use."""
        with self._lock:
            voice = self._load()
            out = io.BytesIO()
            try:
                with wave.open(out, "wb") as wav:
                    voice.synthesize_wav(text[:MAX_TEXT], wav)
            except (RuntimeError, ValueError, OSError) as err:
                raise EngineError("Die Sprachausgabe ist fehlgeschlagen.", str(err)) from err
        return read_wav(out.getvalue(), max_seconds=600)

    def _load(self) -> Any:
        if self._voice is None:
            try:
                from piper import PiperVoice  # type: ignore[import-not-found, unused-ignore]
            except ImportError as err:
                raise ModelError("Piper ist nicht installiert.", "pip install piper-tts") from err
            self._voice = PiperVoice.load(str(self.model))
        return self._voice


class CachedTts:
    """Keeps the WAV of recent replies: "Licht eingeschaltet" is rendered once."""

    def __init__(self, engine: EspeakTts | PiperTts, capacity: int = 256) -> None:
        self.engine = engine
        self.name = engine.name
        self.capacity = capacity
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def wav(self, text: str) -> bytes:
        """The reply as WAV bytes, from the cache when it was said before."""
        key = hashlib.sha256(f"{self.engine.key}\0{text}".encode()).hexdigest()
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return found
        rendered = write_wav(self.engine.synthesize(text))
        with self._lock:
            self.misses += 1
            self._cache[key] = rendered
            if len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return rendered

    def synthesize(self, text: str) -> Audio:
        """The reply as audio."""
        return read_wav(self.wav(text), max_seconds=600)


def default_tts(models: Path) -> CachedTts:
    """Piper when a German voice is installed and piper-tts is importable, else espeak-ng."""
    for voice in sorted(models.glob("de_DE-*/*.onnx")):
        try:
            import piper  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
        except ImportError:
            break
        return CachedTts(PiperTts(voice))
    return CachedTts(EspeakTts())
