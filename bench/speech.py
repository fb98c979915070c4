"""Speech figures on the generated command set: real-time factor, latency, WER, intent accuracy.

Run: .venv/bin/python bench/speech.py [--variants 140:50:none,170:70:20]
espeak-ng speaks every command of tests/speech/commands.yaml; whisper-base (int8, 2 threads)
transcribes. "End of speech to first reply byte" is the time from having the whole recording
to the first byte of the rendered reply WAV: VAD, STT, snapping, the turn and TTS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hausgeist.app import build_assistant
from hausgeist.server.registry import Registry
from hausgeist.speech.pipeline import SpeechStage
from tests.speech.conftest import commands, speak, with_noise


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word-level edit distance and reference length (case and punctuation ignored)."""
    ref = "".join(c if c.isalnum() else " " for c in reference.casefold()).split()
    hyp = "".join(c if c.isalnum() else " " for c in hypothesis.casefold()).split()
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (word != heard))
    return row[-1], len(ref)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default="140:50:none,170:70:20")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp())
    os.environ["HAUSGEIST_DATA"] = str(data)
    assistant = build_assistant(Registry(data).default_household().directory)
    stage = SpeechStage.default(data)
    stage.hear(speak("Hallo"), assistant)  # load the model outside the figures
    for variant in args.variants.split(","):
        speed, pitch, snr = variant.split(":")
        rtf, latency, errors, words, right, raw_errors = [], [], 0, 0, 0, 0
        for command in commands():
            audio = speak(str(command["text"]), int(speed), int(pitch))
            if snr != "none":
                audio = with_noise(audio, float(snr))
            began = time.perf_counter()
            listened = stage.listen(audio, assistant)
            latency.append(time.perf_counter() - began)
            heard = listened.heard
            if heard.stt is not None:
                rtf.append(heard.stt.real_time_factor)
            wrong, count = word_errors(str(command["text"]), heard.transcript)
            errors, words = errors + wrong, words + count
            raw_errors += word_errors(str(command["text"]), heard.heard)[0]
            right += assistant.understanding.parse(heard.transcript).intent == command["intent"]
        n = len(commands())
        print(f"variant speed={speed} pitch={pitch} snr={snr}: {n} commands")
        print(f"  STT real-time factor: median {statistics.median(rtf):.2f}, max {max(rtf):.2f}")
        print(f"  end of speech to reply audio: median {statistics.median(latency):.2f} s, "
              f"p90 {sorted(latency)[int(0.9 * n)]:.2f} s")  # fmt: skip
        print(f"  WER: {raw_errors / words:.1%} as heard, {errors / words:.1%} after snapping")
        print(f"  intent accuracy: {right / n:.1%} ({right}/{n})")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")


if __name__ == "__main__":
    main()
