"""Idempotency-Key on turns, over real HTTP and the WebSocket against `hausgeist serve`."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from hausgeist.server.errors import ApiError
from hausgeist.server.idempotency import Once, TurnReplies
from hausgeist.store.sqlite import Store
from tests.server.conftest import RunningServer, start_server, stop_server


def keyed(server: RunningServer, text: str, key: str | bytes, conversation: str | None = None,
          token: str | None = None) -> Any:  # fmt: skip
    body: dict[str, Any] = {"text": text}
    if conversation:
        body["conversation_id"] = conversation
    with server.client(token) as client:
        return client.post("/v1/ask", json=body, headers={"Idempotency-Key": key})


def timers(server: RunningServer) -> list[dict[str, Any]]:
    with server.client() as client:
        found: list[dict[str, Any]] = client.get("/v1/timers").json()["timers"]
    return found


def test_a_retried_timer_turn_sets_one_timer_and_gets_the_first_answer(
    server: RunningServer,
) -> None:
    before = len(timers(server))
    key = str(uuid.uuid4())
    first = keyed(server, "Stell einen Timer auf 7 Minuten", key)
    again = keyed(server, "Stell einen Timer auf 7 Minuten", key)
    assert first.status_code == again.status_code == 200
    assert first.json()["intent"] == "HassStartTimer" and first.json()["actions"]
    assert again.json() == {**first.json(), "replayed": True}
    assert len(timers(server)) == before + 1
    fresh = keyed(server, "Stell einen Timer auf 7 Minuten", str(uuid.uuid4()))
    assert "replayed" not in fresh.json()
    assert len(timers(server)) == before + 2


def test_a_retried_ja_places_one_order(server: RunningServer) -> None:
    question = keyed(server, "Bestelle eine Packung Batterien", "q-1").json()
    conversation = question["conversation_id"]
    placed = keyed(server, "ja", "ja-1", conversation)
    retried = keyed(server, "ja", "ja-1", conversation)
    assert retried.json()["replayed"] is True
    assert retried.json()["reply"] == placed.json()["reply"]
    with server.client() as client:
        orders = client.get("/v1/orders").json()["orders"]
    assert len([o for o in orders if o["status"] == "placed"]) == 1


def test_the_same_key_with_another_request_is_refused_and_does_nothing(
    server: RunningServer,
) -> None:
    before = len(timers(server))
    assert keyed(server, "Stell einen Timer auf 3 Minuten", "k-reused").status_code == 200
    other = keyed(server, "Stell einen Timer auf 9 Minuten", "k-reused")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert len(timers(server)) == before + 1


def test_keys_belong_to_one_device(server: RunningServer) -> None:
    registry = server.registry()
    other = registry.add_device(f"Küchenradio-{uuid.uuid4().hex[:6]}", registry.default_household())
    mine = keyed(server, "Wie spät ist es", "shared-key")
    theirs = keyed(server, "Wie spät ist es", "shared-key", token=other)
    assert mine.status_code == theirs.status_code == 200
    assert "replayed" not in theirs.json() and theirs.json()["turn_id"] != mine.json()["turn_id"]


@pytest.mark.parametrize("key", ["", "mit leerzeichen", "x" * 201, "ümlaut".encode()])
def test_a_malformed_key_is_a_clear_400(server: RunningServer, key: str | bytes) -> None:
    answer = keyed(server, "Wie spät ist es", key)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_idempotency_key"


def test_a_websocket_turn_with_a_key_is_answered_once(server: RunningServer) -> None:
    before = len(timers(server))
    url = server.url.replace("http://", "ws://") + "/v1/stream"
    turn = {"type": "text", "text": "Stell einen Timer auf 11 Minuten", "idempotency_key": "ws-1"}
    replies = []
    with connect(url) as ws:
        ws.send(json.dumps({"type": "auth", "token": server.token}))
        assert json.loads(ws.recv(timeout=5))["type"] == "ready"
        for _ in range(2):
            ws.send(json.dumps(turn))
            events = [json.loads(ws.recv(timeout=5)) for _ in range(4)]
            assert [e["type"] for e in events] == ["intent", "actions", "reply", "done"]
            replies.append(events[2])
        ws.send(json.dumps({**turn, "idempotency_key": "bad key"}))
        error = json.loads(ws.recv(timeout=5))
    assert replies[0]["turn_id"] == replies[1]["turn_id"]
    assert error["type"] == "error" and error["code"] == "invalid_idempotency_key"
    assert len(timers(server)) == before + 1


def test_a_kept_answer_survives_a_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        token = first.registry().add_device("Wecker", first.registry().default_household())
        answer = keyed(first, "Stell einen Timer auf 4 Minuten", "before-restart", token=token)
    finally:
        stop_server(first)
    second = start_server(tmp_path)
    try:
        again = keyed(second, "Stell einen Timer auf 4 Minuten", "before-restart", token=token)
        with second.client(token) as client:
            running = client.get("/v1/timers").json()["timers"]
    finally:
        stop_server(second)
    assert again.json() == {**answer.json(), "replayed": True}
    assert len(running) == 1


def test_kept_answers_are_forgotten_after_a_day() -> None:
    replies = TurnReplies(Store(":memory:"))
    once = Once.of(7, "k", {"text": "Licht an"})
    assert once is not None
    then = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    replies.keep(once, {"reply": "Licht eingeschaltet"}, then)
    assert replies.find(once, then + timedelta(hours=23)) == {"reply": "Licht eingeschaltet"}
    assert replies.find(once, then + timedelta(hours=25)) is None
    other = Once.of(7, "k", {"text": "Licht aus"})
    assert other is not None
    with pytest.raises(ApiError) as refused:
        replies.find(other, then + timedelta(hours=1))
    assert refused.value.status == 422
    assert Once.of(7, None, {"text": "Licht an"}) is None
