"""A household's first spoken turn, with and without the start-up warm-up of its command index.

Run: .venv/bin/python bench/first_turn.py [--rounds 1] [--models DIR]
For `--warm-speech off` and `on`, a fresh `hausgeist serve` (demo household) gets the same
espeak-ng command as WAV twice: the first spoken turn, then a second one. With `on` the
turns are sent once the warm-up has finished (how long it took is printed too), as a
household would speak a while after its server started. Times are at the client, from
sending the recording to having the answer (transcript, turn and reply audio rendered).
The speech stages' threads run at niceness 10 (hausgeist/server/priority.py): on a machine
busy with other work they get a small share of the cores, so note the load printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server.conftest import RunningServer, start_server, stop_server
from tests.speech.conftest import speak, wav_bytes

COMMAND = "Mach das Licht im Wohnzimmer an"
WAV = {"content-type": "audio/wav", "x-deadline-ms": "30000"}


def spoken_turn(server: RunningServer, wav: bytes) -> float:
    """Seconds for one spoken turn at the client; infinity when it was not answered (a 504:
    its deadline, 30 s, passed)."""
    with httpx.Client(base_url=server.url, timeout=600,
                      headers={"authorization": f"Bearer {server.token}"}) as client:  # fmt: skip
        began = time.perf_counter()
        answer = client.post("/v1/ask", content=wav, headers=WAV)
        elapsed = time.perf_counter() - began
    if answer.status_code != 200:
        print(f"  a turn answered {answer.status_code} after {elapsed:.1f} s: {answer.text[:120]}")
        return float("inf")
    return elapsed


def warm_up_seconds(server: RunningServer, started: float) -> float:
    """Seconds from starting the server until its warm-up finished."""
    while True:
        speech = httpx.get(f"{server.url}/v1/status", timeout=10).json()["speech"]
        if not speech["warming"]:
            return time.perf_counter() - started
        time.sleep(0.2)


def one_round(mode: str, wav: bytes) -> tuple[float | None, float, float]:
    data = Path(tempfile.mkdtemp(prefix="hausgeist-first-turn-"))
    started = time.perf_counter()
    # start_server passes --warm-speech off first; a later flag wins.
    server = start_server(data, "--warm-speech", mode)
    try:
        warm = warm_up_seconds(server, started) if mode == "on" else None
        return warm, spoken_turn(server, wav), spoken_turn(server, wav)
    finally:
        stop_server(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "hg-models",
                        help="where whisper-base is joined once ($HAUSGEIST_MODELS)")  # fmt: skip
    args = parser.parse_args()
    os.environ["HAUSGEIST_MODELS"] = str(args.models)
    wav = wav_bytes(speak(COMMAND, 140))
    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores; {args.rounds} round(s)")
    for mode in ("off", "on"):
        rounds = [one_round(mode, wav) for _ in range(args.rounds)]
        first = statistics.median(r[1] for r in rounds)
        second = statistics.median(r[2] for r in rounds)
        warm = [r[0] for r in rounds if r[0] is not None]
        extra = f", warm-up {statistics.median(warm):.1f} s after start" if warm else ""
        print(f"--warm-speech {mode}: first spoken turn {first:.2f} s, "
              f"second {second:.2f} s (median){extra}")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    subprocess.run(["uptime"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
