"""How often hausgeist's reply equals the reply Home Assistant's German suite expects.

For every suite row whose intent and slots hausgeist understands exactly (against the row's
own `context`, as tests/language/test_ha_suite.py reads it), the row's home becomes a
hausgeist home with a fresh in-memory store, the sentence runs as a whole turn, and the
reply is compared with the row's `response` (ignoring case, spaces and a final period). The
row's `response` is read only for that comparison: it never shapes the home and never
chooses a reply.

Home Assistant's tests run against a home of which each row's `context` is an excerpt. This
harness fills in what the excerpt leaves out, from the context and the understood sentence
alone, and so makes these assumptions:

- Domains: the suite's entities name none. For the device the sentence names, a response
  key of the understood sentence that names a kind of device (scene, script, lock, valve)
  decides. Otherwise a state only one kind of device has (locked/unlocked: lock; zu Hause,
  unterwegs, home, not_home: person); else a German word in the name (Licht, Lampe: light;
  Ventilator: fan; Schalter: switch; Fenster, Rollladen, Rollo, Vorhang, Markise, Tor, Tür:
  cover of that device class; Ventil: valve; Thermostat, Heizung: climate; Fernseher,
  Radio, Lautsprecher: media_player; Melder, Sensor: binary_sensor); else the domain the
  sentence or intent is about; else the state (heat: climate; open/closed: cover;
  playing/paused/idle: media_player); else "switch".
- Floors: the suite's areas name no floor. An area goes on the floor Home Assistant's German
  test fixture gives it (Küche, Flur, Wohnzimmer, Eingang, Terrasse: Erdgeschoss;
  Schlafzimmer: Obergeschoss; Büro: Keller), and rooms the fixture lacks where German
  houses have them (Foyer, Diele, Garage: Erdgeschoss; Kinderzimmer, Bad, Galerie:
  Obergeschoss), if the home has that floor. Other rooms of a one-floor home are on it.
- A device the sentence names together with a place ("die Stehlampe im Schlafzimmer") is
  there when the context gives it no area.
- Devices the tests take for granted: when the sentence is about a domain and names an area
  or floor with no such device (or the home has no devices at all), that place gets one
  ("Testgerät <domain>"; a floor without areas gets a room "Raum im <floor>" for it).
- The satellite: every sentence is spoken at a satellite standing in the home's first area,
  or in a room "Hier" the harness adds when the home has none ("hier", "in diesem Raum").
- Media: the rows' `media` lists are excerpts of one library (seven titles in all); the
  player's library holds all of them, as Home Assistant's test home does; the item whose
  title the sentence searches is filed under the media class the sentence names (an artist
  for "Musik von Led Zeppelin"). Something is playing for every media sentence, and it is
  paused for "fortsetzen" (HassMediaUnpause), which Home Assistant's tests assume.
- Lists: the item to tick off or remove is on the list the sentence names.
- Timers: the context's timers are started so that their time left matches (a timer with
  more time left than it started with was extended); a timer sentence whose home lists none
  gets one timer of the duration, name and area the sentence names (else 3 hours).

Some replies depend on facts no row gives: the clock and date of Home Assistant's test
fixture, the weather, and thermostat readings. Those rows are counted on their own line;
the harness's clock and thermostats are its own and are not set to the fixture's values,
and it runs no weather skill (that needs the network).

    .venv/bin/python bench/responses.py [--intent HassX] [--show 20]
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hausgeist.dialog.assistant import Assistant
from hausgeist.home.drivers.virtual import VirtualDriver
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.build import load_compiled
from hausgeist.language.parse import ParseResult, Understanding
from hausgeist.language.peer_suite import SuiteRow, agrees, read_suite
from hausgeist.media.player import Track
from hausgeist.media.virtual import VirtualPlayer
from hausgeist.skills.alarms import AlarmSkill
from hausgeist.skills.base import Turn
from hausgeist.skills.home import HomeSkill
from hausgeist.skills.info import InfoSkill
from hausgeist.skills.lists import ListSkill
from hausgeist.skills.media import MediaSkill
from hausgeist.skills.timers import TimerSkill
from hausgeist.store.sqlite import Store

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT.parent / "shared" / "data" / "ha-intents-de" / "tests.jsonl"
SATELLITE_ROOM = "Hier"
# Replies that need a value of Home Assistant's test fixture that no row gives.
FIXTURE_INTENTS = {
    "HassGetCurrentTime": "the fixture's clock",
    "HassGetCurrentDate": "the fixture's date",
    "HassGetWeather": "the fixture's weather readings",
    "HassClimateGetTemperature": "the fixture's thermostat readings",
}
_STATE_DOMAINS = {
    "locked": "lock", "unlocked": "lock", "home": "person", "not_home": "person",
    "zu Hause": "person", "unterwegs": "person",
}  # fmt: skip
_WEAK_STATE_DOMAINS = {
    "heat": "climate", "cool": "climate", "open": "cover", "closed": "cover",
    "playing": "media_player", "paused": "media_player", "idle": "media_player",
    "docked": "vacuum",
}  # fmt: skip
_NAME_DOMAINS = (
    ("ventilator", "fan", None), ("lüfter", "fan", None), ("schalter", "switch", None),
    ("steckdose", "switch", None), ("fenster", "cover", "window"),
    ("rollladen", "cover", "shutter"), ("rollo", "cover", "blind"),
    ("jalousie", "cover", "blind"), ("vorhang", "cover", "curtain"),
    ("markise", "cover", "awning"), ("garagentor", "cover", "garage"),
    ("tor", "cover", "gate"), ("tür", "cover", "door"), ("ventil", "valve", None),
    ("thermostat", "climate", None),
    ("heizung", "climate", None), ("fernseher", "media_player", None),
    ("radio", "media_player", None), ("lautsprecher", "media_player", None),
    ("licht", "light", None), ("lampe", "light", None), ("leuchte", "light", None),
    ("melder", "binary_sensor", None), ("sensor", "binary_sensor", None),
)  # fmt: skip
# Response keys of the understood sentence that say what kind of device it names.
_RESPONSE_DOMAINS = {"scene": "scene", "script": "script", "lock": "lock", "valve": "valve"}
_FLOOR_OF_ROOM = {
    "Küche": "Erdgeschoss", "Flur": "Erdgeschoss", "Wohnzimmer": "Erdgeschoss",
    "Foyer": "Erdgeschoss", "Diele": "Erdgeschoss", "Eingang": "Erdgeschoss",
    "Garage": "Erdgeschoss", "Terrasse": "Erdgeschoss", "Schlafzimmer": "Obergeschoss",
    "Kinderzimmer": "Obergeschoss", "Bad": "Obergeschoss", "Galerie": "Obergeschoss",
    "Büro": "Keller",
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print N differing replies")
    parser.add_argument("--intent", help="only rows of this intent")
    args = parser.parse_args()
    clock = lambda: datetime(2026, 11, 25, 9, 30)  # noqa: E731
    understanding = Understanding(load_compiled("de", None), HomeSnapshot(), clock)
    understood = same = fixture_rows = fixture_same = 0
    per_intent: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    differing: list[tuple[str, str, str]] = []
    began = time.perf_counter()
    for row in read_suite(SUITE):
        if args.intent and row.intent != args.intent:
            continue
        parsed = understanding.parse(row.text, HomeSnapshot.from_json(row.context))
        if not agrees(parsed, row):
            continue
        built = _assistant(row, parsed, understanding, clock)
        if built is None:
            continue
        assistant, satellite = built
        understood += 1
        reply = assistant.ask(row.text, device_area=satellite).reply
        hit = _norm(reply) == _norm(row_response(row))
        same += hit
        if row.intent in FIXTURE_INTENTS:
            fixture_rows += 1
            fixture_same += hit
        per_intent[row.intent][0] += hit
        per_intent[row.intent][1] += 1
        if not hit:
            differing.append((row.text, row_response(row), reply))
    print(f"command: .venv/bin/python bench/responses.py ({time.perf_counter() - began:.0f} s)")
    print(f"rows understood exactly: {understood}; reply equals the suite's: {same} "
          f"({same / max(understood, 1):.1%})")  # fmt: skip
    rest, rest_same = understood - fixture_rows, same - fixture_same
    print(f"  of these, {fixture_rows} need values of Home Assistant's test fixture "
          f"(its clock, date, weather, thermostat readings) and {fixture_same} agree; "
          f"the other {rest}: {rest_same} ({rest_same / max(rest, 1):.1%})")  # fmt: skip
    for intent, (hits, total) in sorted(per_intent.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        note = f"  (needs {FIXTURE_INTENTS[intent]})" if intent in FIXTURE_INTENTS else ""
        print(f"  {intent:32s} {hits:4d} / {total:4d}{note}")
    for text, want, got in differing[: args.show]:
        print(f"  {text!r}: want {want!r}, got {got!r}")


_RESPONSES: dict[str, str] = {}


def row_response(row: SuiteRow) -> str:
    """The row's expected reply: read for the comparison only."""
    if not _RESPONSES:
        for line in SUITE.read_text(encoding="utf-8").splitlines():
            data = json.loads(line)
            _RESPONSES[data["source"] + data["text"]] = str(data.get("response", ""))
    return _RESPONSES[row.source + row.text]


