"""The home file, target selection and the virtual driver."""

from __future__ import annotations

import pytest

from hausgeist.home.config import DEMO_HOME, read_home_file
from hausgeist.home.drivers.virtual import VirtualDriver
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.home.snapshot import SnapshotError
from hausgeist.store.sqlite import Store


@pytest.fixture
def home() -> Home:
    config = HomeConfig.from_dict(read_home_file(DEMO_HOME))
    return Home(config, {"virtual": VirtualDriver(Store(":memory:"))})


def test_the_demo_home_has_every_room_on_two_floors(home: Home) -> None:
    rooms = {area.name for area in home.config.areas}
    assert {"Wohnzimmer", "Küche", "Schlafzimmer", "Bad", "Flur", "Kinderzimmer", "Büro"} <= rooms
    assert len(home.config.floors) == 2
    lit = {d.area for d in home.devices if d.domain == "light" and d.can("color") and d.can("dim")}
    assert rooms <= lit
    domains = {d.domain for d in home.devices}
    assert {"switch", "cover", "climate", "vacuum", "media_player", "todo"} <= domains


def test_selection_by_name_alias_area_floor_and_domain(home: Home) -> None:
    assert [d.name for d in home.select({"name": "Deckenlampe"}).devices] == ["Wohnzimmerlicht"]
    kitchen = home.select({"area": "Küche", "domain": "light"}).devices
    assert [d.name for d in kitchen] == ["Küchenlicht"]
    upstairs = home.select({"floor": "Obergeschoss", "domain": "light"}).devices
    assert {d.area for d in upstairs} == {"Schlafzimmer", "Kinderzimmer", "Bad"}
    assert len(home.select({"domain": "light"}).devices) == 9


def test_nothing_there_is_said_in_german(home: Home) -> None:
    selection = home.select({"area": "Bad", "domain": "cover"})
    assert selection.devices == () and selection.problem == "Ich finde kein Rollladen im Raum Bad."
    unknown = home.select({"name": "Discokugel"})
    assert unknown.problem == "Ich kenne kein Gerät namens Discokugel."


def test_the_virtual_driver_remembers_state(home: Home) -> None:
    lamp = home.device("Stehlampe")
    assert lamp is not None and home.state(lamp)["state"] == "off"
    action = home.apply(lamp, {"state": "on", "brightness": 30})
    assert action.state["brightness"] == 30 and home.state(lamp)["state"] == "on"


@pytest.mark.parametrize(
    "data",
    [
        {"entities": [{"name": "X"}]},
        {"entities": [{"name": "X", "domain": "light", "area": "Keller"}]},
        {"entities": [{"name": "X", "domain": "light"}, {"name": "x", "domain": "switch"}]},
        {"areas": [{"floor": "EG"}]},
        [1, 2],
    ],
)
def test_a_broken_home_file_is_refused_with_a_reason(data: object) -> None:
    with pytest.raises(SnapshotError):
        HomeConfig.from_dict(data)  # type: ignore[arg-type]
