"""Speech-to-text with faster-whisper (CTranslate2), int8 on the CPU by default.

A command (at most 30 s) is encoded once, over its own frames rather than a whole 30 s
window; beam search writes what was heard, and the same encoder output then scores other
sentences the household may have said (`Transcript.score`): whisper's own probability of
each sentence's words given the audio, so choosing a command of the home asks the
recogniser, not only the spelling, which sentence was said.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from hausgeist.speech.audio import RATE, Audio
from hausgeist.speech.errors import EngineError, ModelError
from hausgeist.speech.models import whisper_base
from hausgeist.speech.stt import Hints, Transcript

# whisper reads at most 223 prompt tokens, the last ones of a longer prompt; this only
# bounds the text that is tokenized.
_PROMPT_CHARS = 2_000
_WINDOW = 3_000  # mel frames whisper encodes at once (30 s)
# A command is encoded over its own frames padded to 10 s, not to a whole 30 s window:
# CTranslate2 takes shorter input (since 3.19), and the 30 s window was most of a turn's time
# (encoder 1.0 s for 3000 frames, 0.13 s for 1000, 0.035 s for 300 on the 2-core machine at
# load 2.7). Chosen on the development set (bench/speech.py --set dev, 97 recordings):
# 30 s understood 57, the command's frames alone 63 (WER as heard 46 %), padded to 5 s 62
# (44 %), padded to 10 s 62 (40 %, as with 30 s: 39 %). whisper fed less than 30 s may not
# find the end and say the command again: so a command may take this many tokens per
# second of audio (and a few more), and a repeated sentence is kept once (`once`).
_MIN_FRAMES = 1_000
_TOKENS_PER_SECOND, _EXTRA_TOKENS = 12, 16
_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_NOT_WORD = re.compile(r"[^\w ]+")
_REPEAT_SIMILARITY = 85.0  # 0-100: a later sentence this like the first is said again
# Encoder positions (20 ms each) after the audio's end that scoring still reads: the decoder
# attends to the speech, so cutting the silent rest of the window makes scoring cheaper.
_SCORE_TAIL = 50
# Readings the beam search returns: the best is the transcript, the others are alternatives
# whose nearest commands are scored too (rescore.py). As many as the beam holds, so they
# cost nothing more to find.
_HYPOTHESES = 5


def once(text: str) -> str:
    """`text` without the repeats of its first sentence: whisper fed only the command's
    frames may not find the end and say it again, word for word or nearly ("Stell einen
    Timer auf 15 Minuten. Still einen Timer auf 15 Minuten. Stell"), while a command is one
    sentence. A later sentence is a repeat when it spells nearly like the first one's start."""
    first, *rest = _SENTENCES.split(text)
    head = _NOT_WORD.sub("", first.casefold()).strip()
    repeats = [_NOT_WORD.sub("", part.casefold()).strip() for part in rest]
    if head and rest and all(_repeats(head, part) for part in repeats):
        return first
    return text


def _repeats(head: str, part: str) -> bool:
    return bool(part) and fuzz.ratio(part, head[: len(part)]) >= _REPEAT_SIMILARITY


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
        self._capitals: dict[str, str] = {}  # a lower-case word and how whisper writes it

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
        """German text from 16 kHz mono audio; a command also gets a scorer of sentences."""
        if audio.rate != RATE:
            raise EngineError("Whisper braucht 16 kHz.", f"got {audio.rate} Hz")
        began = time.perf_counter()
        prompt = hints.prompt[:_PROMPT_CHARS] or None
        with self._lock:
            model = self.load()
            try:
                if audio.seconds > _WINDOW // 100:
                    return self._long(model, audio, prompt, began)
                texts, no_speech, score = self._command(model, audio, prompt)
            except (RuntimeError, ValueError) as err:
                raise EngineError("Die Spracherkennung ist fehlgeschlagen.", str(err)) from err
        text, *others = texts
        alternatives = tuple(t for t in dict.fromkeys(others) if t and t != text)
        took = time.perf_counter() - began
        return Transcript(text, audio.seconds, took, no_speech, score, alternatives)

    def _command(
        self, model: Any, audio: Audio, prompt: str | None
    ) -> tuple[list[str], float, Callable[[Sequence[str]], list[float]]]:
        """Beam search over one window (its readings, best first), and a scorer reading the
        same encoder output."""
        from faster_whisper.tokenizer import Tokenizer  # type: ignore[import-untyped]

        tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="de")
        features = model.feature_extractor(audio.samples)
        frames = min(features.shape[-1], _WINDOW)
        width = min(_WINDOW, max(frames, _MIN_FRAMES))
        features = np.pad(features[:, :frames], ((0, 0), (0, width - frames)))
        encoded = model.encode(features)
        previous = tokenizer.encode(" " + prompt.strip()) if prompt else []
        start = model.get_prompt(tokenizer, previous, without_timestamps=True)
        longest = len(start) + int(_TOKENS_PER_SECOND * audio.seconds) + _EXTRA_TOKENS
        result = model.model.generate(
            encoded, [start], beam_size=self.beam_size,
            num_hypotheses=min(_HYPOTHESES, self.beam_size),
            max_length=min(model.max_length, longest),
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=[-1],
        )[0]  # fmt: skip
        texts = [once(tokenizer.decode(ids).strip()) for ids in result.sequences_ids]
        heard = np.asarray(encoded)[:, : min(frames // 2 + _SCORE_TAIL, width // 2)]

        def score(sentences: Sequence[str]) -> list[float]:
            return self._score(model, tokenizer, heard, sentences)

        return texts, float(result.no_speech_prob), score

    def _score(
        self, model: Any, tokenizer: Any, heard: np.ndarray, sentences: Sequence[str]
    ) -> list[float]:
        """Mean log-probability per token of each sentence given the audio."""
        import ctranslate2  # type: ignore[import-untyped]

        tokens = [tokenizer.encode(" " + self._written(tokenizer, s)) for s in sentences]
        if not tokens:
            return []
        batch = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(np.repeat(heard, len(tokens), axis=0))
        )
        start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        with self._lock:
            found = model.model.align(batch, start, tokens, heard.shape[1] * 2)
        return [float(np.mean(np.log(np.maximum(r.text_token_probs, 1e-12)))) for r in found]

    def _written(self, tokenizer: Any, sentence: str) -> str:
        """`sentence` with each lower-case word capitalized where whisper's vocabulary
        knows it so (fewer tokens: " Wetter" is one, " wetter" two): whisper writes German
        nouns with capitals, and a noun written small would score as a misspelling."""
        body = sentence.rstrip(".?!")
        words = body.split()
        for index, word in enumerate(words[1:], 1):
            if word.isalpha() and word.islower():
                if word not in self._capitals:
                    title = word[:1].upper() + word[1:]
                    shorter = len(tokenizer.encode(" " + title)) < len(tokenizer.encode(" " + word))
                    self._capitals[word] = title if shorter else word
                words[index] = self._capitals[word]
        return " ".join(words) + sentence[len(body) :]

    def _long(self, model: Any, audio: Audio, prompt: str | None, began: float) -> Transcript:
        """Over 30 s: faster-whisper's own windowing, no scorer (no command is that long)."""
        segments, _ = model.transcribe(
            audio.samples, language="de", task="transcribe", beam_size=self.beam_size,
            temperature=0.0, without_timestamps=True, condition_on_previous_text=False,
            initial_prompt=prompt, vad_filter=False,
        )  # fmt: skip
        found = list(segments)
        text = " ".join(segment.text.strip() for segment in found).strip()
        no_speech = min((segment.no_speech_prob for segment in found), default=1.0)
        return Transcript(text, audio.seconds, time.perf_counter() - began, no_speech)
