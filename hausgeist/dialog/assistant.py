"""One turn, start to end: understand, continue or start a dialog, act, answer.

The assistant ties the stages together: the understanding stage reads the text against the
home as it is now, a pending question of the conversation gets the first say, otherwise the
skill for the intent acts. Whatever happens, the household gets one German answer, and
nothing is done for a sentence that is not a command.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hausgeist.dialog.clarify import CLARIFY, question
from hausgeist.dialog.conversations import Conversation, Conversations
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.names import NameIndex
from hausgeist.language.parse import ParseResult, Understanding
from hausgeist.skills.alarms import AlarmSkill
from hausgeist.skills.base import Action, Clock, Outcome, Pending, Skill, Turn, ask_back
from hausgeist.skills.german import join_words
from hausgeist.skills.responses import ha_reply, spoken_amounts
from hausgeist.skills.timers import Ring, TimerSkill
from hausgeist.skills.weather import WeatherSkill
from hausgeist.store.sqlite import Store

NOT_UNDERSTOOD = "Das habe ich leider nicht verstanden."
FAILED = "Das hat leider nicht geklappt. Bitte versuch es noch einmal."
EXPIRED = "Die Rückfrage ist abgelaufen, ich habe nichts getan."
CANCELLED = "Okay, abgebrochen."
# Answers to a skill's question, handed to that skill rather than acted on afresh.
_ANSWERS = frozenset({"Affirm", "Deny", "VoiceCode"})
_CANCEL = frozenset({"HassNevermind", "Deny"})
# Intents whose skill always asks for a "ja" before it does anything (orders).
_ASKS_ITSELF = frozenset({"OrderProduct"})
log = logging.getLogger(__name__)
_MAX_WORDS_TRIED = 12
_FOLLOW_UP_WORDS = frozenset({"und", "auch", "bitte", "dort", "da", "ebenfalls", "noch"})


@dataclass
class TurnResult:
    """What a turn understood, did and said: the `ask --json` and API answer."""

    text: str
    intent: str | None
    slots: dict[str, Any]
    reply: str
    conversation_id: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    code: str = "done"
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage: understand, act

    def to_json(self) -> dict[str, Any]:
        """The JSON answer."""
        return {
            "text": self.text,
            "intent": self.intent,
            "slots": self.slots,
            "actions": self.actions,
            "reply": self.reply,
            "conversation_id": self.conversation_id,
        }


class Assistant:
    """Runs turns for one household."""

    def __init__(
        self,
        understanding: Understanding,
        home: Home,
        store: Store,
        skills: Iterable[Skill],
        clock: Clock,
    ) -> None:
        self.understanding = understanding
        self.home = home
        self.conversations = Conversations(store)
        self.skills = {skill.name: skill for skill in skills}
        self.by_intent = {
            intent: skill for skill in self.skills.values() for intent in skill.intents
        }
        self.clock = clock

    def ask(
        self, text: str, conversation_id: str | None = None, device_area: str | None = None
    ) -> TurnResult:
        """One turn."""
        now = self.clock()
        began = time.perf_counter()
        conversation, expired = self.conversations.load(conversation_id or uuid.uuid4().hex, now)
        try:
            parsed = self.understanding.parse(text, self._snapshot(), area=device_area)
        except Exception:
            # A broken understanding stage means "not understood", never a crashed turn.
            log.exception("understanding failed: %r", text)
            parsed = ParseResult(text)
        if conversation.pending is not None and conversation.pending.skill == CLARIFY:
            parsed = _confirmed(conversation.pending, parsed)
        understood = time.perf_counter()
        turn = Turn(
            parsed.intent or "",
            dict(parsed.slots),
            text,
            now,
            conversation.id,
            device_area=device_area,
            response=parsed.response,
        )
        try:
            outcome = self._outcome(conversation, parsed, turn, expired)
        except Exception:
            # The household gets an answer whatever broke; the log gets the details.
            log.exception("turn failed: %r", text)
            outcome = Outcome(FAILED, code="failed")
        if outcome.code == "done" and parsed.intent and outcome.pending is None:
            # Home Assistant's own wording, where its template needs only the slots.
            said = ha_reply(parsed.intent, parsed.response, spoken_amounts(turn.slots, text))
            if said:
                outcome = Outcome(said, outcome.actions, outcome.pending, outcome.code)
        rung = self.due_rings(now)
        if rung:
            # Whatever came due since the last turn is said first, on whichever turn comes.
            said = " ".join(ring.announcement for ring in rung)
            actions = tuple(
                Action(
                    f"{ring.kind}:{ring.name or ring.id}", "ring", {}, {"at": ring.at.isoformat()}
                )
                for ring in rung
            )
            outcome = Outcome(f"{said} {outcome.reply}", actions + outcome.actions,
                              outcome.pending, outcome.code)  # fmt: skip
        asked_before = conversation.pending
        conversation.pending = outcome.pending
        if outcome.code == "done" and parsed.intent and parsed.intent not in _ANSWERS:
            conversation.last_intent, conversation.last_slots = turn.intent, turn.slots
            conversation.last_response = turn.response
        elif outcome.code == "done" and asked_before and "intent" in asked_before.data:
            # A question answered ("In welchem Raum?" "Im Schlafzimmer"): the request it
            # completed is what a follow-up repeats.
            answer = self._place(text)
            conversation.last_intent = str(asked_before.data["intent"])
            conversation.last_slots = {**asked_before.data.get("slots", {}), **answer}
            conversation.last_response = asked_before.data.get("response")
        elif parsed.intent in _CANCEL or outcome.code == "asked":
            # Nothing was done that a follow-up ("und im Bad auch") could repeat.
            conversation.last_intent = None
        self.conversations.save(conversation, now)
        return TurnResult(
            text,
            parsed.intent,
            dict(parsed.slots),
            outcome.reply,
            conversation.id,
            [action.to_json() for action in outcome.actions],
            outcome.code,
            {"understand": understood - began, "act": time.perf_counter() - understood},
        )

    def _snapshot(self) -> HomeSnapshot:
        """The home as it is now, plus names skills know (the weather skill's places)."""
        snapshot = self.home.snapshot()
        extra = tuple(e for skill in self.skills.values() if isinstance(skill, WeatherSkill)
                      for e in skill.names())  # fmt: skip
        return replace(snapshot, entities=snapshot.entities + extra) if extra else snapshot

    def due_rings(self, now: datetime) -> list[Ring]:
        """Timers and alarms that ran out since they were last looked at."""
        rings: list[Ring] = []
        for skill in self.skills.values():
            if isinstance(skill, TimerSkill | AlarmSkill):
                rings.extend(skill.due(now))
        return rings

    def _outcome(
        self, conversation: Conversation, parsed: ParseResult, turn: Turn, expired: bool
    ) -> Outcome:
        pending = conversation.pending
        if pending is not None:
            skill = self.skills.get(pending.skill)
            answers = parsed.intent in _ANSWERS or pending.kind == "question"
            if skill is not None and (answers or parsed.intent is None):
                return skill.resume(pending, self._with_place(turn, parsed))
            if parsed.intent in _CANCEL:
                return Outcome(CANCELLED, code="nothing")
        if parsed.intent is None and expired:
            return Outcome(EXPIRED, code="nothing")
        if parsed.intent is None:
            follow_up = self._follow_up(conversation, turn)
            if follow_up is not None:
                return follow_up
            unknown = self._unknown_target(turn.text)
            if unknown is not None:
                return Outcome(unknown, code="refused")
            guess = parsed.guess
            asker = self.by_intent.get(guess.intent) if guess is not None else None
            if guess is not None and asker is not None and guess.intent in _ASKS_ITSELF:
                # Its skill asks before it acts ("Soll ich ... bestellen?"): one question.
                return asker.handle(replace(turn, intent=guess.intent, slots=dict(guess.slots)))
            if guess is not None and asker is not None:
                # The model is unsure: ask, and act only on a "ja" (see _confirmed).
                data = {"intent": guess.intent, "slots": guess.slots}
                return ask_back(CLARIFY, "confirm", data, question(guess.intent, guess.slots),
                                turn.now)  # fmt: skip
            return Outcome(NOT_UNDERSTOOD, code="nothing")
        if parsed.intent in _ANSWERS:
            return Outcome(
                EXPIRED if expired else "Es gibt gerade nichts zu bestätigen.", code="nothing"
            )
        skill = self.by_intent.get(parsed.intent)
        if skill is None:
            return Outcome("Das kann ich leider noch nicht.", code="nothing")
        if parsed.source == "model":
            # The model reads past words it does not know; a room or device the home lacks
            # must be named, not skipped ("Mach das Licht im Dachboden an").
            unknown = self._unknown_target(turn.text)
            if unknown is not None:
                return Outcome(unknown, code="refused")
        return skill.handle(turn)

    def _follow_up(self, conversation: Conversation, turn: Turn) -> Outcome | None:
        """ "und im Schlafzimmer auch": the last request again, for another place."""
        if conversation.last_intent is None:
            return None
        place = self._place(turn.text)
        skill = self.by_intent.get(conversation.last_intent)
        if not place or skill is None:
            return None
        slots = {
            k: v for k, v in conversation.last_slots.items() if k not in ("name", "area", "floor")
        }
        again = Turn(
            conversation.last_intent,
            {**slots, **place},
            turn.text,
            turn.now,
            turn.conversation_id,
            device_area=turn.device_area,
            response=_follow_up_response(conversation.last_response, place),
        )
        return skill.handle(again)

    def _unknown_target(self, text: str) -> str | None:
        """ "Mach das Licht im Dachboden an": a command for a room or device the home lacks.

        Each word in turn is replaced by a known room, then a known device; if the sentence
        then reads as a command about exactly that room or device, the word named one that
        does not exist, and the answer says what does.
        """
        config = self.home.config
        if not config.areas or not config.devices:
            return None
        snapshot = self.home.snapshot()
        words = text.split()
        for index, word in enumerate(words[:_MAX_WORDS_TRIED]):
            spoken = word.strip(".,!?;:")
            if len(spoken) < 3 or not spoken[:1].isupper():
                continue
            for slot, stand_in, said in (
                ("area", config.areas[0].name, _rooms(config)),
                ("name", config.devices[0].name, _devices(config)),
            ):
                trial = " ".join([*words[:index], stand_in, *words[index + 1 :]])
                result = self.understanding.parse(trial, snapshot, model=False)
                if result.intent is not None and result.slots.get(slot) == stand_in:
                    what = "keinen Raum" if slot == "area" else "kein Gerät namens"
                    return f"Ich kenne {what} {spoken}. {said}"
        return None

    def _with_place(self, turn: Turn, parsed: ParseResult) -> Turn:
        """An answer like "im Wohnzimmer" is no command; read the place out of it."""
        if parsed.intent is not None:
            return turn
        place = self._place(turn.text)
        return Turn(
            turn.intent,
            {**turn.slots, **place},
            turn.text,
            turn.now,
            turn.conversation_id,
            device_area=turn.device_area,
        )

    def _place(self, text: str) -> dict[str, str]:
        """The area, floor or device a short phrase names, if it names exactly one thing."""
        words = [w for w in text.replace(",", " ").split() if w.casefold() not in _FOLLOW_UP_WORDS]
        phrase = " ".join(words)
        config = self.home.config
        for slot, index in (
            ("area", NameIndex((a.name, a.aliases) for a in config.areas)),
            ("floor", NameIndex.from_names(config.floors)),
            ("name", NameIndex((d.name, d.aliases) for d in config.devices)),
        ):
            found = index.resolve(phrase) if phrase else None
            if found is not None:
                return {slot: found}
        return {}


def _confirmed(pending: Pending, parsed: ParseResult) -> ParseResult:
    """A "ja" to "Meinst du: ...?" is the request asked about, exactly as if it was said."""
    if parsed.intent != "Affirm":
        return parsed
    slots = dict(pending.data.get("slots") or {})
    return ParseResult(parsed.text, str(pending.data["intent"]), slots, 1.0, "model")


def _follow_up_response(last: str | None, place: dict[str, str]) -> str | None:
    """The response key for the same request at another place ("light" for a named lamp)."""
    if last is None:
        return None
    if "name" in place:
        return "default"
    if "floor" in place:
        return last.replace("_area", "_floor")
    return last.replace("_floor", "_area")


def _rooms(config: HomeConfig) -> str:
    return f"Es gibt {join_words([area.name for area in config.areas])}."


def _devices(config: HomeConfig) -> str:
    names = [d.name for d in config.devices if d.domain != "todo"][:6]
    return f"Es gibt zum Beispiel {join_words(names)}."
