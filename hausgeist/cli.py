"""The `hausgeist` command: thin wrappers that parse arguments and print results."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from hausgeist import __version__
from hausgeist.app import build_assistant
from hausgeist.home.config import data_dir, load_home
from hausgeist.home.snapshot import SnapshotError
from hausgeist.language.lines import MAX_CHARS, LineParser
from hausgeist.language.parse import PACKAGED, Understanding
from hausgeist.satellite.cli import add_command as add_satellite_command
from hausgeist.server.registry import Registry, RegistryError
from hausgeist.server.serve import serve
from hausgeist.server.state import Settings
from hausgeist.skills.orders import InvalidVoiceCode, OrderSkill
from hausgeist.speech.cli import add_commands as add_speech_commands
from hausgeist.store.sqlite import Store, StoreError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hausgeist` command."""
    parser = _arguments()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except RegistryError as err:
        print(f"hausgeist: {err}", file=sys.stderr)
        return 1
    except (SnapshotError, StoreError) as err:
        print(f"hausgeist: Die Hausbeschreibung ist fehlerhaft / the home file is invalid: {err}",
              file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:
        return 130


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hausgeist", description="German-first voice assistant")
    parser.add_argument("--version", action="version", version=f"hausgeist {__version__}")
    commands = parser.add_subparsers(dest="command")

    parse = commands.add_parser("parse", help="understand sentences from stdin, one per line")
    parse.add_argument("--lang", default="de", choices=["de"])
    parse.add_argument(
        "--stats", action="store_true", help="print lines per second to stderr at the end"
    )
    parse.set_defaults(run=_parse)

    ask = commands.add_parser("ask", help="one turn against the configured home")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true", help="print intent, slots and reply as JSON")
    ask.add_argument("--conversation", help="continue a dialog")
    ask.add_argument("--lang", default="de", choices=["de"])
    ask.set_defaults(run=_ask)

    code = commands.add_parser("voice-code", help="set or clear the voice code for orders")
    code.add_argument("action", choices=["set", "clear"])
    code.add_argument("code", nargs="?", help="four digits (with 'set')")
    code.set_defaults(run=_voice_code)

    serve = commands.add_parser("serve", help="the service: web UI, HTTP and WebSocket API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (localhost)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--log-level", default="info",
                       choices=["debug", "info", "warning", "error"])  # fmt: skip
    serve.add_argument(
        "--device-rate",
        type=float,
        default=20.0,
        help="requests per second each device may make (burst: twice that)",
    )
    serve.add_argument("--body-timeout", type=float, default=10.0,
                       help="seconds a client may take to send a request body")  # fmt: skip
    serve.add_argument(
        "--admission",
        choices=["on", "off"],
        default="on",
        help="adaptive concurrency limit and load shedding (off: to compare)",
    )
    serve.add_argument(
        "--max-concurrency",
        type=int,
        default=64,
        help="ceiling of the adaptive limit on turns in flight",
    )
    serve.add_argument(
        "--queue-size",
        type=int,
        default=32,
        help="turns that may wait for a slot before the excess is shed",
    )
    serve.add_argument(
        "--warm-speech",
        choices=["on", "off"],
        default="on",
        help="load the recogniser and build every household's spoken-command index at "
        "start-up, in the background, so that no first spoken turn waits for them",
    )
    serve.set_defaults(run=_serve)

    households = commands.add_parser("households", help="households this data directory serves")
    households.add_argument("action", choices=["add", "list"])
    households.add_argument("name", nargs="?")
    households.set_defaults(run=_households)

    devices = commands.add_parser("devices", help="register a device; prints its token")
    devices.add_argument("action", choices=["add"])
    devices.add_argument("name")
    devices.add_argument("--household", help="the household it speaks for")
    devices.add_argument("--area", help="the room it stands in (for 'hier')")
    devices.add_argument("--operator", action="store_true",
                         help="an operator token (no household) instead")  # fmt: skip
    devices.set_defaults(run=_devices)

    speech = add_speech_commands(commands)
    add_satellite_command(commands)
    train = commands.add_parser("train", help="train the understanding fallback model")
    train.add_argument(
        "--data",
        type=Path,
        default=Path("..") / "shared" / "data" / "massive-de",
        help="folder with MASSIVE de train.jsonl (its dev and test are not read)",
    )
    train.add_argument("--out", type=Path, default=None, help="where to write the model files")
    train.set_defaults(run=_train)

    for command in (parse, ask, code, *speech):
        command.add_argument("--household", help="which household (default: the first)")
    return parser


def _household_dir(name: str | None) -> Path:
    registry = Registry(data_dir())
    household = registry.household(name) if name else registry.default_household()
    return household.directory


def _understanding(lang: str, household: str | None) -> Understanding:
    return Understanding.load(
        load_home(_household_dir(household)),
        lang=lang,
        cache_dir=data_dir() / "cache",
        fallback=PACKAGED,
    )


def _parse(args: argparse.Namespace) -> int:
    lines = LineParser(_understanding(args.lang, args.household))
    out = sys.stdout
    count, began = 0, 0.0
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for batch in read_batches(sys.stdin.buffer.fileno()):
        began = began or time.perf_counter()
        out.write("".join([encode(lines.parse_line(raw)) + "\n" for raw in batch]))
        # Answer each batch at once: a caller may write one sentence and wait for it.
        out.flush()
        count += len(batch)
    if args.stats and count:
        elapsed = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"parsed {count} lines in {elapsed:.3f} s ({count / elapsed:.0f} lines/s, "
              f"start-up not counted), peak memory {peak_mb:.0f} MB", file=sys.stderr)  # fmt: skip
    return 0


