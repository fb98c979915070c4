"""The home skill: lights, switches, covers, thermostats, fans, vacuums and questions about them."""

from __future__ import annotations

from typing import Any

from hausgeist.home.drivers.base import DriverError, State
from hausgeist.home.model import Device
from hausgeist.home.registry import Home, Selection
from hausgeist.skills.base import Action, Outcome, Pending, Turn, ask_back
from hausgeist.skills.german import join_words
from hausgeist.skills.responses import ha_response

SWITCHABLE = ("light", "switch", "fan", "cover", "climate", "media_player", "vacuum", "lawn_mower")
STEP = 20  # percent, for "heller" and "dunkler" without a number
_STATE_WORDS = {
    "on": "an", "off": "aus", "open": "offen", "closed": "geschlossen", "heat": "an",
    "cleaning": "am Saugen", "docked": "in der Ladestation", "returning": "auf dem Rückweg",
    "mowing": "am Mähen", "locked": "abgeschlossen", "unlocked": "aufgeschlossen",
    "playing": "am Spielen", "paused": "pausiert", "idle": "bereit",
}  # fmt: skip


class HomeSkill:
    """Acts on the devices of the home."""

    name = "home"
    intents = frozenset(
        {
            "HassTurnOn", "HassTurnOff", "HassLightSet", "LightStep", "HassGetState",
            "HassSetPosition", "HassClimateSetTemperature", "HassClimateGetTemperature",
            "HassFanSetSpeed", "HassVacuumStart", "HassVacuumReturnToBase",
            "HassVacuumCleanArea", "HassLawnMowerStartMowing", "HassLawnMowerDock",
        }
    )  # fmt: skip

    def __init__(self, home: Home) -> None:
        self.home = home

    def handle(self, turn: Turn) -> Outcome:
        """Act on a request about devices."""
        slots = dict(turn.slots)
        everywhere = turn.response in _EVERYWHERE  # "alle Lichter": the whole home
        here = turn.device_area if turn.intent not in _ANYWHERE and not everywhere else None
        if turn.intent == "HassVacuumCleanArea":
            return self._clean_area(turn, slots)
        if here and not ({"name", "area", "floor"} & slots.keys()):
            slots["area"] = here
        elif _needs_a_place(turn.intent, slots) and not everywhere:
            asked = {"intent": turn.intent, "slots": slots, "response": turn.response}
            return ask_back(self.name, "question", asked, "In welchem Raum?", turn.now)
        try:
            implied = here is not None and slots.get("area") == here
            return self._act(turn, slots, implied_area=implied)
        except DriverError as err:
            return Outcome(str(err), code="failed")

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """The answer to "In welchem Raum?": a turn carrying an area or floor."""
        place = {k: v for k, v in turn.slots.items() if k in ("area", "floor", "name")}
        if not place:
            return Outcome("Das habe ich nicht verstanden. Sag bitte einen Raum.", code="nothing")
        original = Turn(
            pending.data["intent"], {**pending.data["slots"], **place}, turn.text, turn.now,
            turn.conversation_id, response=pending.data.get("response"),
        )  # fmt: skip
        return self.handle(original)

    def _act(self, turn: Turn, slots: dict[str, Any], implied_area: bool = False) -> Outcome:
        intent = turn.intent
        if intent == "HassGetState":
            return self._get_state(turn, slots)
        selection = self._select(slots, _domains(intent), implied_area)
        if selection.problem:
            return Outcome(selection.problem, code="refused")
        if intent == "HassClimateGetTemperature":
            return self._get_temperature(turn, selection.devices[0])
        change, problem = _change(intent, slots, selection.devices)
        if change is None:
            return Outcome(problem or "Das geht nicht.", code="refused")
        actions = tuple(self._apply(device, change) for device in selection.devices)
        return Outcome(_reply(turn, slots, actions), actions)

    def _select(
        self, slots: dict[str, Any], domains: tuple[str, ...], implied_area: bool
    ) -> Selection:
        """The devices meant; the satellite's own room is a preference, not a constraint.

        "Ventilator hier auf 50 Prozent" in a room without a fan means the home's only fan,
        if it has exactly one.
        """
        selection = self.home.select(slots, domains)
        if selection.devices or not implied_area:
            return selection
        anywhere = self.home.select({k: v for k, v in slots.items() if k != "area"}, domains)
        return anywhere if len(anywhere.devices) == 1 else selection

    def _clean_area(self, turn: Turn, slots: dict[str, Any]) -> Outcome:
        """ "Staubsauge das Wohnzimmer": a vacuum cleans one area (the satellite's for "hier")."""
        area = slots.get("area") or turn.device_area
        if not isinstance(area, str):
            asked = {"intent": turn.intent, "slots": slots, "response": turn.response}
            return ask_back(self.name, "question", asked, "Welchen Raum soll ich reinigen?",
                            turn.now)  # fmt: skip
        if isinstance(slots.get("name"), str):
            selection = self.home.select({"name": slots["name"]}, ("vacuum",))
        else:  # the vacuum in that room, else the home's vacuums
            selection = self.home.select({"area": area}, ("vacuum",))
            selection = selection if selection.devices else self.home.select({}, ("vacuum",))
        if selection.problem:
            return Outcome(selection.problem, code="refused")
        device = selection.devices[0]
        action = self.home.apply(device, {"state": "cleaning", "cleaning_area": area})
        said = ha_response(turn.intent, turn.response, slots={**slots, "area": area})
        return Outcome(said or f"{device.name} reinigt {area}.", (action,))

    def _apply(self, device: Device, change: State) -> Action:
        if "brightness_step" in change:  # LightStep: relative to each light's own brightness
            current = int(self.home.state(device).get("brightness", 100))
            level = max(1, min(100, current + int(change["brightness_step"])))
            return self.home.apply(device, {"state": "on", "brightness": level})
        return self.home.apply(device, change)

    def _get_state(self, turn: Turn, slots: dict[str, Any]) -> Outcome:
        selection = self.home.select(slots)
        if selection.problem:
            return Outcome(selection.problem, code="refused")
        states = [(d, str(self.home.state(d).get("state"))) for d in selection.devices]
        wanted = slots.get("state")
        matched = [d.name for d, s in states if wanted is None or _is_state(s, wanted)]
        unmatched = [d.name for d, s in states if d.name not in matched]
        first, state = states[0]
        said = _STATE_WORDS.get(state, state)
        # Home Assistant's question templates read `query` and `state`; give them ours.
        rendered = ha_response(
            "HassGetState", turn.response, slots=slots,
            query={"matched": [{"name": n} for n in matched],
                   "unmatched": [{"name": n} for n in unmatched]},
            state={"name": first.name, "state": state, "state_with_unit": said},
        )  # fmt: skip
        if rendered:
            return Outcome(rendered)
        if len(states) == 1:
            if wanted is None:
                return Outcome(f"{first.name} ist {said}.")
            return Outcome(f"{'Ja' if matched else 'Nein'}, {first.name} ist {said}.")
        if not matched:
            return Outcome(f"Nein, keins ist {_STATE_WORDS.get(str(wanted), wanted)}.")
        said = _STATE_WORDS.get(str(wanted), "so") if wanted else "da"
        return Outcome(f"{join_words(matched)} {'ist' if len(matched) == 1 else 'sind'} {said}.")

    def _get_temperature(self, turn: Turn, device: Device) -> Outcome:
        """The measured temperature, or the set one when the question asks for it."""
        state = self.home.state(device)
        target = turn.response == "target_temperature"
        if state.get("state") in ("unavailable", "unknown"):
            said = "Thermostat ist" if target else "Der Temperatursensor ist"
            return Outcome(f"{said} nicht verfügbar.", code="nothing")
        measured = state.get("current_temperature", state.get("temperature"))
        wanted = state.get("temperature") if target else measured
        if wanted is None:
            return Outcome(f"{device.name} meldet keine Temperatur.", code="nothing")
        return Outcome(f"{_number(wanted)} Grad")