def _assistant(
    row: SuiteRow, parsed: ParseResult, understanding: Understanding, clock: Any
) -> tuple[Assistant, str | None] | None:
    """The row's home as an assistant, and the area the satellite stands in."""
    home_data, satellite = _home_data(row, parsed)
    try:
        config = HomeConfig.from_dict(home_data)
    except Exception:  # a context this harness cannot turn into a home
        return None
    store = Store(":memory:")
    home = Home(config, {"virtual": VirtualDriver(store)})
    for device in config.devices:
        if device.initial:
            home.apply(device, device.initial)
    timers = TimerSkill(store, clock)
    _recreate_timers(timers, _timers(row, parsed), clock())
    lists = ListSkill(store, home)
    if row.intent in _TICK_OFF and parsed.slots.get("item"):
        add = "HassShoppingListAddItem" if "Shopping" in row.intent else "HassListAddItem"
        item = {k: parsed.slots[k] for k in ("item", "name") if k in parsed.slots}
        lists.handle(Turn(add, item, "", clock(), "setup"))
    skills = [HomeSkill(home), lists, InfoSkill(), timers, AlarmSkill(store, clock),
              MediaSkill(_player(row, parsed))]  # fmt: skip
    return Assistant(understanding, home, store, skills, clock), satellite


def _home_data(row: SuiteRow, parsed: ParseResult) -> tuple[dict[str, Any], str | None]:
    """Areas (on floors), floors and typed entities for the row's home; the satellite's area."""
    context = row.context
    floors = [str(f) for f in context.get("floors") or []]
    areas = [_area(a, floors) for a in context.get("areas") or []]
    satellite = areas[0]["name"] if areas else SATELLITE_ROOM
    if not areas:
        areas.append({"name": SATELLITE_ROOM})
    domain = parsed.slots.get("domain") or _INTENT_DOMAINS.get(row.intent)
    device_class = parsed.slots.get("device_class")
    if device_class in _COVER_CLASSES:
        domain = "cover"
    named = parsed.slots.get("name")
    hinted = _RESPONSE_DOMAINS.get(parsed.response or "")
    entities = [_entity(e, domain, device_class, hinted if e["name"] == named else None)
                for e in context.get("entities") or []]  # fmt: skip
    place, floor = parsed.slots.get("area"), parsed.slots.get("floor")
    if isinstance(floor, str) and not any(a.get("floor") == floor for a in areas):
        place = f"Raum im {floor}"
        areas.append({"name": place, "floor": floor})
    elif isinstance(floor, str):
        place = next(a["name"] for a in areas if a.get("floor") == floor)
    for entity in entities:
        if entity["name"] == named and not entity.get("area") and isinstance(place, str):
            entity["area"] = place  # the device the sentence places there is there
    if domain and not isinstance(parsed.slots.get("name"), str):
        where = place if isinstance(place, str) else satellite
        if not any(e["domain"] == domain and (place is None or e.get("area") == where)
                   for e in entities):  # fmt: skip
            entities.append({"name": f"Testgerät {domain}", "domain": domain, "area": where,
                             "device_class": device_class})  # fmt: skip
    data = {**context, "areas": areas, "floors": floors, "entities": entities}
    return data, satellite


