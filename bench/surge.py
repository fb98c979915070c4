"""Surge: open-loop Poisson load against `hausgeist serve`, with admission control on and off.

The server runs pinned to one core (taskset -c 0) on a fresh data directory with the demo home,
the per-device rate limit lifted; this generator runs on the other core (taskset -c 1) as one
asyncio process on hausgeist's own keep-alive HTTP transport. Arrivals are Poisson at a set
rate whatever the server does (open loop), and every latency is measured from the moment a
request was due, so a slow server cannot hide its queue (no coordinated omission). Each turn
carries a 5 s deadline (`X-Deadline-Ms`) and the client gives up after it.

Sequence, for `--admission on` and `off` each: capacity (closed loop, 8 at a time), then
offered load at 0.5, 1, 2, 5 and 10 times capacity, a step 1x -> 10x -> 1x, and a retry
storm at 10x where every turn comes from one of 200 devices using the satellite client
library (backoff, retry budget, adaptive throttling). Figures: goodput (200s within the
deadline per second), p50/p99 of admitted turns, shed count and shed latency p99,
success per class, attempts per unique turn, recovery time after the step.

`--turn text` sends typed commands, which cost the server about 0.4 ms each: so little that
at 10x the HTTP handling of the refused requests alone fills the core (and this generator
cannot offer 25,000 requests per second). `--turn synthetic-stt --stage-ms 20` adds, in the
worker thread before understanding, 20 ms of CPU as a stand-in for speech-to-text, the
expensive stage issue 6 is about; `--turn wav` is for when speech lands.

    .venv/bin/python bench/surge.py [--turn synthetic-stt] [--stage-ms 20] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hausgeist.satellite.client import Client  # noqa: E402
from hausgeist.satellite.errors import SatelliteError  # noqa: E402
from hausgeist.satellite.http import HttpTransport, Request  # noqa: E402
from hausgeist.server.criticality import classify_text  # noqa: E402

DEADLINE = 5.0
_BLOCK = bytes(256 * 1024)
MULTIPLES = (0.5, 1, 2, 5, 10)
# A surge of new devices: mostly people trying them out, some music and lists, and the
# household's everyday home control (CRITICAL) a small share, below capacity even at 10x.
MIX = {
    "critical": (0.05, ["Schalte das Licht in der Küche an", "Mach das Licht im Flur aus",
                        "Dimme das Licht im Wohnzimmer auf 40 Prozent",
                        "Öffne den Rollladen im Wohnzimmer"]),
    "default": (0.25, ["Was steht auf der Einkaufsliste?", "Mach lauter", "Mach leiser"]),
    "sheddable": (0.70, ["Wie spät ist es?", "Wie war dein Tag?", "Hilfe"]),
}  # fmt: skip
COMMANDS = [text for _, texts in MIX.values() for text in texts]


def pick() -> str:
    """A command drawn from the mix."""
    kinds = list(MIX)
    kind = random.choices(kinds, weights=[MIX[k][0] for k in kinds])[0]
    return random.choice(MIX[kind][1])


@dataclass
class Shot:
    """One unique turn as the client saw it."""

    due: float  # seconds since the run began
    latency: float
    status: int  # HTTP status; 0 no answer in time; -1 refused on the device
    criticality: str
    attempts: int = 1


# The load


async def open_loop(
    url: str, token: str, profile: list[tuple[float, float]], devices: int = 0
) -> list[Shot]:
    """Poisson arrivals at each (seconds, rate) of `profile`; devices > 0: via the library."""
    transport = HttpTransport(url, pool=20_000)
    clients = [Client(transport, token, deadline=DEADLINE) for _ in range(devices)]
    loop = asyncio.get_running_loop()
    began = loop.time() + 0.05
    shots: list[Shot] = []
    tasks: list[asyncio.Task[None]] = []
    at = 0.0
    for seconds, rate in profile:
        end = at + seconds
        while (at := at + random.expovariate(rate)) < end:
            wait = began + at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            text = pick()
            client = random.choice(clients) if clients else None
            tasks.append(asyncio.create_task(_turn(transport, token, text, began, at, client,
                                                   shots)))  # fmt: skip
        at = end
    await asyncio.gather(*tasks)
    await transport.close()
    return shots


async def _turn(
    transport: HttpTransport, token: str, text: str, began: float, at: float,
    client: Client | None, shots: list[Shot],
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    kind = classify_text(text).label
    status, attempts = 0, 1
    try:
        if client is not None:
            done = await client.ask(text, criticality=kind)
            status, attempts = done.response.status, done.attempts
        else:
            left = DEADLINE - (loop.time() - began - at)
            headers = {"Authorization": f"Bearer {token}", "X-Deadline-Ms": str(int(left * 1000))}
            answer = await transport.send(Request("POST", "/v1/ask", {"text": text}, headers),
                                          left)  # fmt: skip
            status = answer.status
    except SatelliteError as err:
        status = -1 if err.code == "throttled" else 0
        attempts = max(1, err.attempts)
    shots.append(Shot(at, loop.time() - began - at, status, kind, attempts))


async def closed_loop(url: str, token: str, seconds: float, workers: int = 8) -> float:
    """Turns per second with `workers` always waiting for an answer: the capacity."""
    transport = HttpTransport(url, pool=workers)
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    ends = time.monotonic() + seconds

    async def work() -> None:
        nonlocal done
        while time.monotonic() < ends:
            request = Request("POST", "/v1/ask", {"text": pick()}, headers)
            if (await transport.send(request, DEADLINE)).status == 200:
                done += 1

    await asyncio.gather(*(work() for _ in range(workers)))
    await transport.close()
    return done / seconds


# Figures


def summary(shots: list[Shot], seconds: float, offered: float) -> dict[str, Any]:
    """The figures of one run; goodput counts turns answered in time within the run."""
    ok = [s for s in shots if s.status == 200 and s.latency <= DEADLINE]
    in_run = [s for s in ok if s.due + s.latency <= seconds]
    shed = [s for s in shots if s.status in (503, 429, -1)]
    by_class = {}
    for kind in ("critical", "default", "sheddable"):
        mine = [s for s in shots if s.criticality == kind]
        good = sum(1 for s in mine if s.status == 200 and s.latency <= DEADLINE)
        by_class[kind] = round(good / len(mine), 4) if mine else None
    return {
        "offered_per_s": round(offered, 1),
        "sent_per_s": round(len(shots) / seconds, 1),
        "goodput_per_s": round(len(in_run) / seconds, 1),
        "p50_ms": _ms(_quantile([s.latency for s in ok], 0.5)),
        "p99_ms": _ms(_quantile([s.latency for s in ok], 0.99)),
        "shed": len(shed),
        "shed_p99_ms": _ms(_quantile([s.latency for s in shed if s.status != -1], 0.99)),
        "no_answer": sum(1 for s in shots if s.status == 0),
        "late": sum(1 for s in shots if s.status == 200 and s.latency > DEADLINE),
        "other": sum(1 for s in shots if s.status not in (0, -1, 200, 429, 503)),
        "success_by_class": by_class,
        "attempts_per_turn": round(statistics.fmean(s.attempts for s in shots), 3)
        if shots else None,
    }  # fmt: skip


def timeline(shots: list[Shot], step: float = 1.0) -> list[dict[str, Any]]:
    """Goodput, p99 of admitted turns and the share answered in time, per `step` of due time."""
    if not shots:
        return []
    rows = []
    for n in range(int(max(s.due for s in shots) / step) + 1):
        mine = [s for s in shots if n * step <= s.due < (n + 1) * step]
        ok = [s.latency for s in mine if s.status == 200 and s.latency <= DEADLINE]
        rows.append({"t": n * step, "goodput_per_s": len(ok) / step,
                     "p99_ms": _ms(_quantile(ok, 0.99)),
                     "ok_share": round(len(ok) / max(len(mine), 1), 3)})  # fmt: skip
    return rows


def recovery(rows: list[dict[str, Any]], surge_end: float, baseline: float) -> Any:
    """Seconds after the surge until two seconds in a row answer in time at least 90% of the
    share the 1x phase answered (`baseline`), with p99 within twice the 1x phase's worst."""
    before = [r for r in rows if r["t"] < 5]
    p99 = max((r["p99_ms"] or 0) for r in before) if before else 0
    after = [r for r in rows if r["t"] >= surge_end]
    for n, row in enumerate(after[:-1]):
        pair = (row, after[n + 1])  # two seconds in a row, so one lucky second is not enough
        if all(r["ok_share"] >= 0.9 * baseline and (r["p99_ms"] or 1e9) <= 2 * p99 for r in pair):
            return round(row["t"] - surge_end, 2)
    return "not within the run"


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


