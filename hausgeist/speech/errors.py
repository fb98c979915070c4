"""Errors of the speech stage: one class per failure kind, a stable `code`, a German message.

SpeechError
├── BadAudio          code "bad_audio": not a WAV file, a corrupt header, no samples
│   └── AudioTooLong  code "audio_too_long": more than the limit of seconds
├── ModelError        code "model_unavailable": a model is missing or not installed
│   └── ModelCorrupt  code "model_corrupt": a file's size or sha256 is not the official one
└── EngineError       code "speech_engine_failed": an engine failed on valid input
"""

from __future__ import annotations


class SpeechError(Exception):
    """A failure of the speech stage; `message` is German and fit for the household."""

    code = "speech_failed"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message if detail is None else f"{message} ({detail})")
        self.message = message
        self.detail = detail


class BadAudio(SpeechError):
    """The audio cannot be read: not WAV, a broken header, no samples."""

    code = "bad_audio"


class AudioTooLong(BadAudio):
    """The audio is longer than one command may be."""

    code = "audio_too_long"


class ModelError(SpeechError):
    """A model is not installed or cannot be loaded."""

    code = "model_unavailable"


class ModelCorrupt(ModelError):
    """A model file differs from the official one."""

    code = "model_corrupt"


class EngineError(SpeechError):
    """An engine failed on input it should have handled."""

    code = "speech_engine_failed"
