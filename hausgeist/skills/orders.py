"""The orders skill: buy from the catalog only after a clear "ja" (and the voice code, if set).

An order goes draft -> confirmation -> (voice code) -> placed. The draft travels in the
pending question with a fresh idempotency key; placing inserts the order under that key, so
the same confirmation delivered twice orders once. Limits, stock and the wrong-code lock are
checked again inside the placing transaction, because time passes between asking and "ja".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from hausgeist.skills.base import Action, Clock, Outcome, Pending, Turn, ask_back
from hausgeist.skills.catalog import DEFAULT_CATALOG, Catalog, Product, either, euros
from hausgeist.store.sqlite import Store

NAME = "orders"
MAX_QUANTITY = 20
WRONG_CODES_BEFORE_LOCK = 3
LOCK_FOR = timedelta(minutes=10)
# scrypt cost: about 16 MiB and a few dozen milliseconds per check, fine for one household.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_CODE = re.compile(r"\d{4}")
_CODE_KEY = "orders.voice_code"
_LOCK_KEY = "orders.code_lock"
_STOP = frozenset({"Deny", "HassNevermind"})
_ACTION_COLUMNS = {"product": "product_name", "quantity": "quantity", "total_cents": "total_cents"}
_STATUS = {"placed": "bestellt", "cancelled": "storniert", "delivered": "geliefert"}

NOTHING = "Okay, ich bestelle nichts."
ASK_CODE = "Bitte sag deinen Sprachcode."
YES_OR_NO = "Bitte antworte mit Ja oder Nein."
EXPIRED = "Die Frage ist abgelaufen, ich bestelle nichts. Sag es bitte noch einmal."
EXAMPLES = "Ich kann zum Beispiel Batterien, Kaffeebohnen oder Milch bestellen."


class InvalidVoiceCode(ValueError):
    """A voice code must be exactly four digits."""

    code = "voice_code_invalid"


@dataclass(frozen=True)
class Draft:
    """An order the household has not confirmed yet; JSON in the pending question."""

    product_id: str
    name: str
    quantity: int
    price_cents: int
    total_cents: int
    key: str  # the idempotency key of this one confirmation

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        """The draft stored in a pending question."""
        return cls(**{field.name: data[field.name] for field in fields(cls)})

    @property
    def action_data(self) -> dict[str, Any]:
        """The `data` of the order's action."""
        return {"product": self.name, "quantity": self.quantity, "total_cents": self.total_cents}

    @property
    def label(self) -> str:
        """How the reply names it: "2 × Batterien AA (8er-Pack)"."""
        return f"{self.quantity} × {self.name}"


