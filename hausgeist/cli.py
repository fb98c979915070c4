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

from hausgeist import __version__
from hausgeist.app import build_assistant
from hausgeist.home.config import data_dir, load_home
from hausgeist.home.snapshot import SnapshotError
from hausgeist.language.lines import MAX_CHARS, LineParser
from hausgeist.language.parse import Understanding
from hausgeist.skills.orders import InvalidVoiceCode, OrderSkill
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
    return parser


def _understanding(lang: str) -> Understanding:
    return Understanding.load(load_home(), lang=lang, cache_dir=data_dir() / "cache")


def _parse(args: argparse.Namespace) -> int:
    lines = LineParser(_understanding(args.lang))
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
    assistant = build_assistant(data_dir(), lang=args.lang)
    result = assistant.ask(args.text[:MAX_CHARS], conversation_id=args.conversation)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result.reply)
    return 0


def _voice_code(args: argparse.Namespace) -> int:
    orders = OrderSkill(Store(data_dir() / "hausgeist.db"), datetime.now)
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


if __name__ == "__main__":
    sys.exit(main())