def _area(area: Any, floors: list[str]) -> dict[str, Any]:
    name = area if isinstance(area, str) else str(area.get("name"))
    floor = _FLOOR_OF_ROOM.get(name, floors[0] if len(floors) == 1 else None)
    return {"name": name, "floor": floor if floor in floors else None}


def _entity(
    entity: dict[str, Any], domain: str | None, device_class: Any, hint: str | None
) -> dict[str, Any]:
    """A suite entity with the domain and device class the harness takes it to have."""
    state = str(entity.get("state") or "")
    folded = str(entity["name"]).casefold()
    named = next(((d, c) for word, d, c in _NAME_DOMAINS if word in folded), None)
    if hint:
        kind, cls = hint, None
    elif state in _STATE_DOMAINS:
        kind, cls = _STATE_DOMAINS[state], None
    elif named is not None:
        kind, cls = named
    elif domain:
        kind, cls = domain, device_class
    else:
        kind, cls = _WEAK_STATE_DOMAINS.get(state, "switch"), None
    return {**entity, "domain": kind, "device_class": cls}


def _player(row: SuiteRow, parsed: ParseResult) -> VirtualPlayer:
    """The row's media library, playing (paused before "fortsetzen") for media sentences."""
    query = str(parsed.slots.get("search_query") or "")
    media_class = str(parsed.slots.get("media_class") or "")
    library = []
    for number, title in enumerate(_suite_media()):
        fields = {"title": title, "artist": "", "album": "", "genre": ""}
        if title.casefold() == query.casefold() and media_class in ("artist", "album", "genre"):
            fields = {**fields, "title": f"Titel {number + 1}", media_class: title}
        library.append(Track(file=f"media/{number:02d}.flac", **fields))
    player = VirtualPlayer(library or [Track("Titel", "", "", "", "media/00.flac")])
    if row.context.get("media") or row.intent.startswith("HassMedia"):
        player.play(player.library)
        if row.intent == "HassMediaUnpause":
            player.pause()
    return player


