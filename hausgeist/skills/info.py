"""Small skills: time and date, help, never mind, broadcast."""

from __future__ import annotations

from hausgeist.skills.base import Action, Outcome, Pending, Turn
from hausgeist.skills.responses import ha_response

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
HELP = (
    "Du kannst mich zum Beispiel bitten: „Mach das Licht im Wohnzimmer an“, "
    "„Stell einen Timer auf zehn Minuten“, „Setz Milch auf die Einkaufsliste“ "
    "oder „Wie spät ist es?“."
)


class InfoSkill:
    """Answers about time and date, explains itself, and lets a household call things off."""

    name = "info"
    intents = frozenset(
        {"HassGetCurrentTime", "HassGetCurrentDate", "Help", "HassNevermind", "HassBroadcast",
         "HassRespond"}
    )  # fmt: skip

    def handle(self, turn: Turn) -> Outcome:
        """Answer."""
        now = turn.now
        if turn.intent == "HassGetCurrentTime":
            # Home Assistant's wording, "Es ist 09:30", from its template with our clock.
            said = ha_response(turn.intent, turn.response, slots={"time": now.time()})
            return Outcome(said or f"Es ist {now.hour:02d}:{now.minute:02d}")
        if turn.intent == "HassGetCurrentDate":
            said = ha_response(turn.intent, turn.response, slots={"date": now.date()})
            weekday, month = WEEKDAYS[now.weekday()], MONTHS[now.month - 1]
            return Outcome(said or f"Es ist {weekday} der {now.day}. {month} {now.year}")
        if turn.intent == "HassNevermind":
            # Nothing to call off: like Home Assistant, say nothing and do nothing.
            return Outcome("", code="nothing")
        if turn.intent == "HassBroadcast":
            message = str(turn.slots.get("message", "")).strip()
            action = Action("broadcast", "announce", {"message": message})
            return Outcome("Nachricht wurde gesendet.", (action,))
        if turn.intent == "HassRespond":
            return Outcome(str(turn.slots.get("response") or HELP))
        return Outcome(HELP)

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Nothing is ever pending here."""
        return self.handle(turn)
