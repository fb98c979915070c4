"""Timers: named, per-area countdowns on the injected clock, kept in the store across restarts.

A timer is running (it ends at `ends_at`) or paused (it keeps `remaining_s`). A running timer
whose end has passed rings once through `due(now)` and is done. Replies follow Home Assistant's
German responses where it has one ("Timer für 5 Minuten gestartet").
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from hausgeist.language.durations import parse_duration
from hausgeist.skills.base import Action, Clock, Outcome, Pending, Turn, ask_back
from hausgeist.skills.german import join_words
from hausgeist.skills.responses import ha_response
from hausgeist.store.sqlite import Store

START, CANCEL, CANCEL_ALL = "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers"
INCREASE, DECREASE = "HassIncreaseTimer", "HassDecreaseTimer"
PAUSE, UNPAUSE, STATUS = "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus"

MAX_SECONDS = 24 * 3600  # anything longer belongs on an alarm

# Per change of one timer: the Action kind and the reply's verb ("Timer pausiert.").
_CHANGES: dict[str, tuple[str, str]] = {
    CANCEL: ("cancel_timer", "gestoppt"),
    PAUSE: ("pause_timer", "pausiert"),
    UNPAUSE: ("unpause_timer", "fortgesetzt"),
    INCREASE: ("increase_timer", "um {delta} verlängert"),
    DECREASE: ("decrease_timer", "um {delta} verkürzt"),
}
_NOT_READY = {PAUSE: "Der Timer ist schon pausiert.", UNPAUSE: "Der Timer läuft schon."}
_ASK = {
    START: "Wie lange soll der Timer laufen?",
    INCREASE: "Um wie viel soll ich den Timer verlängern?",
    DECREASE: "Um wie viel soll ich den Timer verkürzen?",
}
_NO_TIMER = "Es läuft gerade kein Timer."
_TOO_SHORT = "Ein Timer braucht mindestens eine Sekunde."
_TOO_LONG = "Ein Timer läuft höchstens 24 Stunden. Für später stell lieber einen Wecker."
_BAD_VALUE = "Mit dieser Dauer kann ich keinen Timer stellen."
_NO_DURATION = "Das habe ich nicht als Dauer verstanden. Es bleibt alles, wie es ist."
_UNSURE = "Ich weiß nicht, welchen Timer du meinst. Es bleibt alles, wie es ist."
_UNITS = ((3600, "Stunde", "Stunden"), (60, "Minute", "Minuten"), (1, "Sekunde", "Sekunden"))
_SLOT_UNITS = (("hours", 3600), ("minutes", 60), ("seconds", 1))
_COUNTS = ("null", "einen", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
_ALL_WORDS = frozenset({"alle", "allen", "beide", "beiden"})
_COLUMNS = "id, name, area, device, conversation_id, duration_s, command, ends_at, remaining_s"

T = TypeVar("T")


@dataclass(frozen=True)
class Ring:
    """A timer or alarm that has run out, to be announced where it was set."""

    kind: str  # "timer" or "alarm"
    id: int
    name: str | None
    area: str | None
    device: str | None
    conversation_id: str | None
    announcement: str  # German, ready to speak
    at: datetime  # when it ran out
    command: str | None = None  # a command the turn machinery runs now ("öffne die Garagentür")


@dataclass(frozen=True)
class Timer:
    """One timer's state and its arithmetic; the skill persists it."""

    id: int
    name: str | None
    area: str | None
    device: str | None
    conversation_id: str | None
    duration_s: int
    command: str | None
    ends_at: datetime | None  # set while running
    remaining_s: float | None  # set while paused

    @property
    def paused(self) -> bool:
        """Whether the countdown stands still."""
        return self.ends_at is None

    def left(self, now: datetime) -> float:
        """Seconds until it runs out."""
        if self.ends_at is None:
            return self.remaining_s or 0.0
        return max(0.0, (self.ends_at - now).total_seconds())

    def pause(self, now: datetime) -> Timer:
        """The timer standing still with what it has left."""
        return replace(self, ends_at=None, remaining_s=self.left(now))

    def unpause(self, now: datetime) -> Timer:
        """The timer counting down again from what it had left."""
        return replace(self, ends_at=now + timedelta(seconds=self.left(now)), remaining_s=None)

    def shifted(self, seconds: float, now: datetime) -> Timer:
        """The timer with `seconds` more (or, negative, fewer) left; shortened to 0 it runs out."""
        left = max(0.0, self.left(now) + seconds)
        if self.paused and left > 0:
            return replace(self, remaining_s=left)
        return replace(self, ends_at=now + timedelta(seconds=left), remaining_s=None)


