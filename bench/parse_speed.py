"""Sentences per second of `hausgeist parse` and of hassil, on Home Assistant's German suite.

Both read the same sentences, each against its own home (the suite's `context`), with the
same German templates (Home Assistant's plus hausgeist's own), in one run on this machine.
hausgeist runs as the real command, file in and file out, three times (the median counts);
its start-up is measured separately and not counted. hassil runs in-process, which only
flatters hassil.

    .venv/bin/python bench/parse_speed.py            # all 3,601 sentences
    .venv/bin/python bench/parse_speed.py --limit 500
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hassil import Intents, TextSlotList, TextSlotValue, recognize_best
from hassil.expression import TextChunk

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.grammar import load_source
from hausgeist.language.lexicon import entity_context
from hausgeist.language.parse import ParseResult
from hausgeist.language.peer_suite import SuiteRow, agrees, context_key, read_suite

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT.parent / "shared" / "data" / "ha-intents-de" / "tests.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "parse_speed.json")
    args = parser.parse_args()
    rows = list(read_suite(SUITE))
    if args.limit:
        rows = rows[: args.limit]

    with tempfile.TemporaryDirectory() as data:
        cold = _first_start(Path(data))
        warm = run_hausgeist(rows, Path(data))
    hassil = run_hassil(rows)

    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "sentences": len(rows),
        "hausgeist_per_second": round(warm["per_second"]),
        "hausgeist_start_s": round(warm["start_s"], 3),
        "hausgeist_first_start_s": round(cold, 3),
        "hausgeist_peak_rss_mb": round(warm["rss_mb"], 1),
        "hausgeist_exact": warm["exact"],
        "hassil_per_second": round(hassil["per_second"], 1),
        "hassil_exact": hassil["exact"],
        "speedup": round(warm["per_second"] / hassil["per_second"], 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    n = len(rows)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"sentences: {n} (Home Assistant German suite), cores: {os.cpu_count()}")
    print(f"hausgeist parse: {figures['hausgeist_per_second']:>8} sentences/s, "
          f"exact {warm['exact']}/{n} ({warm['exact'] / n:.1%})")  # fmt: skip
    print(f"hassil {_version('hassil')}:   {figures['hassil_per_second']:>8} sentences/s, "
          f"exact {hassil['exact']}/{n} ({hassil['exact'] / n:.1%})")  # fmt: skip
    print(f"speed-up: {figures['speedup']}x")
    print(f"hausgeist start-up: {figures['hausgeist_start_s']} s with the grammar cache, "
          f"{figures['hausgeist_first_start_s']} s without any compiled grammar; "
          f"peak RSS {figures['hausgeist_peak_rss_mb']} MB")  # fmt: skip
    print(f"written: {args.out.relative_to(ROOT)}")


def run_hausgeist(rows: list[SuiteRow], data: Path, runs: int = 3) -> dict[str, Any]:
    """Run `hausgeist parse < suite.jsonl > answers.jsonl`; its own `--stats` times the parsing.

    Start-up is timed apart: the time until the first answer of a process given one line.
    """
    env = {**os.environ, "HAUSGEIST_DATA": str(data)}
    command = [sys.executable, "-m", "hausgeist.cli", "parse"]
    began = time.perf_counter()
    subprocess.run(command, input=b"Licht an\n", env=env, capture_output=True, check=True)
    start_s = time.perf_counter() - began

    lines = "".join(
        json.dumps({"text": r.text, "context": r.context}, ensure_ascii=False) + "\n" for r in rows
    ).encode()
    suite_file = data / "suite.jsonl"
    suite_file.write_bytes(lines)
    speeds, outputs, rss_mb = [], [], float("nan")
    answers = data / "answers.jsonl"
    for _ in range(runs):
        with suite_file.open("rb") as stdin, answers.open("wb") as stdout:
            done = subprocess.run(
                [*command, "--stats"], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                env=env, timeout=600, check=True,
            )  # fmt: skip
        out, stats = answers.read_bytes(), done.stderr.decode()
        speeds.append(float(stats.split("(")[1].split()[0]))
        rss_mb = float(stats.split("peak memory ")[1].split()[0])
        outputs = [json.loads(line) for line in out.decode().splitlines()]
    exact = 0
    for row, result_json in zip(rows, outputs, strict=True):
        result = ParseResult(
            result_json["text"], result_json["intent"], result_json["slots"],
            fixed_slots=_fixed(result_json),
        )  # fmt: skip
        exact += agrees(result, row)
    per_second = sorted(speeds)[len(speeds) // 2]
    return {"per_second": per_second, "start_s": start_s, "rss_mb": rss_mb, "exact": exact}


def _first_start(data: Path) -> float:
    """Start-up when neither the package nor the data directory holds a compiled grammar."""
    code = (
        "import sys, time; from pathlib import Path; t = time.perf_counter();"
        "from hausgeist.language import build; build.PACKAGE_CACHE = Path(sys.argv[1]);"
        "build.load_compiled('de', Path(sys.argv[1])); print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(data / "empty")], capture_output=True, check=True
    )
    return float(done.stdout)


def _fixed(out: dict[str, Any]) -> frozenset[str]:
    # The command does not report which slots its template fixed; only `domain` ever is
    # in this suite, so count it as fixed exactly when the row does not name it.
    return frozenset({"domain"}) if "domain" in out["slots"] else frozenset()


def run_hassil(rows: list[SuiteRow]) -> dict[str, Any]:
    """hassil's recognize_best on the same sentences with the same templates and homes."""
    intents = Intents.from_dict(load_source("de"))
    lists: dict[str, dict[str, Any]] = {}
    exact = 0
    elapsed = 0.0
    for row in rows:
        key = context_key(row.context)
        if key not in lists:
            lists[key] = _slot_lists(HomeSnapshot.from_json(row.context))
        began = time.perf_counter()
        found = recognize_best(row.text, intents, slot_lists=lists[key])
        elapsed += time.perf_counter() - began
        if found is not None:
            slots = {name: entity.value for name, entity in found.entities.items()}
            fixed = frozenset(found.intent_data.slots)
            exact += agrees(ParseResult(row.text, found.intent.name, slots, fixed_slots=fixed), row)
    return {"per_second": len(rows) / elapsed, "exact": exact}


def _slot_lists(home: HomeSnapshot) -> dict[str, Any]:
    names = [
        TextSlotValue(TextChunk(alias), entity.name, context=entity_context(entity))
        for entity in home.entities
        for alias in (entity.name, *entity.aliases)
    ]
    return {
        "name": TextSlotList("name", names),
        "area": TextSlotList.from_strings([area.name for area in home.areas], name="area"),
        "floor": TextSlotList.from_strings(list(home.floors), name="floor"),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()