# The server


def start(port: int, admission: str, turn: str, stage_ms: float) -> tuple[Any, str, Path]:
    """`hausgeist serve` on core 0 with a fresh data directory; its process and token."""
    data = Path(tempfile.mkdtemp(prefix="hausgeist-surge-"))
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        str(port),
        "--admission",
        admission,
        "--stage-ms",
        str(stage_ms if turn != "text" else 0),
    ]
    server = subprocess.Popen(["taskset", "-c", "0", *command],
                              env={**os.environ, "HAUSGEIST_DATA": str(data)},
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert server.stderr is not None
    for line in server.stderr:
        found = re.search(r"#token=(\S+)", line)
        if found:
            return server, found.group(1), data
    raise RuntimeError("hausgeist serve printed no login token")


def serve_with_stage(port: int, admission: str, stage_ms: float) -> int:
    """Run the real server; with stage_ms, each turn first spends that much CPU (fake STT)."""
    from hausgeist.cli import main
    from hausgeist.server.household import HouseholdService

    if stage_ms > 0:
        plain = HouseholdService.ask

        def transcribe_then_ask(self: HouseholdService, *args: Any, **kwargs: Any) -> Any:
            # CPU time of this thread, not wall time; spent in C without the GIL (hashlib
            # releases it for large inputs), as a speech engine in C or C++ would spend it.
            ends = time.thread_time() + stage_ms / 1000
            while time.thread_time() < ends:
                hashlib.sha256(_BLOCK)
            return plain(self, *args, **kwargs)

        HouseholdService.ask = transcribe_then_ask  # type: ignore[method-assign]
    return main(["serve", "--port", str(port), "--log-level", "warning", "--device-rate",
                 "1000000000", "--admission", admission])  # fmt: skip


async def wait_until_up(url: str, token: str) -> None:
    transport = HttpTransport(url)
    for _ in range(600):
        try:
            request = Request("POST", "/v1/ask", {"text": "Wie spät ist es?"},
                              {"Authorization": f"Bearer {token}"})  # fmt: skip
            if (await transport.send(request, 5)).status == 200:
                for text in COMMANDS:  # warm every phrase once
                    await transport.send(Request("POST", "/v1/ask", {"text": text},
                                                 request.headers), 5)  # fmt: skip
                await transport.close()
                return
        except SatelliteError:
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not come up")


async def status_limit(url: str) -> Any:
    """The server's admission limit now, from /v1/status."""
    transport = HttpTransport(url)
    try:
        answer = await transport.send(Request("GET", "/v1/status"), 5)
    except SatelliteError:
        return None  # a collapsed server does not answer its status page either
    finally:
        await transport.close()
    return answer.json().get("admission", {}).get("limit")


async def scenario(url: str, token: str, capacity: float, seconds: float) -> dict[str, Any]:
    """Every load of the sequence against one server."""
    levels = {}
    for multiple in MULTIPLES:
        rate = capacity * multiple
        shots = await open_loop(url, token, [(seconds, rate)])
        levels[str(multiple)] = summary(shots, seconds, rate)
        levels[str(multiple)]["limit_after"] = await status_limit(url)
        print(f"  {multiple:>4}x  {json.dumps(levels[str(multiple)])}", flush=True)
        await asyncio.sleep(2)  # let queues drain between levels
    step = [(5.0, capacity), (10.0, 10 * capacity), (15.0, capacity)]
    shots = await open_loop(url, token, step)
    rows = timeline(shots)
    at_1x = [r for r in rows if r["t"] < 5]
    baseline = statistics.fmean(r["ok_share"] for r in at_1x) if at_1x else 1.0
    stepped = {
        "timeline": rows,
        "recovery_s": recovery(rows, 15.0, baseline),
        "surge": summary([s for s in shots if 5 <= s.due < 15], 10.0, 10 * capacity),
    }
    print(f"  step  recovery {stepped['recovery_s']} s", flush=True)
    await asyncio.sleep(2)
    storm = summary(await open_loop(url, token, [(seconds, 10 * capacity)], devices=200),
                    seconds, 10 * capacity)  # fmt: skip
    print(f"  storm {json.dumps(storm)}", flush=True)
    return {"levels": levels, "step": stepped, "retry_storm": storm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turn", choices=["text", "synthetic-stt", "wav"], default="synthetic-stt")
    parser.add_argument("--stage-ms", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--capacity", type=float, help="skip measuring it")
    parser.add_argument("--admission", default="on,off")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        sys.exit(serve_with_stage(args.serve, args.admission, args.stage_ms))
    if args.turn == "wav":
        sys.exit("bench: spoken turns need speech-to-text in the server (issue 5)")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    os.sched_setaffinity(0, {1})
    results: dict[str, Any] = {"turn": args.turn, "stage_ms": args.stage_ms,
                               "seconds": args.seconds, "command": " ".join(sys.argv),
                               "at": time.strftime("%Y-%m-%d %H:%M"), "runs": {}}  # fmt: skip
    capacity = args.capacity
    for mode in args.admission.split(","):
        port = 18090
        server, token, data = start(port, mode, args.turn, args.stage_ms)
        url = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(wait_until_up(url, token))
            if capacity is None:
                capacity = asyncio.run(closed_loop(url, token, args.seconds))
                results["capacity_per_s"] = round(capacity, 1)
                print(f"capacity: {capacity:.1f} turns/s", flush=True)
            print(f"admission {mode}:", flush=True)
            results["runs"][mode] = asyncio.run(scenario(url, token, capacity, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(data, ignore_errors=True)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    name = f"surge-{args.turn}"
    (out / f"{name}.json").write_text(json.dumps(results, indent=1))
    plot(results, out / f"{name}.png")
    print(f"wrote bench/out/{name}.json and bench/out/{name}.png")


def plot(results: dict[str, Any], path: Path) -> None:
    """Goodput and p99 against offered load, on and off; and the step's timeline."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: no matplotlib (pip install -e '.[bench]'); no plot", file=sys.stderr)
        return
    figure, (good, late, step) = plt.subplots(1, 3, figsize=(15, 4.5))
    capacity = results["capacity_per_s"]
    for mode, run in results["runs"].items():
        label = f"admission {mode}"
        xs = [float(m) for m in run["levels"]]
        good.plot(xs, [r["goodput_per_s"] for r in run["levels"].values()], "o-", label=label)
        late.plot(xs, [r["p99_ms"] or float("nan") for r in run["levels"].values()], "o-",
                  label=label)  # fmt: skip
        rows = run["step"]["timeline"]
        step.plot([r["t"] for r in rows], [r["goodput_per_s"] for r in rows], label=label)
    good.axhline(capacity, color="grey", linestyle=":", label="capacity")
    good.set(xscale="log", xlabel="offered load (x capacity)", ylabel="goodput (turns/s)",
             title="Goodput")  # fmt: skip
    late.set(xscale="log", yscale="log", xlabel="offered load (x capacity)",
             ylabel="p99 of admitted turns (ms)", title="Latency of admitted turns")  # fmt: skip
    step.axvspan(5, 15, color="orange", alpha=0.15, label="10x surge")
    step.set(xlabel="seconds", ylabel="goodput (turns/s)", title="Step 1x -> 10x -> 1x")
    for axes in (good, late, step):
        axes.legend()
    figure.suptitle(f"hausgeist surge ({results['turn']}, stage {results['stage_ms']} ms; "
                    f"capacity {capacity} turns/s; 1 server core, shared machine)")  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