class TimerSkill:
    """Starts, changes, reports and rings timers."""

    name = "timers"
    intents = frozenset({START, CANCEL, CANCEL_ALL, INCREASE, DECREASE, PAUSE, UNPAUSE, STATUS})

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def handle(self, turn: Turn) -> Outcome:
        """Act on a timer intent."""
        return self._act(turn.intent, dict(turn.slots), turn)

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Take the missing duration, or which timer was meant, from the answer."""
        intent, slots = str(pending.data["intent"]), dict(pending.data["slots"])
        if pending.data.get("need") == "which":
            ids = {int(i) for i in pending.data["ids"]}
            return self._change(intent, slots, turn, answer=(ids, turn))
        duration = _answered_duration(turn)
        if duration is None:
            return Outcome(_NO_DURATION, code="nothing")
        return self._act(intent, {**slots, **duration}, turn)

    def due(self, now: datetime) -> list[Ring]:
        """Timers that have run out since the last call, each once; they are then done."""
        rows = self._store.query(f"SELECT {_COLUMNS} FROM timers WHERE state = 'running'")
        ended = [t for t in map(_timer, rows) if t.ends_at is not None and t.ends_at <= now]
        rings = []
        with self._store.transaction() as db:
            for timer in sorted(ended, key=lambda t: (t.ends_at or now, t.id)):
                # The end time in the condition keeps a timer extended meanwhile from ringing.
                cursor = db.execute(
                    "UPDATE timers SET state = 'rung', updated_at = ? "
                    "WHERE id = ? AND state = 'running' AND ends_at = ?",
                    (now.isoformat(), timer.id, _iso(timer.ends_at)),
                )
                if cursor.rowcount == 1:
                    rings.append(_ring(timer))
        return rings

    def _act(self, intent: str, slots: dict[str, Any], turn: Turn) -> Outcome:
        if intent == START:
            return self._start(slots, turn)
        if intent == STATUS:
            return self._status(slots)
        if intent == CANCEL_ALL:
            return self._cancel_all(slots)
        return self._change(intent, slots, turn)

    def _start(self, slots: dict[str, Any], turn: Turn) -> Outcome:
        now = self._clock()
        seconds = _slot_seconds(slots)
        if seconds is None:
            return self._ask(START, slots, now)
        problem = _problem(seconds)
        if problem:
            return Outcome(problem, code="refused")
        duration, ends = round(seconds), now + timedelta(seconds=round(seconds))
        name, area = _text(slots.get("name")), _text(slots.get("area")) or turn.device_area
        command, device = _text(slots.get("conversation_command")), turn.device
        timer = Timer(0, name, area, device, turn.conversation_id, duration, command, ends, None)
        with self._store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO timers (name, area, device, conversation_id, duration_s, command,"
                " state, ends_at, created_at, updated_at) VALUES (:name, :area, :device,"
                " :conversation_id, :duration_s, :command, 'running', :ends_at, :now, :now)",
                _params(timer, now),
            )
        timer = replace(timer, id=int(cursor.lastrowid or 0))
        action = _action("start_timer", timer, now, {"duration_seconds": duration})
        return Outcome(_started(timer), (action,))

    def _change(
        self,
        intent: str,
        slots: dict[str, Any],
        turn: Turn,
        answer: tuple[set[int], Turn] | None = None,
    ) -> Outcome:
        """Cancel, pause, unpause, lengthen or shorten one timer (or, asked which, several)."""
        now = self._clock()
        if intent not in _CHANGES:
            return Outcome("Das kann ich mit Timern nicht.", code="nothing")
        delta = _slot_seconds(slots) if intent in (INCREASE, DECREASE) else 0.0
        if delta is None:
            return self._ask(intent, slots, now)
        problem = _problem(delta) if intent in (INCREASE, DECREASE) else None
        if problem:
            return Outcome(problem, code="refused")
        timers = self._active()
        if answer is not None:
            chosen = _answered([t for t in timers if t.id in answer[0]], answer[1])
            if not chosen:
                return Outcome(_UNSURE, code="nothing")
        elif not timers:
            return Outcome(_NO_TIMER, code="nothing")
        else:
            chosen = _narrowed(_select(timers, slots), turn)
        if not chosen:
            return Outcome(_not_found(slots), code="nothing")
        ready = [t for t in chosen if _ready(intent, t)]
        if not ready:
            return Outcome(_NOT_READY[intent], code="nothing")
        if len(ready) > 1 and answer is None:
            return self._ask_which(intent, slots, ready, now)
        delta = -delta if intent == DECREASE else delta
        return self._apply(intent, ready, delta, now, _subject(ready))

    def _cancel_all(self, slots: dict[str, Any]) -> Outcome:
        area = _text(slots.get("area"))
        timers = [t for t in self._active() if area is None or _same(t.area, area)]
        where = f" im Bereich {area}" if area else ""
        if not timers:
            return Outcome(
                f"Im Bereich {area} läuft gerade kein Timer." if area else _NO_TIMER, code="nothing"
            )
        return self._apply(CANCEL, timers, 0.0, self._clock(), f"{len(timers)} Timer{where}")

    def _apply(
        self, intent: str, timers: Sequence[Timer], delta: float, now: datetime, subject: str
    ) -> Outcome:
        kind, verb = _CHANGES[intent]
        changed = [_changed(intent, t, delta, now) for t in timers]
        if any(t.left(now) > MAX_SECONDS for t in changed):
            return Outcome(_TOO_LONG, code="refused")
        state = "cancelled" if intent == CANCEL else None
        with self._store.transaction() as db:
            for timer in changed:
                db.execute(
                    "UPDATE timers SET state = :state, ends_at = :ends_at,"
                    " remaining_s = :remaining_s, updated_at = :now WHERE id = :id",
                    _params(timer, now, state),
                )
        data = {"seconds": round(delta)} if delta else {}
        actions = tuple(_action(kind, t, now, data, state) for t in changed)
        reply = f"{subject} {verb.format(delta=say_duration(round(abs(delta))))}."
        return Outcome(reply, actions)

    def _status(self, slots: dict[str, Any]) -> Outcome:
        now = self._clock()
        timers = self._active()
        if not timers:
            return Outcome(_NO_TIMER, code="nothing")
        chosen = sorted(_select(timers, slots), key=lambda t: t.left(now))
        if not chosen:
            return Outcome(_not_found(slots), code="nothing")
        if len(chosen) == 1 or not any(t.name for t in chosen):
            # Home Assistant's wording; several named timers keep their names in our own.
            described = [_ha_timer(t, now) for t in chosen]
            said = ha_response("HassTimerStatus", None, slots={**slots, "timers": described})
            if said:
                return Outcome(said)
        if len(chosen) == 1:
            return Outcome(_status_of(chosen[0], now))
        items = " ".join(f"{_status_item(t, now)}." for t in chosen)
        return Outcome(f"{count_word(len(chosen)).capitalize()} Timer laufen. {items}")

    def _ask(self, intent: str, slots: dict[str, Any], now: datetime) -> Outcome:
        data = {"intent": intent, "slots": slots, "need": "duration"}
        return ask_back(self.name, "question", data, _ASK[intent], now)

    def _ask_which(
        self, intent: str, slots: dict[str, Any], timers: Sequence[Timer], now: datetime
    ) -> Outcome:
        data = {"intent": intent, "slots": slots, "need": "which", "ids": [t.id for t in timers]}
        names = join_words([f"den {_label(t)}" for t in timers], "oder")
        return ask_back(self.name, "question", data, f"Welchen Timer meinst du: {names}?", now)

    def _active(self) -> list[Timer]:
        rows = self._store.query(
            f"SELECT {_COLUMNS} FROM timers WHERE state IN ('running', 'paused') ORDER BY id"
        )
        return [_timer(row) for row in rows]


def count_word(count: int) -> str:
    """A small count as a word for speech ("zwei"); larger ones stay figures."""
    return _COUNTS[count] if 0 <= count < len(_COUNTS) else str(count)


def say_duration(seconds: int) -> str:
    """A duration in German units: "1 Stunde, 5 Minuten und 30 Sekunden"."""
    parts = []
    for size, one, many in _UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {one if amount == 1 else many}")
    return join_words(parts) or "0 Sekunden"


def spoken_span(text: str, parse: Callable[[str], T | None]) -> T | None:
    """What `parse` reads in the longest run of words of `text` it accepts ("ähm, zehn Minuten")."""
    words = text.replace(",", " ").split()
    for length in range(len(words), 0, -1):
        for start in range(len(words) - length + 1):
            found = parse(" ".join(words[start : start + length]))
            if found is not None:
                return found
    return None


def _slot_seconds(slots: dict[str, Any], prefix: str = "") -> float | None:
    """The duration the slots name in seconds; None if they name none, -1 if it is no number."""
    if not any(prefix + unit in slots for unit, _ in _SLOT_UNITS):
        return None
    total = 0.0
    for unit, size in _SLOT_UNITS:
        value = slots.get(prefix + unit, 0)
        try:
            amount = float(value)
        except (TypeError, ValueError):
            return -1.0
        if isinstance(value, bool) or not math.isfinite(amount) or amount < 0:
            return -1.0
        total += amount * size
    return total


def _problem(seconds: float) -> str | None:
    if seconds < 0:
        return _BAD_VALUE
    if round(seconds) == 0:
        return _TOO_SHORT
    return _TOO_LONG if seconds > MAX_SECONDS else None


def _answered_duration(turn: Turn) -> dict[str, Any] | None:
    if _slot_seconds(turn.slots) is not None:
        return {unit: turn.slots[unit] for unit, _ in _SLOT_UNITS if unit in turn.slots}
    spoken = spoken_span(turn.text, parse_duration)
    if spoken is None:
        return None
    return {"hours": spoken.hours, "minutes": spoken.minutes, "seconds": spoken.seconds}


def _text(value: Any) -> str | None:
    """A slot as text; a list of alternatives gives its first."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    return str(value).strip() or None


