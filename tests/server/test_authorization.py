"""Household A's token never reaches household B's home, lists, timers or orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.server.conftest import RunningServer


@pytest.fixture(scope="module")
def households(server: RunningServer) -> dict[str, Any]:
    """Household B with a list item, a timer, an order and its own device; A is the demo."""
    registry = server.registry()
    b = registry.add_household("Nachbarn")
    b_token = registry.add_device("Küchenradio", b)
    operator = registry.add_device("Betrieb", None, role="operator")
    with server.client(b_token) as client:
        item = client.post("/v1/lists/Einkaufsliste/items", json={"text": "Geheimzutat"}).json()
        client.post("/v1/ask", json={"text": "Stell einen Timer auf 20 Minuten"})
        order = client.post("/v1/ask", json={"text": "Bestelle Milch"}).json()
        client.post("/v1/ask", json={"text": "ja", "conversation_id": order["conversation_id"]})
        timers = client.get("/v1/timers").json()["timers"]
        orders = client.get("/v1/orders").json()["orders"]
    return {"a": server.token, "b": b_token, "operator": operator, "item": item,
            "timer": timers[0], "order": orders[0], "b_state": _state(server, b_token)}  # fmt: skip


def _state(server: RunningServer, token: str) -> dict[str, Any]:
    """What a household has; timers without their countdown, which moves on by itself."""
    with server.client(token) as client:
        found = {path: client.get(path).json()
                 for path in ("/v1/home", "/v1/lists", "/v1/timers", "/v1/orders")}  # fmt: skip
    for timer in found["/v1/timers"]["timers"]:
        del timer["remaining"], timer["ends_at"]
    return found


def test_each_household_sees_only_its_own_data(
    server: RunningServer, households: dict[str, Any]
) -> None:
    a_state = _state(server, households["a"])
    text = str(a_state)
    assert "Geheimzutat" not in text and "Milch" not in str(a_state["/v1/orders"])
    with server.client(households["b"]) as client:
        assert client.get("/v1/me").json()["household"]["name"] == "Nachbarn"


def test_household_a_cannot_touch_any_resource_of_household_b(
    server: RunningServer, households: dict[str, Any]
) -> None:
    item, timer, order = households["item"], households["timer"], households["order"]
    # Ids are per household: where A happens to have the same id, it reaches its own row.
    # So A first makes sure it has no rows with these ids, then tries B's ids.
    attempts = [
        ("PATCH", f"/v1/lists/Einkaufsliste/items/{item['id']}", {"done": True}),
        ("DELETE", f"/v1/lists/Einkaufsliste/items/{item['id']}", None),
        ("DELETE", f"/v1/timers/{timer['id']}", None),
        ("POST", f"/v1/orders/{order['id']}/cancel", None),
    ]
    with server.client(households["a"]) as client:
        own = _state(server, households["a"])
        assert all(i["id"] != item["id"] for lst in own["/v1/lists"]["lists"] for i in lst["items"])
        assert all(t["id"] != timer["id"] for t in own["/v1/timers"]["timers"])
        assert all(o["id"] != order["id"] for o in own["/v1/orders"]["orders"])
        for method, path, body in attempts:
            answer = client.request(method, path, json=body)
            assert answer.status_code in (403, 404), (method, path, answer.status_code)
    assert _state(server, households["b"]) == households["b_state"]


def test_operator_endpoints_need_an_operator_token(
    server: RunningServer, households: dict[str, Any]
) -> None:
    for token in (households["a"], households["b"]):
        with server.client(token) as client:
            assert client.get("/v1/operator/households").status_code == 403
            created = client.post("/v1/operator/households", json={"name": "Fremde"})
            assert created.status_code == 403
    with server.client(households["operator"]) as client:
        names = [h["name"] for h in client.get("/v1/operator/households").json()["households"]]
        assert names[:2] == ["Zuhause", "Nachbarn"]
        # An operator speaks for no household.
        assert client.get("/v1/home").status_code == 403
        made = client.post("/v1/operator/households", json={"name": "Familie Weber"})
        assert made.status_code == 201
    with server.client(made.json()["device_token"]) as client:
        assert client.get("/v1/me").json()["household"]["name"] == "Familie Weber"


def test_a_revoked_token_stops_working(server: RunningServer) -> None:
    registry = server.registry()
    token = registry.add_device("Altgerät", registry.default_household())
    principal = registry.authenticate(token)
    assert principal is not None
    assert httpx.get(f"{server.url}/v1/me", headers={"authorization": f"Bearer {token}"}).is_success
    registry.revoke(principal.device_id)
    answer = httpx.get(f"{server.url}/v1/me", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 401
