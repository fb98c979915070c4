"""`hausgeist satellite`: a device against a running server, from a recording or a PCM stream.

    hausgeist satellite aufnahme.wav --server http://localhost:8080 --token T --wake-word ~/ww/
    arecord -q -f S16_LE -r 16000 -c 1 -t raw | hausgeist satellite - --token T --wake-word ~/ww/

Each command heard (after the wake word, or at once with `--push-to-talk`) is sent as a
spoken turn; the answer is printed (with `--json` one JSON object per turn) and its audio
saved (`--out FOLDER`) or played (`--play "aplay -q"`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from hausgeist.satellite.errors import SatelliteError


def add_command(commands: Any) -> argparse.ArgumentParser:
    """Add `satellite` to the subcommands."""
    satellite: argparse.ArgumentParser = commands.add_parser(
        "satellite", help="a device: wake word or push-to-talk, spoken turns to a server"
    )
    satellite.add_argument("source", help="a WAV file, or - for raw 16 kHz 16-bit mono PCM "
                           "on stdin (arecord -f S16_LE -r 16000 -c 1 -t raw)")  # fmt: skip
    satellite.add_argument("--server", default="http://127.0.0.1:8080",
                           help="the hausgeist server (http://host:port)")  # fmt: skip
    satellite.add_argument("--token", default=os.environ.get("HAUSGEIST_TOKEN"),
                           help="the device's token (default: $HAUSGEIST_TOKEN)")  # fmt: skip
    satellite.add_argument("--wake-word", type=Path, action="append",
                           help="openWakeWord models (a folder, or wake-word .onnx files beside "
                           "melspectrogram.onnx and embedding_model.onnx)")  # fmt: skip
    satellite.add_argument("--wake-threshold", type=float, default=0.5,
                           help="wake-word score (0-1) that counts as heard")  # fmt: skip
    satellite.add_argument("--push-to-talk", action="store_true",
                           help="press the button at the start: the first command needs no "
                           "wake word")  # fmt: skip
    satellite.add_argument("--out", type=Path, help="save each reply as antwort-N.wav here")
    satellite.add_argument("--play", help="play each reply with this command (e.g. 'aplay -q')")
    satellite.add_argument("--deadline", type=float, default=10.0,
                           help="seconds a turn may take, retries included")  # fmt: skip
    satellite.add_argument("--json", action="store_true", help="one JSON object per turn")
    satellite.set_defaults(run=_satellite)
    return satellite


def _satellite(args: argparse.Namespace) -> int:
    if not args.wake_word and not args.push_to_talk:
        print("hausgeist: --wake-word MODELS oder/or --push-to-talk", file=sys.stderr)
        return 2
    if not args.token:
        print("hausgeist: Ohne Token geht es nicht / a device token is needed (--token)",
              file=sys.stderr)  # fmt: skip
        return 2
    if not 0.0 < args.deadline <= 30.0:
        print("hausgeist: --deadline liegt zwischen 0 und 30 s", file=sys.stderr)
        return 2
    from hausgeist.speech.errors import SpeechError

    try:
        return asyncio.run(_run(args))
    except SatelliteError as err:
        print(f"hausgeist: {err.message} ({err})", file=sys.stderr)
    except SpeechError as err:
        print(f"hausgeist: {err.message}" + (f" ({err.detail})" if err.detail else ""),
              file=sys.stderr)  # fmt: skip
    except ValueError as err:
        print(f"hausgeist: Falsche Angabe / invalid option: {err}", file=sys.stderr)
    return 1


async def _run(args: argparse.Namespace) -> int:
    # Imported here: the wake-word and VAD engines load libraries other commands skip.
    from hausgeist.satellite.client import Client
    from hausgeist.satellite.device import PlayCommand, ReplySink, Satellite, SaveReplies, Turn
    from hausgeist.satellite.http import HttpTransport
    from hausgeist.satellite.sources import AudioSource, PcmSource, WavSource
    from hausgeist.satellite.wake import WakeLoop
    from hausgeist.speech.vad import SileroVad
    from hausgeist.speech.wakeword import OpenWakeWord, WakeConfig

    detector = None
    if args.wake_word:
        if not 0.0 < args.wake_threshold < 1.0:
            raise ValueError(f"--wake-threshold {args.wake_threshold} is not between 0 and 1")
        detector = OpenWakeWord.load(args.wake_word, WakeConfig(threshold=args.wake_threshold))
    sinks: list[ReplySink] = []
    if args.out is not None:
        sinks.append(SaveReplies(args.out))
    if args.play:
        sinks.append(PlayCommand(shlex.split(args.play)))
    source: AudioSource = (
        PcmSource(sys.stdin.buffer) if args.source == "-" else WavSource(Path(args.source))
    )
    transport = HttpTransport(args.server)
    device = Satellite(Client(transport, args.token, deadline=args.deadline),
                       WakeLoop(SileroVad(), detector), sinks)  # fmt: skip
    turns = 0
    failed = 0
    try:
        async for outcome in device.run(source, press=args.push_to_talk):
            if isinstance(outcome, Turn):
                turns += 1
                failed += not outcome.ok
            _print(outcome, args.json)
    finally:
        await transport.close()
    if turns == 0 and not args.json:
        print("Kein Befehl gehört / no command heard.", file=sys.stderr)
    return 1 if failed or turns == 0 else 0


def _print(outcome: Any, as_json: bool) -> None:
    from hausgeist.satellite.device import Turn

    trigger = outcome.trigger
    woke = None if trigger is None else {"name": trigger.name, "score": round(trigger.score, 3),
                                         "seconds": round(trigger.seconds, 2)}  # fmt: skip
    if not isinstance(outcome, Turn):
        if as_json:
            print(json.dumps({"wake_word": woke, "heard": None}), flush=True)
        else:
            print("Geweckt, aber nichts gehört.", flush=True)
        return
    if as_json:
        print(json.dumps({**outcome.answer, "status": outcome.status, "wake_word": woke,
                          "attempts": outcome.attempts, "idempotency_key": outcome.key,
                          "reply_file": str(outcome.reply_file) if outcome.reply_file else None},
                         ensure_ascii=False), flush=True)  # fmt: skip
        return
    said = f"Aktivierungswort: {trigger.name} ({trigger.score:.2f})" if trigger else "Taste"
    print(f"[{outcome.number}] {said}, Befehl {outcome.seconds:.1f} s", flush=True)
    if not outcome.ok:
        code = outcome.answer.get("code", "error")
        print(f"Fehler {outcome.status or '-'} ({code}): {outcome.answer.get('message', '')}",
              flush=True)  # fmt: skip
        return
    print(f"Gehört: {outcome.answer.get('transcript') or '–'}")
    print(f"Absicht: {outcome.answer.get('intent') or '–'}")
    print(outcome.answer.get("reply", ""))
    if outcome.reply_file is not None:
        print(f"Antwort: {outcome.reply_file}", flush=True)