def read_batches(fd: int, size: int = 1 << 16, longest: int = 1 << 20) -> Iterator[list[bytes]]:
    """The complete lines available on a file descriptor, a read at a time.

    A line longer than `longest` bytes is kept only up to that length, so endless input
    without a newline cannot fill the memory.
    """
    pending = b""
    while chunk := os.read(fd, size):
        *complete, rest = (pending + chunk).split(b"\n")
        pending = rest[:longest]
        if complete:
            yield [line[:longest].removesuffix(b"\r") for line in complete]
    if pending:
        yield [pending.removesuffix(b"\r")]


def _ask(args: argparse.Namespace) -> int:
    assistant = build_assistant(
        _household_dir(args.household), lang=args.lang, cache_dir=data_dir() / "cache"
    )
    result = assistant.ask(args.text[:MAX_CHARS], conversation_id=args.conversation)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result.reply)
    return 0


def _train(args: argparse.Namespace) -> int:
    from hausgeist.home.config import DEMO_HOME, read_home_file
    from hausgeist.home.snapshot import HomeSnapshot
    from hausgeist.language.model.fallback import MODEL_DIR
    from hausgeist.language.model.train import train

    source = args.data / "train.jsonl"
    if not source.is_file():
        print(f"hausgeist: no MASSIVE training data at {source}", file=sys.stderr)
        return 2
    home = HomeSnapshot.from_json(read_home_file(DEMO_HOME))
    grammar = Understanding.load(home, cache_dir=data_dir() / "cache")
    began = time.perf_counter()
    report = train(source, args.out or MODEL_DIR, grammar.parse)
    print(f"model written to {report.directory} in {time.perf_counter() - began:.0f} s")
    return 0


def _voice_code(args: argparse.Namespace) -> int:
    orders = OrderSkill(Store(_household_dir(args.household) / "hausgeist.db"), datetime.now)
    if args.action == "clear":
        orders.clear_voice_code()
        print("Sprachcode entfernt: Bestellungen brauchen nur noch ein Ja.")
        return 0
    try:
        orders.set_voice_code(args.code or "")
    except InvalidVoiceCode as err:
        print(f"hausgeist: {err}", file=sys.stderr)
        return 2
    print("Sprachcode gespeichert (nur als Hash): Bestellungen brauchen jetzt Ja und den Code.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = Settings(
        data_dir(),
        device_rate=args.device_rate,
        device_burst=2 * args.device_rate,
        body_timeout=args.body_timeout,
        admission=args.admission == "on",
        max_concurrency=max(1, args.max_concurrency),
        queue_size=max(0, args.queue_size),
        warm_speech=args.warm_speech == "on",
    )
    return serve(settings, args.host, args.port, args.log_level)


def _households(args: argparse.Namespace) -> int:
    registry = Registry(data_dir())
    if args.action == "list":
        for household in registry.households():
            print(f"{household.id}\t{household.name}")
        return 0
    if not args.name:
        print("hausgeist: households add NAME", file=sys.stderr)
        return 2
    household = registry.add_household(args.name)
    print(f"Haushalt {household.name} angelegt (id {household.id}).")
    return 0


def _devices(args: argparse.Namespace) -> int:
    registry = Registry(data_dir())
    if args.operator:
        token = registry.add_device(args.name, None, role="operator")
        print(f"Betreiber-Token für {args.name} (wird nur jetzt angezeigt):")
    else:
        if not args.household:
            print("hausgeist: devices add NAME --household H (or --operator)", file=sys.stderr)
            return 2
        household = registry.household(args.household)
        token = registry.add_device(args.name, household, area=args.area)
        print(f"Gerät {args.name} für {household.name} (Token wird nur jetzt angezeigt):")
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
