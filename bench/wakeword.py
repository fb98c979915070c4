"""Device-side figures: wake-word cost per 80 ms of audio, and encoding a reply as Ogg/Opus.

Run: .venv/bin/python bench/wakeword.py [--seconds 60]
The wake word runs openWakeWord's published models (hey_jarvis and alexa, from the
openwakeword 0.4.0 wheel installed with the dev extras) on one onnxruntime thread over a
stream of espeak-ng German commands and silence, fed in 80 ms frames as a microphone would.
Opus: espeak-ng replies, WAV to Ogg/Opus at 32 kbit/s with PyAV.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hausgeist.speech.audio import RATE, resample, write_wav
from hausgeist.speech.opus import wav_to_opus
from hausgeist.speech.tts import EspeakTts
from hausgeist.speech.wakeword import CHUNK, OpenWakeWord
from tests.speech.conftest import commands, speak

REPLIES = ["Licht eingeschaltet", "Es ist 14:05 Uhr.", "Der Timer für fünf Minuten läuft.",
           "Ich habe Milch auf die Einkaufsliste gesetzt."]  # fmt: skip


def stream(seconds: float) -> np.ndarray:
    """German commands with a second of silence after each, `seconds` long, as int16."""
    parts, total = [], 0
    texts = [str(c["text"]) for c in commands()]
    while total < seconds * RATE:
        spoken = resample(speak(texts[len(parts) % len(texts)], 150), RATE).samples
        part = np.concatenate([spoken, np.zeros(RATE, dtype=np.float32)])
        parts.append(part)
        total += len(part)
    return (np.concatenate(parts)[: int(seconds * RATE)] * 32767).astype(np.int16)


def wake_word(seconds: float) -> None:
    spec = importlib.util.find_spec("openwakeword")
    if spec is None or not spec.submodule_search_locations:
        print("wake word: skipped, openwakeword 0.4.0 (dev extras) is not installed")
        return
    models = Path(spec.submodule_search_locations[0]) / "resources" / "models"
    started = time.perf_counter()
    detector = OpenWakeWord.load([models / "hey_jarvis_v0.1.onnx", models / "alexa_v0.1.onnx"])
    loaded = time.perf_counter() - started
    audio = stream(seconds)
    steps = []
    detections = 0
    for start in range(0, len(audio) - CHUNK + 1, CHUNK):
        began = time.perf_counter()
        detections += len(detector.feed(audio[start : start + CHUNK]))
        steps.append(time.perf_counter() - began)
    per_chunk = statistics.median(steps) * 1000
    print(f"wake word: 2 models, {len(steps)} chunks of 80 ms ({seconds:.0f} s of German commands)")
    print(f"  load {loaded * 1000:.0f} ms; per chunk median {per_chunk:.2f} ms, "
          f"p99 {np.percentile(steps, 99) * 1000:.2f} ms; real-time factor "
          f"{sum(steps) / (len(steps) * CHUNK / RATE):.4f}; false wakes {detections}")  # fmt: skip


def opus() -> None:
    tts = EspeakTts()
    for text in REPLIES:
        wav = write_wav(tts.synthesize(text))
        times = []
        for _ in range(5):
            began = time.perf_counter()
            encoded = wav_to_opus(wav)
            times.append(time.perf_counter() - began)
        seconds = (len(wav) - 44) / 2 / 22_050
        median = statistics.median(times) * 1000
        print(f"opus: {text!r} {seconds:.2f} s: WAV {len(wav) / 1024:.0f} KiB -> Opus "
              f"{len(encoded) / 1024:.1f} KiB, encode median {median:.1f} ms")  # fmt: skip


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/wakeword.py --seconds {args.seconds:.0f}")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    wake_word(args.seconds)
    opus()


if __name__ == "__main__":
    main()
