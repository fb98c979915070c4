"""Bad input over real HTTP and WebSocket: a clear 4xx with {code, message}, never a 500."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.server.conftest import RunningServer


def _post(server: RunningServer, content: bytes, kind: str = "application/json") -> httpx.Response:
    with server.client() as client:
        return client.post("/v1/ask", content=content, headers={"content-type": kind})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"text": ', "malformed_json"),
        (b"\xff\xfe\x00", "malformed_json"),
        (b"[1, 2]", "bad_request"),
        (b'"Licht an"', "bad_request"),
        (b"{}", "invalid_field"),
        (b'{"text": 42}', "invalid_field"),
        (b'{"text": null}', "invalid_field"),
        (b'{"text": "   "}', "invalid_field"),
        (b'{"text": "Licht an", "conversation_id": 7}', "bad_request"),
        (json.dumps({"text": "x" * 5000}).encode(), "invalid_field"),
    ],
)
def test_malformed_or_mistyped_bodies_get_400_with_a_code(
    server: RunningServer, body: bytes, code: str
) -> None:
    answer = _post(server, body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code and answer.json()["message"]


def test_a_wrong_content_type_gets_415(server: RunningServer) -> None:
    answer = _post(server, b"text=Licht+an", "application/x-www-form-urlencoded")
    assert answer.status_code == 415 and answer.json()["code"] == "unsupported_media_type"


def test_audio_with_a_broken_header_gets_400_with_a_clear_message(server: RunningServer) -> None:
    answer = _post(server, b"RIFF....WAVEfmt ", "audio/wav")
    assert answer.status_code == 400 and answer.json()["code"] == "bad_audio"
    assert answer.json()["message"] == "Die WAV-Datei ist beschädigt."


def test_a_body_over_one_megabyte_gets_413_without_being_read_whole(
    server: RunningServer,
) -> None:
    declared = _post(server, b"{" + b" " * 1_100_000 + b"}")
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def endless() -> object:
        for _ in range(200):  # 20 MB offered in chunks, no Content-Length
            yield b" " * 100_000

    with server.client() as client:
        streamed = client.post("/v1/ask", content=endless(),
                               headers={"content-type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413


def test_a_client_too_slow_with_its_body_gets_408(server: RunningServer) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + server.token.encode() + b"\r\n"
            b"Content-Length: 40\r\n\r\n{\"text\": "
        )
        raw.settimeout(30)
        received = b""
        while chunk := raw.recv(4096):  # the server closes the connection after answering
            received += chunk
    answer = received.decode()
    assert answer.startswith("HTTP/1.1 408") and '"request_timeout"' in answer


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "bearer x y"]
)
def test_a_missing_or_invalid_token_gets_401(server: RunningServer, header: str | None) -> None:
    headers = {"authorization": header} if header is not None else {}
    for method, path in [("POST", "/v1/ask"), ("GET", "/v1/home"), ("GET", "/v1/lists"),
                         ("GET", "/v1/events"), ("GET", "/v1/orders")]:  # fmt: skip
        answer = httpx.request(method, server.url + path, headers=headers, json={"text": "an"})
        assert answer.status_code == 401, (method, path)
        assert answer.json()["code"] == "unauthorized"


def test_unknown_routes_and_methods_get_json_404_and_405(server: RunningServer) -> None:
    missing = httpx.get(f"{server.url}/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = httpx.get(f"{server.url}/v1/ask")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/home/devices/Stehlampe", {"brightness": 250}),
        ("/v1/home/devices/Stehlampe", {"brightness": "hell"}),
        ("/v1/home/devices/Stehlampe", {"color": "red; DROP TABLE"}),
        ("/v1/home/devices/Stehlampe", {"temperature": 21}),
        ("/v1/home/devices/Stehlampe", {"state": "explode"}),
        ("/v1/home/devices/Stehlampe", {}),
        ("/v1/home/devices/Thermostat", {"temperature": 99}),
    ],
)
def test_impossible_device_changes_get_400_and_change_nothing(
    server: RunningServer, path: str, body: dict[str, object]
) -> None:
    with server.client() as client:
        before = client.get("/v1/home").json()["devices"]
        answer = client.patch(path, json=body)
        assert answer.status_code == 400 and answer.json()["code"] == "bad_request"
        assert client.get("/v1/home").json()["devices"] == before


def test_injection_in_a_command_is_just_text(server: RunningServer) -> None:
    with server.client() as client:
        answer = client.post("/v1/ask", json={"text": "'; DROP TABLE list_items; -- <script>"})
        assert answer.status_code == 200 and answer.json()["actions"] == []
        assert client.get("/v1/lists").status_code == 200


def test_a_device_over_its_rate_gets_429_with_retry_after(server: RunningServer) -> None:
    token = server.registry().add_device("Schnellsprecher", server.registry().default_household())
    with server.client(token) as client:
        answers = [client.get("/v1/me") for _ in range(60)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) >= 40 and 429 in statuses
    # The first refusal, not the last request: the bucket may refill a token in between.
    limited = answers[statuses.index(429)]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def _ws_url(server: RunningServer) -> str:
    return server.url.replace("http://", "ws://") + "/v1/stream"


@pytest.mark.parametrize(
    "first",
    ["not json", json.dumps([1]), json.dumps({"type": "auth", "token": "wrong"}),
     json.dumps({"type": "text", "text": "Licht an"}), b"\x00\x01binary"],
)
def test_a_websocket_that_sends_garbage_is_closed_with_a_reason(
    server: RunningServer, first: str | bytes
) -> None:
    with connect(_ws_url(server)) as websocket:
        websocket.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code in (1003, 1008) and closed.value.rcvd.reason


def test_a_websocket_turn_streams_intent_actions_reply_and_done(server: RunningServer) -> None:
    with connect(_ws_url(server)) as websocket:
        websocket.send(json.dumps({"type": "auth", "token": server.token}))
        assert json.loads(websocket.recv(timeout=5)) == {"type": "ready"}
        websocket.send(json.dumps({"type": "text", "text": "Mach das Licht im Flur an"}))
        events = [json.loads(websocket.recv(timeout=5)) for _ in range(4)]
        assert [e["type"] for e in events] == ["intent", "actions", "reply", "done"]
        assert events[0]["intent"] == "HassTurnOn" and events[2]["text"] == "Licht eingeschaltet"
        websocket.send(json.dumps({"type": "audio", "sample_rate": 16000}))
        websocket.send(b"\x00\x00" * 1600)
        websocket.send(json.dumps({"type": "end"}))
        events = [json.loads(websocket.recv(timeout=30)) for _ in range(6)]
        assert [e["type"] for e in events] == [
            "transcript", "intent", "actions", "reply", "reply_audio", "done"
        ]  # fmt: skip
        assert events[0]["text"] == "" and events[3]["text"] == "Ich habe nichts verstanden."
        websocket.send(json.dumps({"type": "text", "text": 5}))
        assert json.loads(websocket.recv(timeout=5))["code"] == "invalid_field"
        websocket.send(json.dumps({"type": "dance"}))
        with pytest.raises(ConnectionClosed):
            websocket.recv(timeout=5)


def test_nothing_here_ever_answered_500(server: RunningServer) -> None:
    metrics = server.metrics()
    assert 'status="500"' not in metrics
    assert 'hausgeist_errors_total{code="internal"}' not in metrics
