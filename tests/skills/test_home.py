"""The home skill: where a request acts when it names no place, and what it answers."""

from __future__ import annotations

from typing import Any

import pytest

from hausgeist.home.drivers.virtual import VirtualDriver
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.skills.base import Turn
from hausgeist.skills.home import HomeSkill
from hausgeist.store.sqlite import Store
from tests.conftest import TODAY

HOME = {
    "floors": ["Erdgeschoss"],
    "areas": [{"name": "Küche", "floor": "Erdgeschoss"}, {"name": "Flur", "floor": "Erdgeschoss"}],
    "entities": [
        {"name": "Küchenlicht", "domain": "light", "area": "Küche"},
        {"name": "Flurlicht", "domain": "light", "area": "Flur"},
        {"name": "Deckenventilator", "domain": "fan", "area": "Flur"},
        {"name": "Haustür", "domain": "lock", "area": "Flur"},
        {"name": "Hauptventil", "domain": "valve"},
        {"name": "Rover", "domain": "vacuum"},
        {"name": "Thermostat", "domain": "climate", "area": "Küche"},
    ],
}


@pytest.fixture
def home(store: Store) -> Home:
    return Home(HomeConfig.from_dict(HOME), {"virtual": VirtualDriver(store)})


@pytest.fixture
def skill(home: Home) -> HomeSkill:
    return HomeSkill(home)


def ask(
    skill: HomeSkill,
    intent: str,
    response: str | None = None,
    here: str | None = None,
    **slots: Any,
) -> Any:
    return skill.handle(Turn(intent, slots, "", TODAY, "c", device_area=here, response=response))


def test_all_lights_means_every_light_even_from_a_satellite_in_one_room(skill: HomeSkill) -> None:
    done = ask(skill, "HassTurnOn", "light_all", here="Küche", domain="light")
    assert {a.target for a in done.actions} == {"Küchenlicht", "Flurlicht"}
    without_satellite = ask(skill, "HassTurnOff", "light_all", domain="light")
    assert {a.target for a in without_satellite.actions} == {"Küchenlicht", "Flurlicht"}


def test_the_light_without_a_place_is_the_light_of_the_satellites_room(skill: HomeSkill) -> None:
    done = ask(skill, "HassTurnOn", "light", here="Küche", domain="light")
    assert [a.target for a in done.actions] == ["Küchenlicht"]


def test_here_without_such_a_device_means_the_homes_only_one(skill: HomeSkill) -> None:
    done = ask(skill, "HassFanSetSpeed", here="Küche", percentage=50)
    assert [(a.target, a.state["percentage"]) for a in done.actions] == [("Deckenventilator", 50)]


def test_a_question_is_about_the_whole_home_wherever_it_is_asked(
    skill: HomeSkill, home: Home
) -> None:
    home.apply(home.devices[1], {"state": "on"})
    answer = ask(skill, "HassGetState", "any", here="Küche", domain="light", state="on")
    assert answer.reply == "Ja, Flurlicht"


def test_switching_a_lock_on_locks_it_and_off_unlocks_it(skill: HomeSkill, home: Home) -> None:
    ask(skill, "HassTurnOn", "lock", name="Haustür")
    assert home.state(home.devices[3])["state"] == "locked"
    assert ask(skill, "HassTurnOff", "lock", name="Haustür").actions[0].state["state"] == "unlocked"


def test_a_valve_opens_and_closes(skill: HomeSkill) -> None:
    assert ask(skill, "HassTurnOn", "valve", name="Hauptventil").actions[0].state["state"] == "open"
    closed = ask(skill, "HassTurnOff", "valve", name="Hauptventil")
    assert closed.actions[0].state["state"] == "closed"


def test_the_vacuum_cleans_the_named_room_or_the_satellites(skill: HomeSkill) -> None:
    named = ask(skill, "HassVacuumCleanArea", "default", area="Flur")
    assert named.reply == "Flur wird gereinigt"
    assert named.actions[0].state == {"state": "cleaning", "cleaning_area": "Flur"}
    assert ask(skill, "HassVacuumCleanArea", "default", here="Küche").reply == (
        "Küche wird gereinigt"
    )
    assert ask(skill, "HassVacuumCleanArea", "default").reply == "Welchen Raum soll ich reinigen?"


def test_the_temperature_asked_for_is_the_measured_or_the_set_one(skill: HomeSkill) -> None:
    assert ask(skill, "HassClimateGetTemperature", "current_temperature", area="Küche").reply == (
        "20,5 Grad"
    )
    ask(skill, "HassClimateSetTemperature", temperature=23)
    asked = ask(skill, "HassClimateGetTemperature", "target_temperature", here="Küche")
    assert asked.reply == "23 Grad"


def test_an_unavailable_thermostat_says_so(skill: HomeSkill, home: Home) -> None:
    home.apply(home.devices[6], {"state": "unavailable"})
    asked = ask(skill, "HassClimateGetTemperature", "current_temperature", area="Küche")
    assert (asked.reply, asked.code) == ("Der Temperatursensor ist nicht verfügbar.", "nothing")