class OrderSkill:
    """Orders products from the catalog, their status and their cancellation."""

    name = NAME
    intents = frozenset({"OrderProduct", "OrderStatus", "OrderCancel"})

    def __init__(
        self,
        store: Store,
        clock: Clock,
        catalog_path: Path | None = None,
        per_order_limit_cents: int = 10000,
        per_day_limit_cents: int = 20000,
        cancel_window: timedelta = timedelta(minutes=30),
    ) -> None:
        self._store = store
        self._clock = clock
        self._catalog = Catalog.load(catalog_path or DEFAULT_CATALOG)
        self._per_order = per_order_limit_cents
        self._per_day = per_day_limit_cents
        self._cancel_window = cancel_window

    def handle(self, turn: Turn) -> Outcome:
        """Start an order, tell the status or cancel an order."""
        if turn.intent == "OrderProduct":
            return self._order(turn)
        if turn.intent == "OrderStatus":
            return self._status(turn)
        if turn.intent == "OrderCancel":
            return self._cancel(turn)
        return Outcome("Das kann ich hier nicht.", code="nothing")

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Go on with an order after the household's answer."""
        if pending.skill != NAME or pending.expires_at < turn.now:
            return Outcome(EXPIRED, code="nothing")
        if turn.intent in _STOP:
            return Outcome(NOTHING, code="nothing")
        if pending.kind == "question":
            return self._choose(pending, turn)
        locked = self._lock_reply(turn.now)
        if locked:
            return locked
        draft = Draft.from_json(pending.data)
        if pending.kind == "code":
            return self._check_code(draft, turn)
        return self._confirm(draft, turn)

    # The voice code.

    def set_voice_code(self, code: str) -> None:
        """Require this four-digit code before any order; only a salted hash is stored."""
        if not _CODE.fullmatch(code):
            raise InvalidVoiceCode("Der Sprachcode muss aus vier Ziffern bestehen.")
        salt = os.urandom(16)
        record = {
            "salt": salt.hex(),
            "hash": _hash(code, salt, _SCRYPT).hex(),
            **_SCRYPT,
            "set_at": self._clock().isoformat(),
        }
        self._put(_CODE_KEY, record)

    def clear_voice_code(self) -> None:
        """Order without a voice code again."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM settings WHERE key = ?", (_CODE_KEY,))

    def locked_until(self) -> datetime | None:
        """Until when wrong voice codes have locked orders, or None."""
        return self._locked_until(self._clock())

    # Ordering.

    def _order(self, turn: Turn) -> Outcome:
        locked = self._lock_reply(turn.now)
        if locked:
            return locked
        spoken = str(turn.slots.get("product") or "").strip()
        quantity = _quantity(turn.slots.get("quantity", 1))
        if spoken.lower().startswith("null "):  # "bestelle null Milch": the grammar counts from 1
            quantity, spoken = 0, spoken[5:].strip()
        matches = self._catalog.match(spoken)
        if not matches:
            unknown = (
                f"Ich kenne kein Produkt „{spoken}“. " if spoken else "Was soll ich bestellen? "
            )
            return Outcome(unknown + EXAMPLES, code="nothing")
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            said = "" if quantity is None else f", nicht {quantity}"
            reply = (
                f"Ich bestelle 1 bis {MAX_QUANTITY} Stück auf einmal{said}. Ich bestelle nichts."
            )
            return Outcome(reply, code="refused")
        if len(matches) > 1:
            data = {"candidates": [p.id for p in matches], "quantity": quantity}
            reply = f"Welches meinst du: {either(matches)}?"
            return ask_back(NAME, "question", data, reply, turn.now)
        return self._draft(matches[0], quantity, turn)

    def _choose(self, pending: Pending, turn: Turn) -> Outcome:
        ids = [str(i) for i in pending.data["candidates"]]
        products = [p for p in map(self._catalog.get, ids) if p is not None]
        chosen = self._catalog.match(str(turn.slots.get("product") or turn.text), products)
        if len(chosen) != 1:
            reply = f"Bitte sag, welches du meinst: {either(products)}."
            return ask_back(NAME, "question", pending.data, reply, turn.now)
        return self._draft(chosen[0], int(pending.data["quantity"]), turn)

    def _draft(self, product: Product, quantity: int, turn: Turn) -> Outcome:
        total = product.price_cents * quantity
        refusal = self._stock_problem(product, quantity) or self._limit_problem(total, turn.now)
        if refusal:
            return Outcome(refusal, code="refused")
        draft = Draft(product.id, product.name, quantity, product.price_cents, total, str(uuid4()))
        reply = f"Soll ich {draft.label} für {euros(total)} bestellen?"
        return ask_back(NAME, "confirm", asdict(draft), reply, turn.now)

    def _confirm(self, draft: Draft, turn: Turn) -> Outcome:
        if turn.intent != "Affirm":
            return ask_back(NAME, "confirm", asdict(draft), YES_OR_NO, turn.now)
        if self._order_id(draft.key) is None and self._get(_CODE_KEY) is not None:
            return ask_back(NAME, "code", asdict(draft), ASK_CODE, turn.now)
        return self._place(draft, turn)

    def _check_code(self, draft: Draft, turn: Turn) -> Outcome:
        if turn.intent != "VoiceCode":
            reply = "Bitte sag deinen vierstelligen Sprachcode."
            return ask_back(NAME, "code", asdict(draft), reply, turn.now)
        if self._code_matches(str(turn.slots.get("code", ""))):
            self._put(_LOCK_KEY, {"failures": 0, "locked_until": None})
            return self._place(draft, turn)
        if self._count_wrong_code(turn.now):
            minutes = int(LOCK_FOR.total_seconds()) // 60
            reply = f"Der Code stimmt nicht. Bestellungen sind für {minutes} Minuten gesperrt."
            return Outcome(reply, code="refused")
        return ask_back(NAME, "code", asdict(draft), "Der Code stimmt nicht. " + ASK_CODE, turn.now)

    def _place(self, draft: Draft, turn: Turn) -> Outcome:
        product = self._catalog.get(draft.product_id)
        if product is None:
            return Outcome(f"{draft.name} kann ich nicht mehr bestellen.", code="failed")
        already = Outcome(f"Das ist schon bestellt: {draft.label}.", code="done")
        now = turn.now.isoformat()
        with self._store.transaction() as db:
            if self._order_id(draft.key) is not None:
                return already
            db.execute(
                "INSERT OR IGNORE INTO order_stock (product_id, stock) VALUES (?, ?)",
                (product.id, product.stock),
            )
            refusal = self._stock_problem(product, draft.quantity) or self._limit_problem(
                draft.total_cents, turn.now
            )
            if refusal:
                return Outcome(refusal, code="refused")
            cursor = db.execute(
                "INSERT INTO orders (idempotency_key, product_id, product_name, quantity,"
                " unit_price_cents, total_cents, status, conversation_id, created_at, updated_at)"
                " VALUES (:key, :product_id, :name, :quantity, :price_cents, :total_cents,"
                " 'placed', :conversation_id, :now, :now) ON CONFLICT (idempotency_key) DO NOTHING",
                {**asdict(draft), "conversation_id": turn.conversation_id, "now": now},
            )
            if cursor.rowcount != 1:
                return already
            db.execute(
                "UPDATE order_stock SET stock = stock - ? WHERE product_id = ?",
                (draft.quantity, product.id),
            )
            order_id = cursor.lastrowid
        action = Action(f"order:{order_id}", "place_order", draft.action_data, {"status": "placed"})
        reply = f"Erledigt: {draft.label} für {euros(draft.total_cents)} ist bestellt."
        return Outcome(reply, (action,))

    # Status and cancellation.

    def _status(self, turn: Turn) -> Outcome:
        latest = self._store.query("SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT 1")
        if not latest:
            return Outcome("Du hast keine offenen Bestellungen.")
        row = latest[0]
        when = _when(datetime.fromisoformat(row["created_at"]), turn.now)
        status = _STATUS.get(row["status"], row["status"])
        reply = (
            f"Deine letzte Bestellung: {row['quantity']} × {row['product_name']},"
            f" bestellt {when}, Status: {status}."
        )
        others = self._store.query(
            "SELECT COUNT(*) AS n FROM orders WHERE status = 'placed' AND id != ?", (row["id"],)
        )[0]["n"]
        if others:
            reply += f" Dazu {others} weitere offene Bestellung{'en' if others > 1 else ''}."
        return Outcome(reply)

    def _cancel(self, turn: Turn) -> Outcome:
        spoken = str(turn.slots.get("product") or "").strip()
        rows = self._store.query(
            "SELECT * FROM orders WHERE status = 'placed' ORDER BY created_at DESC, id DESC"
        )
        if spoken:
            wanted = {p.id for p in self._catalog.match(spoken)}
            rows = [row for row in rows if row["product_id"] in wanted]
        if not rows:
            reply = f"Ich finde keine offene Bestellung von „{spoken}“." if spoken else ""
            return Outcome(reply or "Du hast keine offene Bestellung.", code="nothing")
        return self.cancel(int(rows[0]["id"]), turn.now)

    def cancel(self, order_id: int, now: datetime) -> Outcome:
        """Cancel a placed order within the cancellation window; its stock goes back."""
        rows = self._store.query("SELECT * FROM orders WHERE id = ?", (order_id,))
        if not rows or rows[0]["status"] != "placed":
            return Outcome("Diese Bestellung ist nicht offen.", code="nothing")
        row = rows[0]
        if not self.cancellable(row["created_at"], now):
            return Outcome("Diese Bestellung kann nicht mehr storniert werden.", code="refused")
        with self._store.transaction() as db:
            cursor = db.execute(
                "UPDATE orders SET status = 'cancelled', updated_at = ?"
                " WHERE id = ? AND status = 'placed'",
                (now.isoformat(), row["id"]),
            )
            if cursor.rowcount == 1:
                db.execute(
                    "UPDATE order_stock SET stock = stock + ? WHERE product_id = ?",
                    (row["quantity"], row["product_id"]),
                )
        label = f"{row['quantity']} × {row['product_name']}"
        data = {key: row[column] for key, column in _ACTION_COLUMNS.items()}
        action = Action(f"order:{row['id']}", "cancel_order", data, {"status": "cancelled"})
        return Outcome(f"Storniert: {label}.", (action,))

    def cancellable(self, created_at: str, now: datetime) -> bool:
        """Whether an order placed at `created_at` (ISO 8601) is still in its window."""
        return datetime.fromisoformat(created_at) + self._cancel_window >= now

    # Checks shared by asking and placing.

    def _stock_problem(self, product: Product, quantity: int) -> str | None:
        rows = self._store.query(
            "SELECT stock FROM order_stock WHERE product_id = ?", (product.id,)
        )
        have = int(rows[0]["stock"]) if rows else product.stock
        if have == 0:
            return f"{product.name} ist gerade nicht vorrätig."
        if have < quantity:
            return f"Von {product.name} sind nur noch {have} da. Ich bestelle nichts."
        return None

    def _limit_problem(self, total: int, now: datetime) -> str | None:
        if total > self._per_order:
            return (
                f"Das wären {euros(total)}, mehr als die Grenze von {euros(self._per_order)}"
                " pro Bestellung. Ich bestelle nichts."
            )
        start = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        spent = self._store.query(
            "SELECT COALESCE(SUM(total_cents), 0) AS spent FROM orders"
            " WHERE status != 'cancelled' AND created_at >= ? AND created_at < ?",
            (start.isoformat(), (start + timedelta(days=1)).isoformat()),
        )[0]["spent"]
        if spent + total > self._per_day:
            return (
                f"Das wären heute zusammen {euros(spent + total)}, mehr als die Tagesgrenze"
                f" von {euros(self._per_day)}. Ich bestelle nichts."
            )
        return None

    def _order_id(self, key: str) -> int | None:
        rows = self._store.query("SELECT id FROM orders WHERE idempotency_key = ?", (key,))
        return int(rows[0]["id"]) if rows else None

    def _code_matches(self, code: str) -> bool:
        record = self._get(_CODE_KEY)
        if record is None:
            return True  # the code was cleared while we asked for it
        cost = {name: int(record[name]) for name in _SCRYPT}
        digest = _hash(code, bytes.fromhex(record["salt"]), cost)
        return hmac.compare_digest(digest, bytes.fromhex(record["hash"]))

    def _count_wrong_code(self, now: datetime) -> bool:
        """Count one wrong code; True when it locks orders."""
        failures = int((self._get(_LOCK_KEY) or {}).get("failures", 0)) + 1
        if failures >= WRONG_CODES_BEFORE_LOCK:
            self._put(_LOCK_KEY, {"failures": 0, "locked_until": (now + LOCK_FOR).isoformat()})
            return True
        self._put(_LOCK_KEY, {"failures": failures, "locked_until": None})
        return False

    def _locked_until(self, now: datetime) -> datetime | None:
        until = (self._get(_LOCK_KEY) or {}).get("locked_until")
        if until is None:
            return None
        moment = datetime.fromisoformat(until)
        return moment if moment > now else None

    def _lock_reply(self, now: datetime) -> Outcome | None:
        until = self._locked_until(now)
        if until is None:
            return None
        reply = f"Bestellungen sind nach falschen Sprachcodes bis {_clock_time(until)} gesperrt."
        return Outcome(reply, code="refused")

    def _get(self, key: str) -> Any:
        rows = self._store.query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else None

    def _put(self, key: str, value: Any) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )


def _hash(code: str, salt: bytes, cost: dict[str, int]) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=cost["n"], r=cost["r"], p=cost["p"])


def _quantity(value: object) -> int | None:
    """A whole number from the quantity slot, or None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _clock_time(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d} Uhr"


def _when(moment: datetime, now: datetime) -> str:
    """When something happened, said from now: heute, gestern or am 24.11., with the time."""
    days = (now.date() - moment.date()).days
    day = {0: "heute", 1: "gestern"}.get(days, f"am {moment.day}.{moment.month}.")
    return f"{day} um {_clock_time(moment)}"
