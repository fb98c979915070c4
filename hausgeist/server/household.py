"""One household as the server sees it: its assistant, its resources and its event feed.

The assistant, its store and its drivers are synchronous and not meant for two turns at
once; every call that touches them runs in a worker thread under the household's lock, so
turns of different households run side by side and turns of one household one after another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hausgeist.dialog.assistant import Assistant, TurnResult
from hausgeist.home.drivers.base import DriverError
from hausgeist.home.model import Device
from hausgeist.media.player import PlayerError, PlayerRefused, check_volume
from hausgeist.server.criticality import Criticality, classify_question
from hausgeist.server.errors import ApiError, bad_request, not_found
from hausgeist.server.events import Event, EventHub
from hausgeist.server.idempotency import Once, TurnReplies
from hausgeist.server.registry import Household
from hausgeist.skills.media import MediaSkill
from hausgeist.skills.orders import OrderSkill

MAX_ITEM = 200
# The device fields a page may change, and the domains each applies to.
_SETTABLE = {
    "state": ("light", "switch", "fan", "cover", "climate", "vacuum", "media_player", "lock"),
    "brightness": ("light",),
    "color": ("light",),
    "temperature": ("climate",),
}
_STATES = {"on", "off", "open", "closed", "heat", "cleaning", "docked", "locked", "unlocked"}


class HouseholdService:
    """Turns and resources of one household; every method is blocking (run it in a thread)."""

    def __init__(self, household: Household, assistant: Assistant, hub: EventHub) -> None:
        self.household = household
        self.assistant = assistant
        self.hub = hub
        self.lock = threading.RLock()
        self._replies = TurnReplies(self._store)

    # Turns

    def ask(
        self,
        text: str,
        conversation_id: str | None,
        area: str | None,
        device: str | None,
        turn_id: str | None = None,
    ) -> TurnResult:
        """One turn; the changes it made go out as events."""
        with self.lock:
            result = self.assistant.ask(text, conversation_id, device_area=area)
        for kind, data in changes(result.actions, self.assistant):
            self.hub.publish(Event(kind, data))
        turn = {**result.to_json(), "device": device, "turn_id": turn_id}
        self.hub.publish(Event("turn", turn))
        return result

    def question_class(self, conversation_id: str) -> Criticality | None:
        """The class of the question pending in a conversation (None without one): its
        answer's class, known before the answer is heard."""
        with self.lock:
            conversation, _ = self.assistant.conversations.load(
                conversation_id, self.assistant.clock()
            )
        pending = conversation.pending
        if pending is None:
            return None
        return classify_question(pending.skill, pending.kind, pending.data)

    def ask_once(
        self,
        once: Once,
        text: str,
        conversation_id: str | None,
        area: str | None,
        device: str | None,
        turn_id: str | None = None,
    ) -> tuple[dict[str, Any], TurnResult | None]:
        """A keyed turn: the answer kept for its key (and no turn), or the turn and its answer."""
        with self.lock:
            kept = self._replies.find(once)
            if kept is not None:
                return {**kept, "replayed": True}, None
            result = self.ask(text, conversation_id, area, device, turn_id)
            answer = {**result.to_json(), "turn_id": turn_id}
            self._replies.keep(once, answer)
        return answer, result

    def ring(self, now: datetime, speak: Callable[[str], str | None] | None = None) -> int:
        """Announce timers and alarms that ran out, while someone is listening to do so.

        `speak` renders an announcement and gives the URL of its audio (None without a voice).
        """
        if not self.hub.listeners:
            return 0  # nobody to hear it: the next turn announces it instead
        with self.lock:
            rings = self.assistant.due_rings(now)
        for ring in rings:
            self.hub.publish(Event("ring", {
                "kind": ring.kind, "id": ring.id, "name": ring.name, "area": ring.area,
                "device": ring.device, "announcement": ring.announcement,
                "audio_url": speak(ring.announcement) if speak else None,
            }))  # fmt: skip
        if rings:
            self.hub.publish(Event("timers", {}))
        return len(rings)

    # The home

    def home(self) -> dict[str, Any]:
        """Floors, areas, devices with their state, and the player."""
        with self.lock:
            config = self.assistant.home.config
            return {
                "floors": list(config.floors),
                "areas": [{"name": a.name, "floor": a.floor} for a in config.areas],
                "devices": [self._device(d) for d in config.devices],
                "player": self._player(),
            }

    def set_device(self, name: str, change: dict[str, Any]) -> dict[str, Any]:
        """Change a device as a page asks ({"state": "on"}, {"brightness": 40}, ...)."""
        with self.lock:
            device = self.assistant.home.device(name)
            if device is None:
                raise not_found(f"Es gibt kein Gerät „{name}“.")
            checked = _checked_change(device, change)
            try:
                action = self.assistant.home.apply(device, checked)
            except DriverError as err:
                raise ApiError(502, "device_unreachable", str(err)) from err
        self.hub.publish(Event("device", {"name": device.name, "state": action.state}))
        return {**self._describe(device), "state": action.state}

    def player(self, request: dict[str, Any]) -> dict[str, Any]:
        """Pause, resume, skip or set the volume of the household's player."""
        with self.lock:
            player = self._media().player
            action, volume = request.get("action"), request.get("volume")
            try:
                if volume is not None:
                    if isinstance(volume, bool) or not isinstance(volume, int):
                        raise bad_request("volume must be an integer from 0 to 100")
                    player.set_volume(check_volume(volume))
                elif action in ("pause", "resume", "next", "previous"):
                    getattr(player, str(action))()
                else:
                    raise bad_request("send {'action': pause|resume|next|previous} or {'volume'}")
            except ValueError as err:
                raise bad_request(str(err)) from err
            except PlayerError as err:
                raise ApiError(502, "player_unreachable", str(err)) from err
            state = self._player() or {}
        self.hub.publish(Event("player", state))
        return state

    # Lists

    def lists(self) -> dict[str, Any]:
        """Every list of the home with its items."""
        with self.lock:
            names = [d.name for d in self.assistant.home.devices if d.domain == "todo"]
            rows = self._store.query("SELECT id, list, item, done FROM list_items ORDER BY id")
        return {"lists": [
            {"name": name, "items": [_item(r) for r in rows if r["list"] == name]}
            for name in names
        ]}  # fmt: skip

    def add_item(self, list_name: str, text: Any) -> dict[str, Any]:
        """Put an item on a list."""
        name = self._list_name(list_name)
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_ITEM:
            raise bad_request(f"text must be 1 to {MAX_ITEM} characters")
        with self.lock, self._store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO list_items (list, item, created_at) VALUES (?, ?, ?)",
                (name, text.strip(), self.assistant.clock().isoformat()),
            )
            item = {"id": cursor.lastrowid, "text": text.strip(), "done": False}
        self.hub.publish(Event("lists", {"name": name}))
        return item

    def set_item(self, list_name: str, item_id: int, done: Any) -> dict[str, Any]:
        """Tick an item off (or on again)."""
        name = self._list_name(list_name)
        if not isinstance(done, bool):
            raise bad_request("done must be true or false")
        with self.lock, self._store.transaction() as db:
            db.execute(
                "UPDATE list_items SET done = ? WHERE id = ? AND list = ?", (done, item_id, name)
            )
            rows = db.execute(
                "SELECT id, item, done FROM list_items WHERE id = ? AND list = ?", (item_id, name)
            ).fetchall()
        if not rows:
            raise not_found("Diesen Eintrag gibt es nicht.")
        self.hub.publish(Event("lists", {"name": name}))
        return _item(rows[0])

    def delete_item(self, list_name: str, item_id: int) -> None:
        """Remove an item."""
        name = self._list_name(list_name)
        with self.lock, self._store.transaction() as db:
            cursor = db.execute("DELETE FROM list_items WHERE id = ? AND list = ?", (item_id, name))
        if cursor.rowcount != 1:
            raise not_found("Diesen Eintrag gibt es nicht.")
        self.hub.publish(Event("lists", {"name": name}))

    # Timers and alarms

    def timers(self) -> dict[str, Any]:
        """Running and paused timers with the seconds left; alarms that are set."""
        with self.lock:
            now = self.assistant.clock()
            timers = self._store.query(
                "SELECT id, name, area, duration_s, state, ends_at, remaining_s FROM timers"
                " WHERE state IN ('running', 'paused') ORDER BY id"
            )
            alarms = self._store.query(
                "SELECT id, at, area FROM alarms WHERE state = 'set' ORDER BY at"
            )
        wall = datetime.now(UTC)
        return {
            "timers": [_timer(row, now, wall) for row in timers],
            "alarms": [
                {"id": row["id"], "at": _absolute(datetime.fromisoformat(row["at"]), now, wall),
                 "area": row["area"]}
                for row in alarms
            ],
        }  # fmt: skip

    def cancel(self, table: str, row_id: int) -> None:
        """Cancel a timer or an alarm by id."""
        live = "state IN ('running', 'paused')" if table == "timers" else "state = 'set'"
        with self.lock, self._store.transaction() as db:
            cursor = db.execute(
                f"UPDATE {table} SET state = 'cancelled', updated_at = ? WHERE id = ? AND {live}",
                (self.assistant.clock().isoformat(), row_id),
            )
        if cursor.rowcount != 1:
            raise not_found("Diesen Timer oder Wecker gibt es nicht (mehr).")
        self.hub.publish(Event("timers", {}))

    # Orders

    def orders(self) -> dict[str, Any]:
        """The household's orders, newest first."""
        with self.lock:
            now = self.assistant.clock()
            rows = self._store.query("SELECT * FROM orders ORDER BY created_at DESC, id DESC")
            return {"orders": [self._order(row, now) for row in rows]}

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        """Cancel an order within its cancellation window."""
        with self.lock:
            skill = self._skill(OrderSkill)
            now = self.assistant.clock()
            outcome = skill.cancel(order_id, now)
            if outcome.code == "nothing":
                raise not_found(outcome.reply)
            if outcome.code == "refused":
                raise ApiError(409, "cancel_window_passed", outcome.reply)
            row = self._store.query("SELECT * FROM orders WHERE id = ?", (order_id,))[0]
            order = self._order(row, now)
        self.hub.publish(Event("orders", {"id": order_id}))
        return order

    # Helpers

    @property
    def _store(self) -> Any:
        return self.assistant.conversations.store

    def _skill(self, kind: type[Any]) -> Any:
        for skill in self.assistant.skills.values():
            if isinstance(skill, kind):
                return skill
        raise ApiError(501, "not_available", "Dieser Haushalt hat diese Funktion nicht.")

    def _media(self) -> MediaSkill:
        media: MediaSkill = self._skill(MediaSkill)
        return media

    def _list_name(self, wanted: str) -> str:
        for device in self.assistant.home.devices:
            if device.domain == "todo" and device.name.casefold() == wanted.casefold():
                return device.name
        raise not_found(f"Es gibt keine Liste „{wanted}“.")

    def _describe(self, device: Device) -> dict[str, Any]:
        return {
            "name": device.name,
            "domain": device.domain,
            "area": device.area,
            "device_class": device.device_class,
            "capabilities": sorted(device.capabilities),
        }

    def _device(self, device: Device) -> dict[str, Any]:
        try:
            state = dict(self.assistant.home.state(device))
        except DriverError:
            state = {"state": "unavailable"}
        return {**self._describe(device), "state": state}

    def _player(self) -> dict[str, Any] | None:
        try:
            player = self._media().player
        except ApiError:
            return None
        try:
            track = player.now_playing()
            try:
                volume: int | None = player.volume()
            except PlayerRefused:
                volume = None
            return {
                "state": player.status(),
                "title": track.title if track else None,
                "artist": track.artist if track else None,
                "volume": volume,
                "muted": volume == 0,
            }
        except PlayerError:
            return {"state": "unavailable", "title": None, "artist": None, "volume": None,
                    "muted": False}  # fmt: skip

    def _order(self, row: Any, now: datetime) -> dict[str, Any]:
        skill = self._skill(OrderSkill)
        return {
            "id": row["id"],
            "product": row["product_name"],
            "quantity": row["quantity"],
            "total_cents": row["total_cents"],
            "status": row["status"],
            "placed_at": _absolute(
                datetime.fromisoformat(row["created_at"]), now, datetime.now(UTC)
            ),
            "cancellable": row["status"] == "placed" and skill.cancellable(row["created_at"], now),
        }


