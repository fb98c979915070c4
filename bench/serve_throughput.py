"""Text turns per second through HTTP on one `hausgeist serve` process, with p50/p99 latency.

The server runs pinned to one core (taskset -c 0), the load generator wrk to the other
(taskset -c 1), on a fresh data directory with the demo home. wrk keeps N connections busy
(closed loop) posting a rotating mix of real commands (lights on and off, brightness, state
questions, the time, the shopping list) to POST /v1/ask with a device token. The per-device
rate limit is lifted for the run (`--device-rate`), since one token carries all the load.
Each level runs for `--seconds`; the figure is the highest rate whose p99 stays under 100 ms.

    .venv/bin/python bench/serve_throughput.py [--seconds 10] [--connections 1,4,16,64]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    "Schalte das Licht in der Küche an", "Mach das Licht in der Küche aus",
    "Dimme das Licht im Wohnzimmer auf 40 Prozent", "Ist das Licht im Bad an?",
    "Mach das Licht im Flur an", "Schalte das Licht im Flur aus", "Wie spät ist es?",
    "Was steht auf der Einkaufsliste?", "Mach die Kaffeemaschine an",
    "Schalte die Kaffeemaschine aus", "Stell das Licht im Büro auf blau",
    "Wie warm ist es im Wohnzimmer?", "Öffne den Rollladen im Wohnzimmer",
    "Schließe den Rollladen im Wohnzimmer", "Mach alle Lichter im Obergeschoss aus",
    "Wie war dein Tag?",
]  # fmt: skip
LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/v1/ask", nil, bodies[i])
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="1,4,16,64")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: needs wrk (apt-get install wrk)")
    data = Path(tempfile.mkdtemp(prefix="hausgeist-bench-"))
    port = 18080
    server = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, "-m", "hausgeist.cli", "serve", "--port",
         str(port), "--log-level", "warning", "--device-rate", "1000000000"],
        env={**os.environ, "HAUSGEIST_DATA": str(data)}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        token = _token(server)
        url = f"http://127.0.0.1:{port}"
        _wait(url)
        script = data / "ask.lua"
        bodies = ", ".join(
            json.dumps(json.dumps({"text": c}, ensure_ascii=False)) for c in COMMANDS
        )
        script.write_text(LUA % bodies)
        # Warm up: every command once, so the home's phrase index is built.
        for command in COMMANDS:
            httpx.post(f"{url}/v1/ask", json={"text": command},
                       headers={"authorization": f"Bearer {token}"})  # fmt: skip
        rows = []
        for connections in [int(c) for c in args.connections.split(",")]:
            rows.append(_run(url, token, script, connections, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
    command = "  .venv/bin/python bench/serve_throughput.py " + " ".join(sys.argv[1:])
    print(f"command:\n{command}")
    print(f"machine: {os.cpu_count()} cores; server on 1 core, wrk on the other")
    print(f"{'connections':>11} {'turns/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for row in rows:
        print(f"{row['connections']:>11} {row['rps']:>9.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
              f"{row['errors']:>8}")  # fmt: skip
    good = [r for r in rows if r["p99"] < 100 and r["errors"] == 0]
    best = max(good, key=lambda r: r["rps"]) if good else None
    if best:
        print(f"highest rate with p99 under 100 ms: {best['rps']:.0f} turns/s "
              f"({best['connections']} connections, p50 {best['p50']:.2f} ms, "
              f"p99 {best['p99']:.2f} ms)")  # fmt: skip
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "serve_throughput.json").write_text(json.dumps({"rows": rows, "at": time.time()}))


def _token(server: subprocess.Popen[str]) -> str:
    assert server.stderr is not None
    for line in server.stderr:
        found = re.search(r"#token=(\S+)", line)
        if found:
            return found.group(1)
    raise RuntimeError("no login token printed")


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _run(url: str, token: str, script: Path, connections: int, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(script), "-H", f"Authorization: Bearer {token}",
         "-H", "Content-Type: application/json", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    text = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "connections": connections,
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", text).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", text).group(1)),  # type: ignore[union-attr]
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group())  # type: ignore[union-attr]
    unit = value[len(re.match(r"[\d.]+", value).group()):]  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


if __name__ == "__main__":
    main()
