"""The speech subcommands of `hausgeist`: `listen FILE.wav` and `models`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hausgeist.speech.audio import RATE, Audio, read_wav, resample
from hausgeist.speech.errors import SpeechError
from hausgeist.speech.models import CATALOG, install, installed, models_dir, progress_bar
from hausgeist.speech.wakeword import Detection, NotWoken, WakeWordError


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add `listen` and `models` to the subcommands; returns those taking --household."""
    listen = commands.add_parser("listen", help="one turn from a WAV recording")
    listen.add_argument("file", type=Path, help="a WAV file (any rate and channel count)")
    listen.add_argument("--json", action="store_true",
                        help="print the turn as JSON (ask --json plus transcript)")  # fmt: skip
    listen.add_argument("--out", type=Path,
                        help="write the spoken reply to this file: WAV, or Ogg/Opus for "
                        ".opus and .ogg")  # fmt: skip
    listen.add_argument("--wake-word", type=Path, action="append",
                        help="openWakeWord models (a folder, or wake-word .onnx files beside "
                        "melspectrogram.onnx and embedding_model.onnx): the turn is what "
                        "follows the wake word in the recording")  # fmt: skip
    listen.add_argument("--wake-threshold", type=float, default=0.5,
                        help="wake-word score (0-1) that counts as heard")  # fmt: skip
    listen.add_argument("--conversation", help="continue a dialog")
    listen.add_argument("--model", default="base",
                        help="a speech-to-text model name (base, small) or directory")  # fmt: skip
    listen.add_argument("--lang", default="de", choices=["de"])
    listen.set_defaults(run=_listen)

    models = commands.add_parser("models", help="speech models: list, install NAME")
    models.add_argument("action", choices=["list", "install"])
    models.add_argument("name", nargs="?", help=f"one of {', '.join(CATALOG)}")
    models.set_defaults(run=_models)
    return [listen]


def _listen(args: argparse.Namespace) -> int:
    # Imported here: loading the engines' libraries takes a moment every other command skips.
    from hausgeist.app import build_assistant
    from hausgeist.cli import _household_dir
    from hausgeist.home.config import data_dir
    from hausgeist.speech.pipeline import SpeechStage

    try:
        wav = args.file.read_bytes()
    except OSError as err:
        return _fail(args, "bad_audio", "Die Datei lässt sich nicht lesen.", str(err))
    household = _household_dir(args.household)
    assistant = build_assistant(household, lang=args.lang, cache_dir=data_dir() / "cache")
    try:
        heard, woke = _after_wake_word(wav, args) if args.wake_word else (wav, None)
        stage = SpeechStage.default(data_dir(), args.model)
        listened = stage.listen(
            heard, assistant, args.conversation, speak=args.out is not None, household=household
        )
        if args.out is not None and listened.reply_wav is not None:
            args.out.write_bytes(_reply_file(listened.reply_wav, args.out))
    except SpeechError as err:
        return _fail(args, err.code, err.message, err.detail)
    if args.json:
        extra = {} if woke is None else {"wake_word": _detection_json(woke)}
        print(json.dumps({**listened.to_json(), **extra}, ensure_ascii=False))
    else:
        if woke is not None:
            print(f"Aktivierungswort: {woke.name} ({woke.score:.2f}) bei {woke.seconds:.2f} s")
        print(f"Gehört: {listened.heard.transcript or '–'}")
        print(f"Absicht: {listened.result.intent or '–'}")
        print(listened.result.reply)
    return 0


def _after_wake_word(wav: bytes, args: argparse.Namespace) -> tuple[Audio, Detection]:
    """What follows the wake word in the recording, and the detection."""
    from hausgeist.satellite.wake import WakeLoop, first_turn
    from hausgeist.speech.vad import SileroVad
    from hausgeist.speech.wakeword import OpenWakeWord, WakeConfig

    if not 0.0 < args.wake_threshold < 1.0:
        raise WakeWordError("Die Schwelle liegt zwischen 0 und 1.", str(args.wake_threshold))
    detector = OpenWakeWord.load(args.wake_word, WakeConfig(threshold=args.wake_threshold))
    found = first_turn(WakeLoop(SileroVad(), detector), resample(read_wav(wav), RATE))
    if found is None:
        raise NotWoken(
            "Das Aktivierungswort kam in der Aufnahme nicht vor.", ", ".join(detector.names)
        )
    detection, audio = found
    return audio, detection


def _detection_json(detection: Detection) -> dict[str, Any]:
    return {"name": detection.name, "score": round(detection.score, 3),
            "seconds": detection.seconds}  # fmt: skip


def _reply_file(wav: bytes, path: Path) -> bytes:
    """The reply as the file's suffix asks: Ogg/Opus for .opus and .ogg, else WAV."""
    if path.suffix.lower() not in (".opus", ".ogg"):
        return wav
    from hausgeist.speech.opus import wav_to_opus

    return wav_to_opus(wav)


def _fail(args: argparse.Namespace, code: str, message: str, detail: str | None) -> int:
    if args.json:
        print(json.dumps({"error": {"code": code, "message": message, "detail": detail}},
                         ensure_ascii=False))  # fmt: skip
    print(f"hausgeist: {message}" + (f" ({detail})" if detail else ""), file=sys.stderr)
    return 1


def _models(args: argparse.Namespace) -> int:
    from hausgeist.home.config import data_dir

    models = models_dir(data_dir())
    if args.action == "list":
        present = set(installed(models))
        for name, spec in CATALOG.items():
            mark = "installiert" if name in present else "-"
            print(f"{name}\t{spec.kind}\t{spec.license}\t{mark}")
        return 0
    if not args.name:
        print("hausgeist: models install NAME", file=sys.stderr)
        return 2
    try:
        path = install(args.name, models, progress_bar)
    except SpeechError as err:
        print(f"hausgeist: {err.message}" + (f" ({err.detail})" if err.detail else ""),
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"{args.name} installiert in {path}")
    return 0