_MEDIA: list[str] = []


def _suite_media() -> list[str]:
    """The titles of the one media library the suite's contexts are excerpts of."""
    if not _MEDIA:
        for row in read_suite(SUITE):
            for item in row.context.get("media") or []:
                if item.get("title") and item["title"] not in _MEDIA:
                    _MEDIA.append(str(item["title"]))
    return _MEDIA


def _timers(row: SuiteRow, parsed: ParseResult) -> list[dict[str, Any]]:
    """The row's timers, or the one its timer sentence takes for granted."""
    wanted = list(row.context.get("timers") or [])
    if wanted or row.intent not in _TIMER_INTENTS:
        return wanted
    timer = {k: parsed.slots[k] for k in ("name", "area", "start_hours", "start_minutes",
                                           "start_seconds") if k in parsed.slots}  # fmt: skip
    if not any(k.startswith("start_") for k in timer):
        timer["start_hours"] = 3
    return [{**timer, "is_active": row.intent != "HassUnpauseTimer"}]


def _recreate_timers(skill: TimerSkill, timers: list[dict[str, Any]], now: datetime) -> None:
    """The row's running and paused timers, started so that their remaining time matches."""
    for timer in timers:
        duration = {k: timer[f"start_{k}"] for k in ("hours", "minutes", "seconds")
                    if timer.get(f"start_{k}")}  # fmt: skip
        total = timer.get("start_hours", 0) * 3600 + timer.get("start_minutes", 0) * 60 + \
            timer.get("start_seconds", 0)  # fmt: skip
        left = timer.get("total_seconds_left", total)
        started = now - timedelta(seconds=max(total - left, 0))
        slots = {**duration, **{k: timer[k] for k in ("name", "area") if timer.get(k)}}
        which = {k: v for k, v in slots.items() if k in ("name", "area")}
        skill._clock = lambda started=started: started  # type: ignore[misc]
        skill.handle(Turn("HassStartTimer", slots, "", started, "setup"))
        if left > total:  # more time left than it started with: it was extended
            extra = {"seconds": left - total, **which}
            skill.handle(Turn("HassIncreaseTimer", extra, "", started, "setup"))
        if not timer.get("is_active", True):
            skill._clock = lambda: now  # type: ignore[misc]
            skill.handle(Turn("HassPauseTimer", which, "", now, "setup"))
    skill._clock = lambda: now  # type: ignore[misc]


_INTENT_DOMAINS = {
    "HassLightSet": "light", "HassClimateSetTemperature": "climate",
    "HassClimateGetTemperature": "climate", "HassVacuumStart": "vacuum",
    "HassVacuumReturnToBase": "vacuum", "HassVacuumCleanArea": "vacuum",
    "HassLawnMowerStartMowing": "lawn_mower", "HassLawnMowerDock": "lawn_mower",
    "HassSetPosition": "cover", "HassFanSetSpeed": "fan", "HassSetVolume": "media_player",
    "HassSetVolumeRelative": "media_player", "HassMediaPause": "media_player",
    "HassMediaUnpause": "media_player", "HassMediaNext": "media_player",
    "HassMediaPrevious": "media_player", "HassMediaPlayerMute": "media_player",
    "HassMediaPlayerUnmute": "media_player", "HassMediaSearchAndPlay": "media_player",
    "HassGetWeather": "weather", "HassListAddItem": "todo", "HassListRemoveItem": "todo",
    "HassListCompleteItem": "todo",
}  # fmt: skip
_TIMER_INTENTS = {
    "HassCancelTimer", "HassCancelAllTimers", "HassIncreaseTimer", "HassDecreaseTimer",
    "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus",
}  # fmt: skip
_TICK_OFF = {"HassShoppingListCompleteItem", "HassListCompleteItem", "HassListRemoveItem"}
_COVER_CLASSES = {"awning", "blind", "curtain", "door", "garage", "gate", "shade", "shutter",
                  "window"}  # fmt: skip


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".!")


if __name__ == "__main__":
    main()
