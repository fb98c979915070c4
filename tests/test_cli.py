"""The `hausgeist` command as a household runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HAUSGEIST_DATA": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "hausgeist.cli", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_ask_switches_the_kitchen_light_on_a_fresh_data_directory(tmp_path: Path) -> None:
    done = run(tmp_path, "ask", "Schalte das Licht in der Küche an")
    assert (done.returncode, done.stdout) == (0, "Licht eingeschaltet\n")
    again = run(tmp_path, "ask", "--json", "Ist das Küchenlicht an?")
    answer = json.loads(again.stdout)
    assert answer["intent"] == "HassGetState" and answer["reply"] == "Ja"
    assert set(answer) == {"text", "intent", "slots", "actions", "reply", "conversation_id"}


def test_a_conversation_id_carries_a_confirmation_over(tmp_path: Path) -> None:
    order = run(tmp_path, "ask", "--json", "--conversation", "k", "Bestelle Milch")
    asked = json.loads(order.stdout)
    assert asked["actions"] == [] and asked["reply"].startswith("Soll ich")
    placed = json.loads(run(tmp_path, "ask", "--json", "--conversation", "k", "ja").stdout)
    assert [a["kind"] for a in placed["actions"]] == ["place_order"]


def test_the_voice_code_is_checked_and_never_stored_in_clear(tmp_path: Path) -> None:
    assert run(tmp_path, "voice-code", "set", "12").returncode == 2
    assert run(tmp_path, "voice-code", "set", "4711").returncode == 0
    database = (tmp_path / "hausgeist.db").read_bytes()
    assert b"4711" not in database
    run(tmp_path, "ask", "--conversation", "v", "Bestelle Milch")
    assert run(tmp_path, "ask", "--conversation", "v", "ja").stdout.startswith("Bitte sag")
    wrong = run(tmp_path, "ask", "--json", "--conversation", "v", "eins zwei drei vier")
    assert json.loads(wrong.stdout)["actions"] == []
    right = run(tmp_path, "ask", "--json", "--conversation", "v", "vier sieben eins eins")
    assert [a["kind"] for a in json.loads(right.stdout)["actions"]] == ["place_order"]


def test_a_broken_home_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "home.yaml").write_text("entities: [{name: Lampe}]\n")
    done = run(tmp_path, "ask", "Licht an")
    assert done.returncode == 1 and "Hausbeschreibung" in done.stderr
