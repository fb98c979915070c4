"""Admission control on a real `hausgeist serve`: deadlines, status, metrics, switching off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.server.conftest import RunningServer, start_server, stop_server


def test_a_turn_with_a_deadline_header_is_answered(server: RunningServer) -> None:
    with server.client() as client:
        for deadline in ("2000", "99999999999", "bald"):
            answer = client.post("/v1/ask", json={"text": "Mach das Licht im Flur an"},
                                 headers={"x-deadline-ms": deadline})  # fmt: skip
            assert answer.status_code == 200, (deadline, answer.text)
            assert answer.json()["intent"] == "HassTurnOn"


def test_the_status_page_shows_the_limit_in_flight_queue_and_shed_by_class(
    server: RunningServer,
) -> None:
    with server.client() as client:
        client.post("/v1/ask", json={"text": "Wie spät ist es?"})
        admission = client.get("/v1/status").json()["admission"]
    assert admission["enabled"] is True
    assert admission["limit"] >= 1
    assert admission["in_flight"] == 0 and admission["queued"] == 0
    assert set(admission["shed"]) == {"critical", "default", "sheddable"}


def test_metrics_carry_the_admission_figures(server: RunningServer) -> None:
    text = server.metrics()
    for name in (
        "hausgeist_admission_limit",
        "hausgeist_admission_in_flight",
        "hausgeist_admission_queued",
        "hausgeist_admission_queue_age_seconds",
    ):
        assert f"\n{name} " in text, name  # fmt: skip


def test_a_websocket_turn_with_a_deadline_field_is_answered(server: RunningServer) -> None:
    url = server.url.replace("http://", "ws://") + "/v1/stream"
    with connect(url) as ws:
        ws.send(json.dumps({"type": "auth", "token": server.token}))
        assert json.loads(ws.recv())["type"] == "ready"
        ws.send(json.dumps({"type": "text", "text": "Mach das Licht im Bad an",
                            "deadline_ms": 10**9}))  # fmt: skip
        kinds = [json.loads(ws.recv())["type"] for _ in range(4)]
    assert kinds == ["intent", "actions", "reply", "done"]


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server started with --admission off."""
    running = start_server(tmp_path_factory.mktemp("off"), "--admission", "off")
    yield running
    stop_server(running)


def test_admission_can_be_switched_off_for_comparison(switched_off: RunningServer) -> None:
    with switched_off.client() as client:
        assert client.post("/v1/ask", json={"text": "Licht an im Flur"}).status_code == 200
        assert client.get("/v1/status").json()["admission"]["enabled"] is False


def test_a_negative_concurrency_is_raised_to_one(tmp_path: Path) -> None:
    running = start_server(tmp_path, "--max-concurrency", "-3", "--queue-size", "-1")
    try:
        with running.client() as client:
            answer = client.post("/v1/ask", json={"text": "Mach das Licht im Flur an"})
            assert answer.status_code == 200
            assert client.get("/v1/status").json()["admission"]["limit"] == 1
    finally:
        stop_server(running)
