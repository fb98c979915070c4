"""Alarms: wake-up times on the injected clock, kept in the store until they ring.

An alarm is one moment ("morgen um 6:30 Uhr"). A time without a date means its next
occurrence; a moment already past is refused. A set alarm whose moment has come rings once
through `due(now)`, like a timer, and is done.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hausgeist.language.clock import parse_clock_time
from hausgeist.language.dates import parse_date
from hausgeist.skills.base import Action, Clock, Outcome, Pending, Turn, ask_back
from hausgeist.skills.german import join_words
from hausgeist.skills.timers import Ring, count_word, spoken_span
from hausgeist.store.sqlite import Store

SET, CANCEL, QUERY = "AlarmSet", "AlarmCancel", "AlarmQuery"

_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
_NONE = "Du hast keinen Wecker gestellt."
_ASK_TIME = "Für wann soll ich den Wecker stellen?"
_NO_TIME = "Das habe ich nicht als Uhrzeit verstanden. Es bleibt alles, wie es ist."
_BAD_TIME = "Diese Uhrzeit verstehe ich nicht, also stelle ich keinen Wecker."
_UNSURE = "Ich weiß nicht, welchen Wecker du meinst. Es bleibt alles, wie es ist."
_ALL_WORDS = frozenset({"alle", "allen", "beide", "beiden"})
_COLUMNS = "id, at, area, device, conversation_id"


@dataclass(frozen=True)
class Alarm:
    """One set alarm."""

    id: int
    at: datetime
    area: str | None
    device: str | None
    conversation_id: str | None


class AlarmSkill:
    """Sets, lists, cancels and rings alarms."""

    name = "alarms"
    intents = frozenset({SET, CANCEL, QUERY})

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def handle(self, turn: Turn) -> Outcome:
        """Act on an alarm intent."""
        if turn.intent == SET:
            return self._set(dict(turn.slots), turn)
        if turn.intent == CANCEL:
            return self._cancel(dict(turn.slots))
        if turn.intent == QUERY:
            return self._query()
        return Outcome("Das kann ich mit Weckern nicht.", code="nothing")

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Take the missing time, or which alarm was meant, from the answer."""
        if pending.data.get("need") == "which":
            return self._cancel_answered({int(i) for i in pending.data["ids"]}, turn)
        slots = _answered_moment(turn, self._clock().date())
        if "time" not in slots:
            return Outcome(_NO_TIME, code="nothing")
        return self._set({**pending.data.get("slots", {}), **slots}, turn)

    def due(self, now: datetime) -> list[Ring]:
        """Alarms whose moment has come since the last call, each once; they are then done."""
        ready = [a for a in self._alarms() if a.at <= now]
        rings = []
        with self._store.transaction() as db:
            for alarm in ready:
                cursor = db.execute(
                    "UPDATE alarms SET state = 'rung', updated_at = ?"
                    " WHERE id = ? AND state = 'set'",
                    (now.isoformat(), alarm.id),
                )
                if cursor.rowcount == 1:
                    rings.append(_ring(alarm))
        return rings

    def _set(self, slots: dict[str, Any], turn: Turn) -> Outcome:
        now = self._clock()
        if not slots.get("time"):
            data = {"intent": SET, "slots": slots, "need": "time"}
            return ask_back(self.name, "question", data, _ASK_TIME, now)
        at = _moment(slots, now)
        if at is None:
            return Outcome(_BAD_TIME, code="refused")
        if at <= now:
            past = _when(at, now.date())
            return Outcome(f"{past[0].upper()}{past[1:]} ist schon vorbei.", code="refused")
        if any(alarm.at == at for alarm in self._alarms()):
            return Outcome(
                f"Für {_when(at, now.date())} ist schon ein Wecker gestellt.", code="nothing"
            )
        with self._store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO alarms (at, area, device, conversation_id, state, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 'set', ?, ?)",
                (
                    at.isoformat(),
                    turn.device_area,
                    turn.device,
                    turn.conversation_id,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
        alarm = Alarm(
            int(cursor.lastrowid or 0), at, turn.device_area, turn.device, turn.conversation_id
        )
        reply = f"Ich wecke dich {_when(at, now.date())}."
        return Outcome(reply, (_action("set_alarm", alarm, "set"),))

    def _cancel(self, slots: dict[str, Any]) -> Outcome:
        now = self._clock()
        alarms = self._alarms()
        if not alarms:
            return Outcome(_NONE, code="nothing")
        if slots.get("all"):
            return self._cancelled(alarms, now)
        chosen = _matching(alarms, slots)
        if chosen is None:
            return Outcome(
                "Diese Angabe verstehe ich nicht. Es bleibt alles, wie es ist.", code="nothing"
            )
        if not chosen:
            return Outcome(f"Ich finde keinen Wecker {_wanted(slots, now.date())}.", code="nothing")
        if len(chosen) == 1:
            return self._cancelled(chosen, now)
        which = join_words([_when(a.at, now.date()) for a in chosen], "oder")
        data = {"intent": CANCEL, "need": "which", "ids": [a.id for a in chosen]}
        question = f"Welchen Wecker soll ich löschen: {which}?"
        return ask_back(self.name, "question", data, question, now)

    def _cancel_answered(self, ids: set[int], answer: Turn) -> Outcome:
        now = self._clock()
        pool = [a for a in self._alarms() if a.id in ids]
        words = set(answer.text.casefold().replace(",", " ").split())
        if pool and (answer.slots.get("all") or words & _ALL_WORDS):
            return self._cancelled(pool, now)
        chosen = _matching(pool, _answered_moment(answer, now.date()))
        if not chosen or len(chosen) != 1:
            return Outcome(_UNSURE, code="nothing")
        return self._cancelled(chosen, now)

    def _cancelled(self, alarms: Sequence[Alarm], now: datetime) -> Outcome:
        with self._store.transaction() as db:
            for alarm in alarms:
                db.execute(
                    "UPDATE alarms SET state = 'cancelled', updated_at = ? WHERE id = ?",
                    (now.isoformat(), alarm.id),
                )
        actions = tuple(_action("cancel_alarm", a, "cancelled") for a in alarms)
        if len(alarms) == 1:
            return Outcome(f"Der Wecker {_when(alarms[0].at, now.date())} ist gelöscht.", actions)
        return Outcome(f"{count_word(len(alarms)).capitalize()} Wecker gelöscht.", actions)

    def _query(self) -> Outcome:
        now = self._clock()
        alarms = [a for a in self._alarms() if a.at > now]
        if not alarms:
            return Outcome(_NONE, code="nothing")
        moments = join_words([_when(a.at, now.date()) for a in alarms])
        return Outcome(f"Du hast {count_word(len(alarms))} Wecker: {moments}.")

    def _alarms(self) -> list[Alarm]:
        """The set alarms, soonest first."""
        rows = self._store.query(f"SELECT {_COLUMNS} FROM alarms WHERE state = 'set'")
        return sorted((_alarm(row) for row in rows), key=lambda a: (a.at, a.id))


def _clock_time(value: Any) -> time | None:
    try:
        hour, minute = (int(part) for part in str(value).split(":"))
        return time(hour, minute)
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _moment(slots: dict[str, Any], now: datetime) -> datetime | None:
    """When an alarm for these slots rings: the date given, else the next time it is `time`."""
    clock = _clock_time(slots.get("time"))
    day = _day(slots["date"]) if slots.get("date") else now.date()
    if clock is None or day is None:
        return None
    at = datetime.combine(day, clock, tzinfo=now.tzinfo)
    if not slots.get("date") and at <= now:
        at += timedelta(days=1)
    return at


def _matching(alarms: Sequence[Alarm], slots: dict[str, Any]) -> list[Alarm] | None:
    """The alarms at the time and on the date the slots give; None if a slot is unreadable."""
    clock = _clock_time(slots["time"]) if slots.get("time") else None
    day = _day(slots["date"]) if slots.get("date") else None
    if (slots.get("time") and clock is None) or (slots.get("date") and day is None):
        return None
    return [
        a
        for a in alarms
        if (clock is None or a.at.time() == clock) and (day is None or a.at.date() == day)
    ]


def _answered_moment(answer: Turn, today: date) -> dict[str, Any]:
    """The time and date in an answer, from its slots or else from its words."""
    slots = {key: answer.slots[key] for key in ("time", "date") if answer.slots.get(key)}
    if "time" not in slots:
        spoken = spoken_span(answer.text, parse_clock_time)
        if spoken is not None:
            slots["time"] = str(spoken)
    if "date" not in slots:
        day = spoken_span(answer.text, lambda text: parse_date(text, today))
        if day is not None:
            slots["date"] = day.isoformat()
    return slots


def day_phrase(day: date, today: date) -> str:
    """A date as said from today: "heute", "morgen", "am Freitag", "am 3. Dezember"."""
    ahead = (day - today).days
    if -1 <= ahead <= 1:
        return ("gestern", "heute", "morgen")[ahead + 1]
    if 2 <= ahead <= 6:
        return f"am {_WEEKDAYS[day.weekday()]}"
    year = f" {day.year}" if abs(ahead) > 300 else ""
    return f"am {day.day}. {_MONTHS[day.month - 1]}{year}"


def _when(at: datetime, today: date) -> str:
    """ "morgen um 6:30 Uhr"."""
    return f"{day_phrase(at.date(), today)} um {at.hour}:{at.minute:02d} Uhr"


def _wanted(slots: dict[str, Any], today: date) -> str:
    """The alarm the slots ask for, as a phrase: "morgen um 7:00 Uhr", "um 7:00 Uhr", "morgen"."""
    clock, day = _clock_time(slots.get("time")), _day(slots.get("date"))
    if clock and day:
        return _when(datetime.combine(day, clock), today)
    if clock:
        return f"um {clock.hour}:{clock.minute:02d} Uhr"
    return day_phrase(day, today) if day else ""


def _action(kind: str, alarm: Alarm, state: str) -> Action:
    at = alarm.at.isoformat(timespec="minutes")
    return Action(f"alarm:{at}", kind, {"at": at}, {"state": state, "at": at, "id": alarm.id})


def _ring(alarm: Alarm) -> Ring:
    announcement = f"Es ist {alarm.at.hour}:{alarm.at.minute:02d} Uhr. Dein Wecker klingelt."
    where = (alarm.area, alarm.device, alarm.conversation_id)
    return Ring("alarm", alarm.id, None, *where, announcement, alarm.at)


def _alarm(row: sqlite3.Row) -> Alarm:
    at = datetime.fromisoformat(row["at"])
    return Alarm(row["id"], at, row["area"], row["device"], row["conversation_id"])