def _same(left: str | None, right: str) -> bool:
    return left is not None and left.casefold() == right.casefold()


def _select(timers: Sequence[Timer], slots: dict[str, Any]) -> list[Timer]:
    """The timers that fit the name, area and original duration the slots give."""
    name, area = _text(slots.get("name")), _text(slots.get("area"))
    start = _slot_seconds(slots, "start_")
    return [
        t
        for t in timers
        if (name is None or _same(t.name, name))
        and (area is None or _same(t.area, area))
        and (start is None or t.duration_s == round(start))
    ]


def _narrowed(timers: list[Timer], turn: Turn) -> list[Timer]:
    """Of several timers, prefer those set on this device, then those in its area."""
    for mine in (
        [t for t in timers if turn.device and t.device == turn.device],
        [t for t in timers if turn.device_area and _same(t.area, turn.device_area)],
    ):
        if len(mine) == 1:
            return mine
    return timers


def _answered(pool: list[Timer], answer: Turn) -> list[Timer]:
    """The timers an answer to "Welchen Timer meinst du?" picks: all, or exactly one."""
    words = set(answer.text.casefold().replace(",", " ").split())
    if words & _ALL_WORDS:
        return pool
    slots = dict(answer.slots)
    if _slot_seconds(slots, "start_") is None:
        slots.update({f"start_{u}": slots[u] for u, _ in _SLOT_UNITS if u in slots})
    if any(
        key in slots for key in ("name", "area", "start_hours", "start_minutes", "start_seconds")
    ):
        chosen = _select(pool, slots)
    else:
        text = f" {' '.join(answer.text.casefold().split())} "
        chosen = [t for t in pool if t.name and f" {t.name.casefold()} " in text]
        spoken = None if chosen else spoken_span(answer.text, parse_duration)
        if spoken is not None:
            chosen = [t for t in pool if t.duration_s == round(spoken.total_seconds)]
    return chosen if len(chosen) == 1 else []


