"""The orders skill: nothing is bought without a clear "ja", nothing twice, nothing past a limit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hausgeist.skills.base import Outcome, Pending, Turn
from hausgeist.skills.catalog import Catalog, CatalogError, euros, key
from hausgeist.skills.orders import InvalidVoiceCode, OrderSkill
from hausgeist.store.sqlite import Store
from tests.fakes import START, FakeClock


@pytest.fixture
def skill(store: Store, clock: FakeClock) -> OrderSkill:
    return OrderSkill(store, clock)


def turn(clock: FakeClock, intent: str, text: str = "", **slots: Any) -> Turn:
    return Turn(intent, slots, text, clock(), "küche-1")


def ask(skill: OrderSkill, clock: FakeClock, product: str, quantity: int | None = None) -> Pending:
    """Start an order and return its confirmation question."""
    slots: dict[str, Any] = {"product": product}
    if quantity is not None:
        slots["quantity"] = quantity
    outcome = skill.handle(turn(clock, "OrderProduct", **slots))
    assert outcome.pending is not None, outcome.reply
    assert outcome.pending.kind == "confirm"
    return outcome.pending


def order(skill: OrderSkill, clock: FakeClock, product: str, quantity: int = 1) -> Outcome:
    """Order and say "ja" right away."""
    return skill.resume(ask(skill, clock, product, quantity), turn(clock, "Affirm", "ja"))


def orders(store: Store) -> list[tuple[str, int, str]]:
    rows = store.query("SELECT product_id, quantity, status FROM orders ORDER BY id")
    return [(row["product_id"], row["quantity"], row["status"]) for row in rows]


def stock(store: Store, product_id: str) -> int | None:
    rows = store.query("SELECT stock FROM order_stock WHERE product_id = ?", (product_id,))
    return int(rows[0]["stock"]) if rows else None


def test_the_catalog_has_everyday_products_with_prices_and_stock() -> None:
    catalog = Catalog.load()
    assert len(catalog.products) >= 25
    assert all(p.price_cents > 0 and p.stock > 0 and p.unit for p in catalog.products)
    assert [p.id for p in catalog.match("Kaffeebohnen")] == ["kaffeebohnen"]


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("Batterien", ["batterien-aa"]),
        ("Batterie", ["batterien-aa"]),
        ("AA Batterien", ["batterien-aa"]),
        ("AAA-Batterien", ["batterien-aaa"]),
        ("Liter Milch", ["milch"]),
        ("Hafermilch", ["haferdrink"]),
        ("die Müllbeutel", ["muellbeutel"]),
        ("Klopapier", ["toilettenpapier"]),
        ("Glühbirnen E27", ["gluehbirne-e27"]),
        ("Glühbirne", ["gluehbirne-e27", "gluehbirne-e14"]),
        ("Fernseher", []),
        ("Milchschokolade", []),
    ],
)
def test_a_spoken_name_matches_names_and_synonyms_but_nothing_else(
    spoken: str, expected: list[str]
) -> None:
    assert [p.id for p in Catalog.load().match(spoken)] == expected


def test_a_household_catalog_replaces_the_default(
    tmp_path: Path, store: Store, clock: FakeClock
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "products:\n  - {id: tee, name: Grüner Tee, synonyms: [Tee], price_cents: 300,"
        " unit: Packung, stock: 2}\n",
        encoding="utf-8",
    )
    skill = OrderSkill(store, clock, catalog_path=path)
    assert ask(skill, clock, "Tee", 2).data["total_cents"] == 600
    assert skill.handle(turn(clock, "OrderProduct", product="Milch")).code == "nothing"
    path.write_text("products: nope\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        OrderSkill(store, clock, catalog_path=path)


def test_prices_read_the_german_way() -> None:
    assert euros(1198) == "11,98 €"
    assert euros(5) == "0,05 €"
    assert euros(123456) == "1.234,56 €"
    assert key("zwei Packungen Batterien") == ("zwei", "batteri")


def test_an_order_asks_for_confirmation_with_count_product_and_price(
    skill: OrderSkill, clock: FakeClock
) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Batterien", quantity=2))
    assert outcome.reply == "Soll ich 2 × Batterien AA (8er-Pack) für 11,98 € bestellen?"
    assert outcome.code == "asked"
    assert outcome.pending is not None
    assert outcome.pending.skill == "orders"
    assert outcome.pending.expires_at == START + timedelta(seconds=30)
    assert outcome.pending.data["quantity"] == 2
    assert len(outcome.pending.data["key"]) == 36


def test_nothing_is_bought_without_an_affirm(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    pending = ask(skill, clock, "Kaffeebohnen")
    assert orders(store) == []
    outcome = skill.resume(pending, turn(clock, "HassTurnOn", "mach das Licht an", name="Licht"))
    assert outcome.reply == "Bitte antworte mit Ja oder Nein."
    assert outcome.pending is not None
    assert outcome.pending.kind == "confirm"
    assert outcome.pending.data == pending.data
    assert orders(store) == []
    placed = skill.resume(outcome.pending, turn(clock, "Affirm", "ja"))
    assert placed.reply == "Erledigt: 1 × Kaffeebohnen 1 kg für 13,99 € ist bestellt."
    assert orders(store) == [("kaffeebohnen", 1, "placed")]
    (action,) = placed.actions
    assert action.kind == "place_order"
    assert action.target.startswith("order:")
    assert action.data == {"product": "Kaffeebohnen 1 kg", "quantity": 1, "total_cents": 1399}
    assert action.state == {"status": "placed"}


@pytest.mark.parametrize("answer", ["Deny", "HassNevermind"])
def test_deny_buys_nothing(skill: OrderSkill, clock: FakeClock, store: Store, answer: str) -> None:
    pending = ask(skill, clock, "Milch", 3)
    outcome = skill.resume(pending, turn(clock, answer, "nein"))
    assert outcome.reply == "Okay, ich bestelle nichts."
    assert outcome.pending is None
    assert outcome.actions == ()
    assert orders(store) == []


def test_a_repeated_confirmation_orders_once(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    pending = ask(skill, clock, "Batterien", 2)
    first = skill.resume(pending, turn(clock, "Affirm", "ja"))
    second = skill.resume(pending, turn(clock, "Affirm", "ja"))
    again = OrderSkill(store, clock).resume(pending, turn(clock, "Affirm", "ja"))
    assert len(first.actions) == 1
    assert second.reply == again.reply == "Das ist schon bestellt: 2 × Batterien AA (8er-Pack)."
    assert second.actions == again.actions == ()
    assert orders(store) == [("batterien-aa", 2, "placed")]
    assert stock(store, "batterien-aa") == 40 - 2


def test_two_confirmed_orders_are_two_orders(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    order(skill, clock, "Batterien")
    order(skill, clock, "Batterien")
    assert orders(store) == [("batterien-aa", 1, "placed")] * 2
    assert stock(store, "batterien-aa") == 38


def test_unknown_product_names_what_exists_and_does_nothing(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Fernseher"))
    assert outcome.reply == (
        "Ich kenne kein Produkt „Fernseher“. "
        "Ich kann zum Beispiel Batterien, Kaffeebohnen oder Milch bestellen."
    )
    assert outcome.pending is None
    assert orders(store) == []


def test_several_matches_ask_which_one(skill: OrderSkill, clock: FakeClock, store: Store) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Glühbirnen", quantity=2))
    assert (
        outcome.reply
        == "Welches meinst du: Glühbirne E27 LED (60 W) oder Glühbirne E14 LED (40 W)?"
    )
    assert outcome.pending is not None
    unclear = skill.resume(outcome.pending, turn(clock, "", "die große"))
    assert unclear.pending is not None
    assert unclear.reply.startswith("Bitte sag, welches du meinst")
    chosen = skill.resume(unclear.pending, turn(clock, "", "die E14"))
    assert chosen.reply == "Soll ich 2 × Glühbirne E14 LED (40 W) für 8,98 € bestellen?"
    assert orders(store) == []


@pytest.mark.parametrize("quantity", [0, -1, 50])
def test_quantity_zero_negative_or_fifty_is_refused(
    skill: OrderSkill, clock: FakeClock, store: Store, quantity: int
) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Batterien", quantity=quantity))
    assert (
        outcome.reply
        == f"Ich bestelle 1 bis 20 Stück auf einmal, nicht {quantity}. Ich bestelle nichts."
    )
    assert outcome.code == "refused"
    assert outcome.pending is None
    assert orders(store) == []


def test_null_in_the_product_words_is_a_quantity_of_zero(
    skill: OrderSkill, clock: FakeClock
) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="null Milch"))
    assert outcome.code == "refused"
    assert "nicht 0" in outcome.reply


def test_not_enough_stock_says_so(skill: OrderSkill, clock: FakeClock, store: Store) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Katzenfutter", quantity=16))
    assert (
        outcome.reply == "Von Katzenfutter (12 × 100 g) sind nur noch 15 da. Ich bestelle nichts."
    )
    assert outcome.pending is None
    order(skill, clock, "Katzenfutter", 15)
    empty = skill.handle(turn(clock, "OrderProduct", product="Katzenfutter"))
    assert empty.reply == "Katzenfutter (12 × 100 g) ist gerade nicht vorrätig."
    assert orders(store) == [("katzenfutter", 15, "placed")]


def test_the_voice_code_is_stored_hashed_never_in_clear(
    skill: OrderSkill, store: Store, clock: FakeClock
) -> None:
    skill.set_voice_code("4711")
    (row,) = store.query("SELECT value FROM settings WHERE key = 'orders.voice_code'")
    assert "4711" not in row["value"]
    assert {"salt", "hash", "n", "r", "p"} <= set(json.loads(row["value"]))
    skill.set_voice_code("4711")
    (again,) = store.query("SELECT value FROM settings WHERE key = 'orders.voice_code'")
    assert again["value"] != row["value"]  # a fresh salt each time
    with pytest.raises(InvalidVoiceCode):
        skill.set_voice_code("47")


def test_with_a_voice_code_only_the_right_code_places_the_order(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    skill.set_voice_code("4711")
    asked = order(skill, clock, "Milch")
    assert asked.reply == "Bitte sag deinen Sprachcode."
    assert asked.pending is not None
    assert asked.pending.kind == "code"
    assert orders(store) == []
    wrong = skill.resume(
        asked.pending, turn(clock, "VoiceCode", "eins zwei drei vier", code="1234")
    )
    assert wrong.reply == "Der Code stimmt nicht. Bitte sag deinen Sprachcode."
    assert wrong.pending is not None
    assert orders(store) == []
    right = skill.resume(wrong.pending, turn(clock, "VoiceCode", code="4711"))
    assert right.reply.startswith("Erledigt: 1 × Vollmilch 1 l")
    assert orders(store) == [("milch", 1, "placed")]
    skill.clear_voice_code()
    assert order(skill, clock, "Milch").reply.startswith("Erledigt")


def test_three_wrong_codes_lock_orders_for_ten_minutes_also_for_a_new_skill(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    skill.set_voice_code("4711")
    pending = order(skill, clock, "Milch").pending
    replies = []
    for _ in range(3):
        assert pending is not None
        outcome = skill.resume(pending, turn(clock, "VoiceCode", code="0000"))
        replies.append(outcome.reply)
        pending = outcome.pending
    assert replies[-1] == "Der Code stimmt nicht. Bestellungen sind für 10 Minuten gesperrt."
    assert pending is None
    fresh = OrderSkill(store, clock)
    assert fresh.locked_until() == START + timedelta(minutes=10)
    clock.advance(minutes=9)
    locked = fresh.handle(turn(clock, "OrderProduct", product="Milch"))
    assert locked.reply == "Bestellungen sind nach falschen Sprachcodes bis 9:40 Uhr gesperrt."
    assert locked.pending is None
    clock.advance(minutes=1, seconds=1)
    assert fresh.locked_until() is None
    assert order(fresh, clock, "Milch").reply == "Bitte sag deinen Sprachcode."
    assert orders(store) == []


def test_a_code_said_while_locked_places_nothing(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    skill.set_voice_code("4711")
    first = order(skill, clock, "Milch").pending
    second = order(skill, clock, "Butter").pending
    assert first is not None and second is not None
    for _ in range(3):
        assert first is not None
        first = skill.resume(first, turn(clock, "VoiceCode", code="9999")).pending
    outcome = skill.resume(second, turn(clock, "VoiceCode", code="4711"))
    assert outcome.code == "refused"
    assert orders(store) == []


def test_an_order_above_the_per_order_limit_is_refused(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    outcome = skill.handle(turn(clock, "OrderProduct", product="Kaffeebohnen", quantity=8))
    assert outcome.reply == (
        "Das wären 111,92 €, mehr als die Grenze von 100,00 € pro Bestellung. Ich bestelle nichts."
    )
    assert outcome.pending is None
    assert orders(store) == []


def test_orders_above_the_per_day_limit_are_refused_until_the_next_day(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    order(skill, clock, "Kaffeebohnen", 7)
    order(skill, clock, "Kaffeebohnen", 7)
    refused = skill.handle(turn(clock, "OrderProduct", product="Kaffeebohnen", quantity=1))
    assert refused.reply == (
        "Das wären heute zusammen 209,85 €, mehr als die Tagesgrenze von 200,00 €. "
        "Ich bestelle nichts."
    )
    clock.advance(days=1)
    assert order(skill, clock, "Kaffeebohnen").reply.startswith("Erledigt")
    assert len(orders(store)) == 3


def test_the_day_limit_is_checked_again_when_the_order_is_confirmed(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    first = ask(skill, clock, "Kaffeebohnen", 7)
    second = ask(skill, clock, "Kaffeebohnen", 7)
    third = ask(skill, clock, "Kaffeebohnen", 1)
    for pending in (first, second):
        skill.resume(pending, turn(clock, "Affirm"))
    outcome = skill.resume(third, turn(clock, "Affirm"))
    assert outcome.code == "refused"
    assert "Tagesgrenze von 200,00 €" in outcome.reply
    assert len(orders(store)) == 2


def test_status_tells_the_latest_order(skill: OrderSkill, clock: FakeClock) -> None:
    none = skill.handle(turn(clock, "OrderStatus"))
    assert none.reply == "Du hast keine offenen Bestellungen."
    order(skill, clock, "Kaffeebohnen")
    order(skill, clock, "Batterien", 2)
    clock.advance(hours=2)
    outcome = skill.handle(turn(clock, "OrderStatus"))
    assert outcome.reply == (
        "Deine letzte Bestellung: 2 × Batterien AA (8er-Pack), bestellt heute um 9:30 Uhr, "
        "Status: bestellt. Dazu 1 weitere offene Bestellung."
    )
    clock.advance(days=1)
    assert "bestellt gestern um 9:30 Uhr" in skill.handle(turn(clock, "OrderStatus")).reply


def test_cancel_within_the_window_restores_stock_after_it_is_refused(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    order(skill, clock, "Batterien", 3)
    clock.advance(minutes=20)
    order(skill, clock, "Kaffeebohnen", 2)
    assert stock(store, "batterien-aa") == 37
    clock.advance(minutes=5)
    outcome = skill.handle(turn(clock, "OrderCancel", product="Batterien"))
    assert outcome.reply == "Storniert: 3 × Batterien AA (8er-Pack)."
    (action,) = outcome.actions
    assert action.kind == "cancel_order"
    assert action.data == {"product": "Batterien AA (8er-Pack)", "quantity": 3, "total_cents": 1797}
    assert action.state == {"status": "cancelled"}
    assert stock(store, "batterien-aa") == 40
    assert orders(store) == [("batterien-aa", 3, "cancelled"), ("kaffeebohnen", 2, "placed")]
    status = skill.handle(turn(clock, "OrderStatus")).reply
    assert status.startswith("Deine letzte Bestellung: 2 × Kaffeebohnen 1 kg")
    clock.advance(minutes=31)
    late = skill.handle(turn(clock, "OrderCancel"))
    assert late.reply == "Diese Bestellung kann nicht mehr storniert werden."
    assert late.actions == ()
    assert stock(store, "kaffeebohnen") == 23
    assert orders(store)[1] == ("kaffeebohnen", 2, "placed")


def test_cancel_without_a_matching_order_does_nothing(skill: OrderSkill, clock: FakeClock) -> None:
    assert skill.handle(turn(clock, "OrderCancel")).reply == "Du hast keine offene Bestellung."
    order(skill, clock, "Milch")
    outcome = skill.handle(turn(clock, "OrderCancel", product="Batterien"))
    assert outcome.reply == "Ich finde keine offene Bestellung von „Batterien“."
    assert outcome.actions == ()


def test_an_expired_confirmation_does_nothing(
    skill: OrderSkill, clock: FakeClock, store: Store
) -> None:
    pending = ask(skill, clock, "Batterien", 2)
    clock.advance(seconds=31)
    outcome = skill.resume(pending, turn(clock, "Affirm", "ja"))
    assert outcome.code == "nothing"
    assert outcome.pending is None
    assert "abgelaufen" in outcome.reply
    assert orders(store) == []
    assert stock(store, "batterien-aa") is None