def _is_state(state: str, wanted: Any) -> bool:
    """Whether a device's state answers a question about `wanted` ("offen" is "on" too)."""
    if state == wanted:
        return True
    return (wanted == "on" and state in _ON_LIKE) or (wanted == "off" and state in _OFF_LIKE)


_ON_LIKE = frozenset({"on", "open", "opening", "heat", "cool", "cleaning", "playing", "unlocked"})
_OFF_LIKE = frozenset({"off", "closed", "closing", "docked", "idle", "paused", "locked"})


# Questions are about the whole home unless they name a place; "hier" does not narrow them.
_ANYWHERE = frozenset({"HassGetState"})
# Home Assistant's response keys for "alle Lichter", "alle Ventilatoren", "alle öffnen".
_EVERYWHERE = frozenset({"light_all", "fan_all", "open_all", "close_all"})


def _needs_a_place(intent: str, slots: dict[str, Any]) -> bool:
    """ "Mach das Licht an" without a room, from a device that has none: ask where."""
    targeted = {"name", "area", "floor", "device_class"} & slots.keys()
    return intent in ("HassTurnOn", "HassTurnOff", "HassLightSet", "LightStep") and not targeted \
        and slots.get("domain") == "light" and not slots.get("all")  # fmt: skip


def _domains(intent: str) -> tuple[str, ...]:
    return {
        "HassLightSet": ("light",), "LightStep": ("light",), "HassSetPosition": ("cover",),
        "HassClimateSetTemperature": ("climate",), "HassClimateGetTemperature": ("climate",),
        "HassFanSetSpeed": ("fan",),
        "HassVacuumStart": ("vacuum",), "HassVacuumReturnToBase": ("vacuum",),
        "HassLawnMowerStartMowing": ("lawn_mower",), "HassLawnMowerDock": ("lawn_mower",),
    }.get(intent, SWITCHABLE)  # fmt: skip


