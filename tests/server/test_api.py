"""The HTTP API over real HTTP against a running `hausgeist serve`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from tests.server.conftest import RunningServer


def ask(server: RunningServer, text: str, conversation: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if conversation:
        body["conversation_id"] = conversation
    with server.client() as client:
        answer = client.post("/v1/ask", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_spoken_command_switches_the_kitchen_light_and_answers_in_german(
    server: RunningServer,
) -> None:
    answer = ask(server, "Schalte das Licht in der Küche an")
    assert answer["intent"] == "HassTurnOn"
    assert answer["slots"] == {"area": "Küche", "domain": "light"}
    assert answer["reply"] == "Licht eingeschaltet"
    assert answer["turn_id"] and answer["conversation_id"]
    with server.client() as client:
        home = client.get("/v1/home").json()
    kitchen = [d for d in home["devices"] if d["area"] == "Küche" and d["domain"] == "light"]
    assert kitchen and all(d["state"]["state"] == "on" for d in kitchen)


def test_a_conversation_id_carries_a_follow_up(server: RunningServer) -> None:
    first = ask(server, "Mach das Licht an")
    assert first["reply"] == "In welchem Raum?"
    second = ask(server, "im Schlafzimmer", first["conversation_id"])
    assert second["actions"] and second["actions"][0]["state"]["state"] == "on"


def test_an_order_is_placed_only_after_ja_and_can_be_cancelled(server: RunningServer) -> None:
    question = ask(server, "Bestelle zwei Packungen Batterien")
    assert question["reply"].startswith("Soll ich 2 × Batterien")
    with server.client() as client:
        assert client.get("/v1/orders").json()["orders"] == []
    ask(server, "ja", question["conversation_id"])
    with server.client() as client:
        orders = client.get("/v1/orders").json()["orders"]
        assert [(o["quantity"], o["status"], o["cancellable"]) for o in orders] == [
            (2, "placed", True)
        ]
        cancelled = client.post(f"/v1/orders/{orders[0]['id']}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        again = client.post(f"/v1/orders/{orders[0]['id']}/cancel")
        assert again.status_code == 404 and again.json()["code"] == "not_found"


def test_a_page_switches_dims_and_colors_a_light(server: RunningServer) -> None:
    with server.client() as client:
        changed = client.patch("/v1/home/devices/Stehlampe", json={"state": "on", "brightness": 30})
        assert changed.status_code == 200
        assert changed.json()["state"]["brightness"] == 30
        colored = client.patch("/v1/home/devices/Stehlampe", json={"color": "#ff8800"})
        assert colored.json()["state"]["color"] == "#ff8800"
        lamp = [d for d in client.get("/v1/home").json()["devices"] if d["name"] == "Stehlampe"]
        assert lamp[0]["state"]["state"] == "on"
        missing = client.patch("/v1/home/devices/Dachbodenlampe", json={"state": "on"})
        assert missing.status_code == 404


def test_lists_can_be_read_added_to_ticked_and_cleared(server: RunningServer) -> None:
    with server.client() as client:
        added = client.post("/v1/lists/Einkaufsliste/items", json={"text": "Hafermilch"})
        assert added.status_code == 201
        item = added.json()
        assert "Hafermilch" in ask(server, "Was steht auf der Einkaufsliste?")["reply"]
        ticked = client.patch(f"/v1/lists/Einkaufsliste/items/{item['id']}", json={"done": True})
        assert ticked.json() == {**item, "done": True}
        assert client.delete(f"/v1/lists/Einkaufsliste/items/{item['id']}").status_code == 204
        lists = client.get("/v1/lists").json()["lists"]
        assert {entry["name"] for entry in lists} >= {"Einkaufsliste", "Aufgaben"}
        assert all(i["id"] != item["id"] for entry in lists for i in entry["items"])


def test_timers_are_listed_counting_down_and_can_be_cancelled(server: RunningServer) -> None:
    ask(server, "Stell einen Pizza Timer auf zehn Minuten")
    with server.client() as client:
        timers = client.get("/v1/timers").json()["timers"]
        pizza = [t for t in timers if t["name"] == "Pizza"]
        assert pizza and pizza[0]["seconds"] == 600 and 590 < pizza[0]["remaining"] <= 600
        assert pizza[0]["ends_at"] and not pizza[0]["paused"]
        assert client.delete(f"/v1/timers/{pizza[0]['id']}").status_code == 204
        assert all(t["id"] != pizza[0]["id"] for t in client.get("/v1/timers").json()["timers"])
        assert client.delete(f"/v1/timers/{pizza[0]['id']}").status_code == 404


def _events(server: RunningServer, seen: list[tuple[str, dict[str, Any]]], stop: float) -> None:
    with server.client() as client, client.stream("GET", "/v1/events", timeout=stop) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                seen.append((kind, json.loads(line[6:])))
            if any(k == "ring" for k, _ in seen):
                return


def test_changes_and_a_ringing_timer_are_pushed_to_listening_devices(
    server: RunningServer,
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    listener = threading.Thread(target=_events, args=(server, seen, 15), daemon=True)
    listener.start()
    time.sleep(0.5)
    ask(server, "Mach das Licht im Bad aus")
    ask(server, "Stell einen Timer auf zwei Sekunden")
    listener.join(timeout=15)
    kinds = [kind for kind, _ in seen]
    assert "device" in kinds and "turn" in kinds and "timers" in kinds
    rings = [data for kind, data in seen if kind == "ring"]
    assert rings and rings[0]["kind"] == "timer" and "abgelaufen" in rings[0]["announcement"]
    with server.client() as client:  # the announcement, spoken
        spoken = client.get(rings[0]["audio_url"])
    assert spoken.status_code == 200 and spoken.content[:4] == b"RIFF"
    # Announced once: the next turn does not announce it again.
    assert "abgelaufen" not in ask(server, "Wie spät ist es?")["reply"]


def test_the_operations_endpoints_answer(server: RunningServer) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    with server.client() as household:  # a household's device sees no other household's load
        assert household.get("/metrics").status_code == 403
    metrics = server.metrics()
    for name in ("hausgeist_turns_total", 'hausgeist_stage_seconds_count{stage="understand"}',
                 'hausgeist_stage_seconds_count{stage="act"}',
                 "hausgeist_in_flight", "hausgeist_http_requests_total"):  # fmt: skip
        assert name in metrics
    status = httpx.get(f"{server.url}/v1/status").json()
    assert status["status"] == "ok" and status["turns"] >= 1 and status["store"] == "ok"
    spec = httpx.get(f"{server.url}/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/v1/ask" in spec["paths"]


def test_me_names_the_household_and_device(server: RunningServer) -> None:
    with server.client() as client:
        me = client.get("/v1/me").json()
    assert me == {"household": {"id": 1, "name": "Zuhause"},
                  "device": {"id": 1, "name": "Browser"}, "role": "device"}  # fmt: skip
