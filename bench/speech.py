"""Speech figures on generated German commands: real-time factor, latency, WER, intent accuracy.

Run: .venv/bin/python bench/speech.py [--set test|dev] [--variants VOICE:WPM:PITCH:SNR,...]
     [--per-command] [--oracle]
`--set test` (the default): every command of tests/speech/commands.yaml in each variant:
voice : speed in words per minute : pitch : signal-to-noise in dB or "none". The voice is
espeak-ng's ("de", "de+f2"), one of mbrola's German voices ("mb-de6"), or "mbrola" for the
seven mbrola voices in turn, one per command ("mbrola+2" starts two voices later); a variant
of three fields is espeak-ng's "de". The default variants are test_listen.py's: espeak-ng's
formant voice clean and noisy, and the mbrola voices at two speeds and pitches clean and once
noisy. Figures are printed per variant, then over the espeak-ng and over the mbrola variants.
`--set dev`: the development set (tests/speech/development.py: calibration.yaml and
development.yaml, each command twice with seeded voices, speeds, pitches and noise), on
which the speech stage's settings are chosen; the test commands never are.
whisper-base (int8, 2 threads) transcribes. "End of speech to first reply byte" is the time
from having the whole recording to the first byte of the rendered reply WAV: VAD, STT,
rescoring the home's commands, the turn and TTS. WER compares the words understood (after
choosing a command) and, "as heard", whisper's free transcript with what was said.
`--oracle` also counts what the turn would understand if the sentence said were among the
candidates whisper scores (written as whisper writes it): the most that finding better
candidates could give with whisper's scores and rescore.py's rules as they are.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hausgeist.app import build_assistant
from hausgeist.dialog.assistant import Assistant
from hausgeist.server.registry import Registry
from hausgeist.speech.audio import Audio
from hausgeist.speech.pipeline import Heard, SpeechStage
from hausgeist.speech.rescore import decide, meaning_of
from hausgeist.speech.sentences import number_words
from tests.speech.conftest import commands, speak, voice_of, with_noise
from tests.speech.development import development
from tests.speech.variants import ESPEAK_VARIANTS, MBROLA_VARIANTS, Variant

Said = tuple[str, str | None, Audio, str]  # text, expected intent, recording, voice


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


@dataclass
class Tally:
    """Figures over a set of recordings."""

    rtf: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    raw_errors: int = 0
    words: int = 0
    right: int = 0
    wrong_acts: int = 0
    count: int = 0
    voices: dict[str, list[int]] = field(default_factory=dict)  # voice: [right, count]
    oracle: list[int] | None = None  # [right, another intent] with the said sentence offered

    def add(self, other: Tally) -> None:
        """Count `other`'s recordings in too."""
        self.rtf += other.rtf
        self.latency += other.latency
        for step, took in other.stages.items():
            self.stages.setdefault(step, []).extend(took)
        self.errors += other.errors
        self.raw_errors += other.raw_errors
        self.words += other.words
        self.right += other.right
        self.wrong_acts += other.wrong_acts
        self.count += other.count
        if other.oracle is not None:
            mine = self.oracle = self.oracle or [0, 0]
            mine[0] += other.oracle[0]
            mine[1] += other.oracle[1]
        for voice, (right, count) in other.voices.items():
            mine = self.voices.setdefault(voice, [0, 0])
            mine[0] += right
            mine[1] += count

    def show(self, name: str) -> None:
        """Print the figures."""
        n = self.count
        print(f"{name}: {n} commands")
        print(f"  STT real-time factor: median {statistics.median(self.rtf):.2f}, "
              f"max {max(self.rtf):.2f}")  # fmt: skip
        print(f"  end of speech to reply audio: median {statistics.median(self.latency):.2f} s, "
              f"p95 {_p95(self.latency):.2f} s")  # fmt: skip
        steps = ", ".join(f"{step} {statistics.median(took):.3f} s"
                          for step, took in self.stages.items())  # fmt: skip
        print(f"  of which (median): {steps}")
        print(f"  WER: {self.raw_errors / self.words:.1%} as heard, "
              f"{self.errors / self.words:.1%} as understood")  # fmt: skip
        nothing = n - self.right - self.wrong_acts
        print(f"  intent accuracy: {self.right / n:.1%} ({self.right}/{n}); another intent than "
              f"said: {self.wrong_acts}, nothing understood: {nothing}")  # fmt: skip
        if self.oracle is not None:
            print(f"  with the sentence said among the candidates: {self.oracle[0]}/{n} right, "
                  f"another intent than said: {self.oracle[1]}")  # fmt: skip
        if len(self.voices) > 1:
            each = ", ".join(f"{voice} {right}/{count}"
                             for voice, (right, count) in sorted(self.voices.items()))  # fmt: skip
            print(f"  right per voice: {each}")