def changes(
    actions: list[dict[str, Any]], assistant: Assistant
) -> list[tuple[str, dict[str, Any]]]:
    """The events a turn's actions stand for."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for action in actions:
        target = str(action.get("target", ""))
        prefix = target.split(":", 1)[0]
        if prefix == "list":
            found["lists", target] = {"name": target[5:]}
        elif prefix in ("timer", "alarm"):
            found["timers", ""] = {}
        elif prefix == "order":
            found["orders", target] = {"id": target[6:]}
        elif prefix == "media":
            found["player", ""] = dict(action.get("state") or {})
        elif assistant.home.device(target) is not None:
            found["device", target] = {"name": target, "state": action.get("state") or {}}
    return [(kind, data) for (kind, _), data in found.items()]


def _checked_change(device: Device, change: dict[str, Any]) -> dict[str, Any]:
    if not change:
        raise bad_request("send at least one of state, brightness, color, temperature")
    for key, value in change.items():
        domains = _SETTABLE.get(key)
        if domains is None or device.domain not in domains:
            raise bad_request(f"{device.name} ({device.domain}) has no settable '{key}'")
        if key == "state" and value not in _STATES:
            raise bad_request(f"state must be one of {sorted(_STATES)}")
        if key == "brightness" and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100
        ):
            raise bad_request("brightness must be an integer from 0 to 100")
        if key == "color" and not (
            isinstance(value, str)
            and len(value) == 7
            and value.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in value[1:])
        ):
            raise bad_request("color must be #rrggbb")
        if key == "temperature" and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 5 <= value <= 30
        ):
            raise bad_request("temperature must be a number from 5 to 30")
    return dict(change)


def _item(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "text": row["item"], "done": bool(row["done"])}


def _timer(row: Any, now: datetime, wall: datetime) -> dict[str, Any]:
    paused = row["state"] == "paused"
    if paused:
        remaining = float(row["remaining_s"] or 0)
        ends_at = None
    else:
        end = datetime.fromisoformat(row["ends_at"])
        remaining = max((end - now).total_seconds(), 0.0)
        ends_at = (wall + timedelta(seconds=remaining)).isoformat()
    return {
        "id": row["id"], "name": row["name"], "area": row["area"], "seconds": row["duration_s"],
        "remaining": round(remaining, 1), "ends_at": ends_at, "paused": paused,
    }  # fmt: skip


def _absolute(local: datetime, now: datetime, wall: datetime) -> str:
    """A moment on the household's (naive, local) clock with the household's UTC offset."""
    if local.tzinfo is not None:
        return local.isoformat()
    difference = (now.replace(tzinfo=None) - wall.replace(tzinfo=None)).total_seconds()
    offset = timedelta(minutes=15 * round(difference / 900))  # offsets come in quarter hours
    return local.replace(tzinfo=timezone(offset)).isoformat()