def _ready(intent: str, timer: Timer) -> bool:
    if intent == PAUSE:
        return not timer.paused
    return timer.paused if intent == UNPAUSE else True


def _changed(intent: str, timer: Timer, delta: float, now: datetime) -> Timer:
    if intent == PAUSE:
        return timer.pause(now)
    if intent == UNPAUSE:
        return timer.unpause(now)
    return timer.shifted(delta, now) if delta else timer


def _state(timer: Timer) -> str:
    return "paused" if timer.paused else "running"


def _not_found(slots: dict[str, Any]) -> str:
    name = _text(slots.get("name"))
    return f"Ich finde keinen Timer namens {name}." if name else "Ich finde keinen passenden Timer."


def _label(timer: Timer) -> str:
    """ "Timer Pizza" or "Timer über 10 Minuten"."""
    return f"Timer {timer.name}" if timer.name else f"Timer über {say_duration(timer.duration_s)}"


def _subject(timers: Sequence[Timer]) -> str:
    if len(timers) > 1:
        return f"{len(timers)} Timer"
    return f"Timer namens {timers[0].name}" if timers[0].name else "Timer"


def _started(timer: Timer) -> str:
    duration = say_duration(timer.duration_s)
    if timer.command:
        return f"Anweisung wird in {duration} ausgeführt."
    if timer.name:
        return f"Timer namens {timer.name} für {duration} gestartet."
    return f"Timer für {duration} gestartet."