def measure(stage: SpeechStage, assistant: Assistant, said: list[Said],
            per_command: bool, oracle: bool = False) -> Tally:  # fmt: skip
    """Run every recording through a whole spoken turn and count the figures."""
    tally = Tally(oracle=[0, 0] if oracle else None)
    for text, intent, audio, voice in said:
        began = time.perf_counter()
        listened = stage.listen(audio, assistant)
        tally.latency.append(time.perf_counter() - began)
        heard = listened.heard
        for step, took in heard.timings.items():
            tally.stages.setdefault(step, []).append(took)
        rest = tally.latency[-1] - sum(heard.timings.values())
        tally.stages.setdefault("turn and reply audio", []).append(rest)
        if heard.stt is not None:
            tally.rtf.append(heard.stt.real_time_factor)
        wrong, count = word_errors(text, heard.transcript)
        tally.errors += wrong
        tally.raw_errors += word_errors(text, heard.heard)[0]
        tally.words += count
        got = assistant.understanding.parse(heard.transcript).intent if heard.speech else None
        tally.right += got == intent
        tally.wrong_acts += got is not None and got != intent
        tally.count += 1
        offered = None
        if tally.oracle is not None:
            offered = _with_said(stage, assistant, heard, text)
            tally.oracle[0] += offered == intent
            tally.oracle[1] += offered is not None and offered != intent
        mine = tally.voices.setdefault(voice, [0, 0])
        mine[0] += got == intent
        mine[1] += 1
        if per_command:
            mark = "ok " if got == intent else "ERR"
            ratio = tally.rtf[-1] if tally.rtf else 0.0
            took = tally.latency[-1]
            print(f"  {mark} {text!r} ({voice}): heard {heard.heard!r} -> {heard.transcript!r} "
                  f"({got}); {took:.2f} s, RTF {ratio:.2f}, WER {wrong}/{count}"
                  + (f"; said offered: {offered}" if tally.oracle is not None else ""))  # fmt: skip
    return tally


def _with_said(stage: SpeechStage, assistant: Assistant, heard: Heard, text: str) -> str | None:
    """The intent understood had `text`, the sentence said, been among the candidates."""
    stt = heard.stt
    if stt is None or stt.score is None or not stt.text:
        return None  # nothing heard: no candidates either
    proposal = stage.proposal(assistant, stt)
    end = "?" if stt.text.rstrip().endswith("?") else "."
    said = text.strip().rstrip(".?!") + end  # written with its capitals already
    sentences = (*proposal.sentences, said)
    meanings = (*proposal.meanings, meaning_of(assistant.understanding.parse(said)))
    offered = replace(proposal, sentences=sentences, meanings=meanings)
    choice = decide(offered, stt.score(sentences))
    return assistant.understanding.parse(choice.text).intent if choice.text else None


def spoken(variant: Variant) -> list[Said]:
    """Every test command said in `variant`."""
    said = []
    for index, command in enumerate(commands()):
        voice = voice_of(variant.voice, index)
        audio = speak(str(command["text"]), variant.speed, variant.pitch, voice)
        if variant.snr is not None:
            audio = with_noise(audio, variant.snr)
        said.append((str(command["text"]), command["intent"], audio, voice))
    return said


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("test", "dev"), default="test")
    default = ",".join(v.name for v in (*ESPEAK_VARIANTS, *MBROLA_VARIANTS))
    parser.add_argument("--variants", default=default)
    parser.add_argument("--per-command", action="store_true")
    parser.add_argument("--oracle", action="store_true")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp())
    os.environ["HAUSGEIST_DATA"] = str(data)
    assistant = build_assistant(Registry(data).default_household().directory)
    stage = SpeechStage.default(data)
    stage.hear(speak("Hallo"), assistant)  # load the model outside the figures
    if args.set == "dev":
        said = []
        for one in development():
            audio = speak(one.text, one.speed, one.pitch, one.voice)
            if one.snr is not None:
                audio = with_noise(audio, one.snr)
            said.append((one.text, one.intent, audio, one.voice))
        name = "development set (voices, speeds, pitches, noise vary)"
        measure(stage, assistant, said, args.per_command, args.oracle).show(name)
    else:
        espeak, mbrola = Tally(), Tally()
        for variant in map(Variant.parse, args.variants.split(",")):
            if args.per_command:
                print(f"variant {variant.name}:")
            tally = measure(stage, assistant, spoken(variant), args.per_command, args.oracle)
            tally.show(f"variant {variant.name} (voice:speed:pitch:snr)")
            (mbrola if variant.mbrola else espeak).add(tally)
        for name, tally in (("espeak-ng's voices", espeak), ("mbrola's voices", mbrola)):
            if tally.count:
                tally.show(f"over all variants with {name}")
    print(
        f"command: {' '.join([Path(sys.executable).name, *sys.argv])}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC"
    )


if __name__ == "__main__":
    main()
