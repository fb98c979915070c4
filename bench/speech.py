"""Speech figures on generated German commands: real-time factor, latency, WER, intent accuracy.

Run: .venv/bin/python bench/speech.py [--set test|dev] [--variants 140:50:none,170:70:20]
     [--per-command]
`--set test` (the default): espeak-ng speaks every command of tests/speech/commands.yaml in
each variant (speed in words per minute : pitch : signal-to-noise in dB or "none").
`--set dev`: the development set (tests/speech/development.py: calibration.yaml and
development.yaml, each with its own seeded voice variant, speed, pitch and noise), on which
the speech stage's settings are chosen; the test commands never are.
whisper-base (int8, 2 threads) transcribes. "End of speech to first reply byte" is the time
from having the whole recording to the first byte of the rendered reply WAV: VAD, STT,
rescoring the home's commands, the turn and TTS. WER compares the words understood (after
choosing a command) and, "as heard", whisper's free transcript with what was said.
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
from hausgeist.dialog.assistant import Assistant
from hausgeist.server.registry import Registry
from hausgeist.speech.audio import Audio
from hausgeist.speech.pipeline import SpeechStage
from hausgeist.speech.sentences import number_words
from tests.speech.conftest import commands, speak, with_noise
from tests.speech.development import development

Said = tuple[str, str | None, Audio]  # text, expected intent, recording


def _words(text: str) -> list[str]:
    """Lower-case words with digits spelled out, so "20 %" and "zwanzig Prozent" compare."""
    text = text.casefold().replace("%", " prozent ")
    out: list[str] = []
    for word in "".join(c if c.isalnum() else " " for c in text).split():
        out.extend(number_words(int(word)).split() if word.isdigit() else [word])
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word-level edit distance and reference length (case, punctuation, digits ignored)."""
    ref, hyp = _words(reference), _words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (word != heard))
    return row[-1], len(ref)


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def measure(stage: SpeechStage, assistant: Assistant, said: list[Said], name: str,
            per_command: bool) -> None:  # fmt: skip
    """Run every recording through a whole spoken turn and print the figures."""
    rtf, latency, errors, raw_errors, words, right, wrong_acts = [], [], 0, 0, 0, 0, 0
    stages: dict[str, list[float]] = {}
    for text, intent, audio in said:
        began = time.perf_counter()
        listened = stage.listen(audio, assistant)
        latency.append(time.perf_counter() - began)
        heard = listened.heard
        for step, took in heard.timings.items():
            stages.setdefault(step, []).append(took)
        rest = latency[-1] - sum(heard.timings.values())
        stages.setdefault("turn and reply audio", []).append(rest)
        if heard.stt is not None:
            rtf.append(heard.stt.real_time_factor)
        wrong, count = word_errors(text, heard.transcript)
        raw = word_errors(text, heard.heard)[0]
        errors, raw_errors, words = errors + wrong, raw_errors + raw, words + count
        got = assistant.understanding.parse(heard.transcript).intent if heard.speech else None
        right += got == intent
        wrong_acts += got is not None and got != intent
        if per_command:
            mark = "ok " if got == intent else "ERR"
            ratio = rtf[-1] if rtf else 0.0
            print(f"  {mark} {text!r}: heard {heard.heard!r} -> {heard.transcript!r} ({got}); "
                  f"{latency[-1]:.2f} s, RTF {ratio:.2f}, WER {wrong}/{count}")  # fmt: skip
    n = len(said)
    print(f"{name}: {n} commands")
    print(f"  STT real-time factor: median {statistics.median(rtf):.2f}, max {max(rtf):.2f}")
    print(f"  end of speech to reply audio: median {statistics.median(latency):.2f} s, "
          f"p95 {_p95(latency):.2f} s")  # fmt: skip
    steps = ", ".join(f"{step} {statistics.median(took):.3f} s" for step, took in stages.items())
    print(f"  of which (median): {steps}")
    print(f"  WER: {raw_errors / words:.1%} as heard, {errors / words:.1%} as understood")
    print(f"  intent accuracy: {right / n:.1%} ({right}/{n}); another intent than said: "
          f"{wrong_acts}, nothing understood: {n - right - wrong_acts}")  # fmt: skip


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("test", "dev"), default="test")
    parser.add_argument("--variants", default="140:50:none,170:70:20")
    parser.add_argument("--per-command", action="store_true")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp())
    os.environ["HAUSGEIST_DATA"] = str(data)
    assistant = build_assistant(Registry(data).default_household().directory)
    stage = SpeechStage.default(data)
    stage.hear(speak("Hallo"), assistant)  # load the model outside the figures
    if args.set == "dev":
        said = []
        for spoken in development():
            audio = speak(spoken.text, spoken.speed, spoken.pitch, spoken.voice)
            if spoken.snr is not None:
                audio = with_noise(audio, spoken.snr)
            said.append((spoken.text, spoken.intent, audio))
        measure(stage, assistant, said, "development set (voices, speeds, pitches, noise vary)",
                args.per_command)  # fmt: skip
    else:
        for variant in args.variants.split(","):
            speed, pitch, snr = variant.split(":")
            said = []
            for command in commands():
                audio = speak(str(command["text"]), int(speed), int(pitch))
                if snr != "none":
                    audio = with_noise(audio, float(snr))
                said.append((str(command["text"]), command["intent"], audio))
            measure(stage, assistant, said, f"variant speed={speed} pitch={pitch} snr={snr}",
                    args.per_command)  # fmt: skip
    print(
        f"command: {' '.join([Path(sys.executable).name, *sys.argv])}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