def _spoken_left(timer: Timer, now: datetime) -> str:
    seconds = math.ceil(timer.left(now))
    if seconds >= 3600:  # an hour out, seconds are noise: say it to the minute
        seconds = round(seconds / 60) * 60
    return say_duration(seconds)


def _ha_timer(timer: Timer, now: datetime) -> dict[str, Any]:
    """A timer as Home Assistant's status template reads it."""
    left = int(timer.left(now))
    return {
        "name": timer.name, "area": timer.area, "is_active": not timer.paused,
        "total_seconds_left": left, "rounded_hours_left": left // 3600,
        "rounded_minutes_left": left % 3600 // 60, "rounded_seconds_left": left % 60,
    }  # fmt: skip


def _status_of(timer: Timer, now: datetime) -> str:
    left = _spoken_left(timer, now)
    if timer.paused:
        return f"Der {_label(timer)} ist pausiert und steht bei {left}."
    return f"Der Timer {timer.name} läuft noch {left}." if timer.name else f"Noch {left}."


def _status_item(timer: Timer, now: datetime) -> str:
    paused = "pausiert bei" if timer.paused else "noch"
    return f"{timer.name or _label(timer)}: {paused} {_spoken_left(timer, now)}"


def _action(
    kind: str, timer: Timer, now: datetime, data: dict[str, Any], state: str | None = None
) -> Action:
    return Action(
        target=f"timer:{timer.name or timer.id}",
        kind=kind,
        data=data,
        state={
            "state": state or _state(timer),
            "remaining_seconds": math.ceil(timer.left(now)),
            "ends_at": _iso(timer.ends_at),
            "name": timer.name,
            "area": timer.area,
        },
    )


def _ring(timer: Timer) -> Ring:
    if timer.command:
        announcement = f"Ich führe jetzt aus: {timer.command}."
    elif timer.name:
        announcement = f"Der Timer {timer.name} ist abgelaufen."
    else:
        announcement = f"Dein {_label(timer)} ist abgelaufen."
    where = (timer.area, timer.device, timer.conversation_id)
    at = timer.ends_at or datetime.min
    return Ring("timer", timer.id, timer.name, *where, announcement, at, timer.command)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _params(timer: Timer, now: datetime, state: str | None = None) -> dict[str, Any]:
    """The timer as named SQL parameters."""
    params = {f.name: getattr(timer, f.name) for f in fields(timer)}
    params.update(ends_at=_iso(timer.ends_at), now=now.isoformat(), state=state or _state(timer))
    return params


def _timer(row: sqlite3.Row) -> Timer:
    ends_at = datetime.fromisoformat(row["ends_at"]) if row["ends_at"] else None
    values = dict(zip(row.keys(), row, strict=True))
    return Timer(**{**values, "ends_at": ends_at})
