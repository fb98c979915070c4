"""The OpenAPI 3.1 document of the /v1 API, written out so that it is the contract."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_TURN = {
    "type": "object",
    "required": ["text", "intent", "slots", "actions", "reply", "conversation_id", "turn_id"],
    "properties": {
        "text": {"type": "string"},
        "intent": {"type": ["string", "null"]},
        "slots": {"type": "object"},
        "actions": {"type": "array", "items": {"$ref": "#/components/schemas/Action"}},
        "reply": {"type": "string", "description": "what the assistant says, in German"},
        "conversation_id": {"type": "string"},
        "turn_id": {"type": "string"},
    },
}


def _op(summary: str, ok: int = 200, body: dict[str, Any] | None = None,
        public: bool = False, result: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    success: dict[str, Any] = {"description": "OK"}
    if result is not None:
        success["content"] = {"application/json": {"schema": result}}
    responses: dict[str, Any] = {
        str(ok): success,
        "400": {"description": "bad input", "content": {"application/json": {"schema": _ERROR}}},
        "401": {"description": "missing or invalid token"},
        "404": {"description": "not found"},
        "429": {"description": "rate limit of the device"},
    }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if public:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": body}},
        }  # fmt: skip
    return operation


def _id(name: str = "id") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A retry with the same key and body (text, or the same WAV bytes) within "
    "a day gets the first answer (with `replayed: true`; a spoken turn's transcript too, "
    "not heard again) and acts on nothing; the same key with another body is refused "
    "with 422.",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
}  # fmt: skip
_DEADLINE = {
    "name": "X-Deadline-Ms", "in": "header", "required": False,
    "description": "How long the device waits for the answer (default 5000, clamped).",
    "schema": {"type": "integer"},
}  # fmt: skip


def _ask(body: dict[str, Any]) -> dict[str, Any]:
    operation = _op("One turn: JSON text, or a WAV recording as audio/wav", body=body,
                    result={"$ref": "#/components/schemas/Turn"})  # fmt: skip
    operation["parameters"] = [_IDEMPOTENCY_KEY, _DEADLINE]
    operation["responses"].update({
        "422": {"description": "Idempotency-Key already used with another body"},
        "503": {"description": "shed under load: Retry-After and a German apology"},
        "504": {"description": "the deadline passed before the turn could act"},
    })  # fmt: skip
    return operation


def document(version: str) -> dict[str, Any]:
    """The OpenAPI document."""
    ask_body = {
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string", "maxLength": 1000},
                       "conversation_id": {"type": "string", "maxLength": 100}},
    }  # fmt: skip
    device_body = {"type": "object", "properties": {
        "state": {"type": "string"},
        "brightness": {"type": "integer", "minimum": 0, "maximum": 100},
        "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "temperature": {"type": "number", "minimum": 5, "maximum": 30},
    }}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "hausgeist", "version": version,
                 "description": "A German-first voice assistant's API. Every call except "
                 "the public ones sends `Authorization: Bearer <device token>`."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/v1/ask": {"post": _ask(ask_body)},
            "/v1/me": {"get": _op("The caller: household, device, role")},
            "/v1/home": {"get": _op("Floors, areas, devices with state, the player")},
            "/v1/home/devices/{name}": {"patch": {**_op("Change a device", body=device_body),
                                                  "parameters": [_NAME]}},
            "/v1/player": {"post": _op("Pause, resume, next, previous or volume", body={
                "type": "object", "properties": {
                    "action": {"enum": ["pause", "resume", "next", "previous"]},
                    "volume": {"type": "integer", "minimum": 0, "maximum": 100}}})},
            "/v1/lists": {"get": _op("Lists with their items")},
            "/v1/lists/{name}/items": {"post": {**_op("Add an item", 201, body={
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string", "maxLength": 200}}}),
                "parameters": [_NAME]}},
            "/v1/lists/{name}/items/{id}": {
                "patch": {**_op("Tick an item off or on", body={
                    "type": "object", "required": ["done"],
                    "properties": {"done": {"type": "boolean"}}}),
                    "parameters": [_NAME, _id()]},
                "delete": {**_op("Remove an item", 204), "parameters": [_NAME, _id()]},
            },
            "/v1/timers": {"get": _op("Running and paused timers; alarms")},
            "/v1/timers/{id}": {"delete": {**_op("Cancel a timer", 204), "parameters": [_id()]}},
            "/v1/alarms/{id}": {"delete": {**_op("Cancel an alarm", 204), "parameters": [_id()]}},
            "/v1/orders": {"get": _op("Orders, newest first")},
            "/v1/orders/{id}/cancel": {"post": {**_op("Cancel within the cancellation window "
                                                      "(409 when it has passed)"),
                                                "parameters": [_id()]}},
            "/v1/events": {"get": _op("Server-Sent Events: device, lists, timers, orders, "
                                      "player, ring, turn")},
            "/v1/stream": {"get": _op("WebSocket: JSON control messages and 16 kHz PCM in, "
                                      "turn events out (see hausgeist/server/stream.py)")},
            "/v1/status": {"get": _op("Health, version, load and shed rate", public=True)},
            "/v1/operator/households": {
                "get": _op("Households (operator token)"),
                "post": _op("Add a household and its first device (operator token)", 201,
                            body={"type": "object", "required": ["name"],
                                  "properties": {"name": {"type": "string"},
                                                 "device": {"type": "string"}}}),
            },
            "/healthz": {"get": _op("Alive", public=True)},
            "/readyz": {"get": _op("Ready: the store answers", public=True)},
            "/metrics": {"get": _op("Prometheus metrics (operator token)")},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}}},
                "Action": {"type": "object", "properties": {
                    "target": {"type": "string"}, "kind": {"type": "string"},
                    "data": {"type": "object"}, "state": {"type": "object"}}},
                "Turn": _TURN,
            },
        },
    }  # fmt: skip