def _change(
    intent: str, slots: dict[str, Any], devices: tuple[Device, ...]
) -> tuple[State | None, str | None]:
    """The state change a request asks for, or a German reason it cannot be done."""
    if intent in ("HassTurnOn", "HassTurnOff"):
        on = intent == "HassTurnOn"
        if all(d.domain == "lock" for d in devices):  # Home Assistant: "on" locks
            return {"state": "locked" if on else "unlocked"}, None
        if all(d.domain in ("cover", "valve") for d in devices):
            return ({"state": "open", "position": 100} if on else
                    {"state": "closed", "position": 0}), None  # fmt: skip
        return {"state": "on" if on else "off"}, None
    if intent == "LightStep":
        step = int(slots.get("step", STEP))
        return {"brightness_step": step if slots.get("direction") == "up" else -step}, None
    if intent == "HassLightSet":
        return _light_change(slots, devices)
    if intent == "HassSetPosition":
        position = slots.get("position")
        if not isinstance(position, int) or not 0 <= position <= 100:
            return None, "Die Position muss zwischen 0 und 100 Prozent liegen."
        return {"position": position, "state": "open" if position else "closed"}, None
    if intent == "HassClimateSetTemperature":
        degrees = slots.get("temperature")
        if not isinstance(degrees, int | float) or not 5 <= degrees <= 30:
            return None, "Ich kann die Temperatur nur zwischen 5 und 30 Grad einstellen."
        return {"temperature": degrees, "state": "heat"}, None
    if intent == "HassFanSetSpeed":
        percentage = slots.get("percentage")
        if not isinstance(percentage, int) or not 0 <= percentage <= 100:
            return None, "Die Stufe muss zwischen 0 und 100 Prozent liegen."
        return {"percentage": percentage, "state": "on" if percentage else "off"}, None
    return {"state": _ROBOT_STATES[intent]}, None


_ROBOT_STATES = {
    "HassVacuumStart": "cleaning", "HassVacuumReturnToBase": "returning",
    "HassLawnMowerStartMowing": "mowing", "HassLawnMowerDock": "returning",
}  # fmt: skip


def _light_change(
    slots: dict[str, Any], devices: tuple[Device, ...]
) -> tuple[State | None, str | None]:
    if "brightness" in slots:
        level = slots["brightness"]
        if not isinstance(level, int) or not 0 <= level <= 100:
            return None, "Die Helligkeit muss zwischen 0 und 100 Prozent liegen."
        return ({"state": "off"} if level == 0 else {"state": "on", "brightness": level}), None
    if "color" in slots:
        if not all(d.can("color") for d in devices):
            return None, "Diese Lampe kann keine Farben."
        return {"state": "on", "color": slots["color"]}, None
    kelvin = slots.get("temperature")
    if not isinstance(kelvin, int) or not 1500 <= kelvin <= 9000:
        return None, "Die Farbtemperatur muss zwischen 1500 und 9000 Kelvin liegen."
    if not all(d.can("color_temp") for d in devices):
        return None, "Diese Lampe kann ihre Farbtemperatur nicht ändern."
    return {"state": "on", "color_temp": kelvin}, None


def _reply(turn: Turn, slots: dict[str, Any], actions: tuple[Action, ...]) -> str:
    rendered = ha_response(turn.intent, turn.response, slots=slots)
    if rendered:
        return rendered
    names = join_words([action.target for action in actions])
    if turn.intent == "LightStep":
        levels = {action.state.get("brightness") for action in actions}
        level = f" auf {levels.pop()} Prozent" if len(levels) == 1 else ""
        return f"{names} {'heller' if slots.get('direction') == 'up' else 'dunkler'}{level}."
    return f"Erledigt: {names}."


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:.1f}".replace(".", ",")
