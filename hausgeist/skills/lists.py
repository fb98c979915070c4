"""The lists skill: the shopping list and to-do lists, kept in the store."""

from __future__ import annotations

from hausgeist.home.registry import Home
from hausgeist.language.names import fold
from hausgeist.skills.base import Action, Outcome, Pending, Turn
from hausgeist.skills.german import join_words
from hausgeist.skills.responses import ha_response
from hausgeist.store.sqlite import Store

SHOPPING = "Einkaufsliste"
MAX_ITEM = 200  # characters


class ListSkill:
    """Adds, removes, completes and reads back list items."""

    name = "lists"
    intents = frozenset(
        {
            "HassShoppingListAddItem", "HassShoppingListCompleteItem", "HassListAddItem",
            "HassListRemoveItem", "HassListCompleteItem", "ListRead",
        }
    )  # fmt: skip

    def __init__(self, store: Store, home: Home) -> None:
        self.store = store
        self.home = home

    def handle(self, turn: Turn) -> Outcome:
        """Act on a list request."""
        target = self._list(turn)
        if target is None:
            names = join_words([d.name for d in self.home.devices if d.domain == "todo"]) or "keine"
            return Outcome(f"Diese Liste kenne ich nicht. Es gibt: {names}.", code="refused")
        if turn.intent == "ListRead":
            return self._read(target)
        item = str(turn.slots.get("item", "")).strip(" .,!?")
        if not item or len(item) > MAX_ITEM:
            return Outcome("Was soll auf die Liste?", code="refused")
        if turn.intent in ("HassShoppingListAddItem", "HassListAddItem"):
            return self._add(turn, target, item)
        return self._finish(turn, target, item)

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Lists ask nothing back."""
        return self.handle(turn)

    def _list(self, turn: Turn) -> str | None:
        wanted = turn.slots.get("name")
        todos = [d.name for d in self.home.devices if d.domain == "todo"]
        if turn.intent.startswith("HassShoppingList") or wanted in (None, SHOPPING):
            return next((n for n in todos if fold(n) == fold(SHOPPING)), SHOPPING)
        if wanted == "Todo":
            return next((n for n in todos if fold(n) != fold(SHOPPING)), None)
        device = self.home.device(str(wanted))
        return device.name if device is not None and device.domain == "todo" else None

    def _add(self, turn: Turn, target: str, item: str) -> Outcome:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO list_items (list, item, created_at) VALUES (?, ?, ?)",
                (target, item, turn.now.isoformat()),
            )
        action = Action(f"list:{target}", "add_item", {"item": item}, {"items": self._open(target)})
        reply = ha_response(turn.intent, "item_added", slots={"item": item})
        return Outcome(reply or f"{item} steht auf der {target}.", (action,))

    def _finish(self, turn: Turn, target: str, item: str) -> Outcome:
        rows = [r for r in self._rows(target) if fold(str(r["item"])) == fold(item)]
        if not rows:
            return Outcome(f"{item} steht nicht auf der {target}.", code="refused")
        remove = turn.intent == "HassListRemoveItem"
        with self.store.transaction() as db:
            if remove:
                db.execute("DELETE FROM list_items WHERE id = ?", (rows[0]["id"],))
            else:
                db.execute("UPDATE list_items SET done = 1 WHERE id = ?", (rows[0]["id"],))
        kind = "remove_item" if remove else "complete_item"
        action = Action(f"list:{target}", kind, {"item": item}, {"items": self._open(target)})
        key = "item_removed" if remove else "item_completed"
        reply = ha_response(turn.intent, key, slots={"item": item})
        done = "entfernt" if remove else "abgehakt"
        return Outcome(reply or f"{item} {done}.", (action,))

    def _read(self, target: str) -> Outcome:
        items = self._open(target)
        if not items:
            return Outcome(f"Die {target} ist leer.")
        return Outcome(f"Auf der {target} steht: {join_words(items)}.")

    def _rows(self, target: str) -> list[dict[str, object]]:
        rows = self.store.query(
            "SELECT id, item FROM list_items WHERE list = ? AND done = 0 ORDER BY id", (target,)
        )
        return [dict(row) for row in rows]

    def _open(self, target: str) -> list[str]:
        return [str(row["item"]) for row in self._rows(target)]
