"""Weather: the current weather of a known place, from a pluggable provider (Bright Sky)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException, HTTPResponse
from typing import Protocol
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from hausgeist.home.snapshot import Entity
from hausgeist.skills.base import Outcome, Pending, Turn

# The 20 largest German cities, the default places a household can ask about.
GERMAN_CITIES: dict[str, tuple[float, float]] = {
    "Berlin": (52.520, 13.405),
    "Hamburg": (53.551, 9.994),
    "München": (48.137, 11.575),
    "Köln": (50.938, 6.960),
    "Frankfurt am Main": (50.110, 8.682),
    "Stuttgart": (48.776, 9.183),
    "Düsseldorf": (51.227, 6.773),
    "Leipzig": (51.340, 12.375),
    "Dortmund": (51.514, 7.466),
    "Essen": (51.456, 7.012),
    "Bremen": (53.079, 8.802),
    "Dresden": (51.050, 13.738),
    "Hannover": (52.376, 9.732),
    "Nürnberg": (49.452, 11.077),
    "Duisburg": (51.435, 6.763),
    "Bochum": (51.482, 7.216),
    "Wuppertal": (51.256, 7.151),
    "Bielefeld": (52.030, 8.532),
    "Bonn": (50.737, 7.098),
    "Münster": (51.961, 7.626),
}

UNAVAILABLE = "Das Wetter kann ich gerade nicht abrufen."

# Bright Sky's icons (and, where the icon says nothing, its conditions) as German phrases.
_PHRASES = {
    "clear-day": "es ist sonnig",
    "clear-night": "es ist klar",
    "partly-cloudy-day": "es ist teilweise bewölkt",
    "partly-cloudy-night": "es ist teilweise bewölkt",
    "cloudy": "es ist bewölkt",
    "fog": "es ist neblig",
    "wind": "es ist windig",
    "rain": "es regnet",
    "sleet": "es gibt Schneeregen",
    "snow": "es schneit",
    "hail": "es hagelt",
    "thunderstorm": "es gewittert",
}
_CONDITIONS = frozenset({"dry", "fog", "rain", "sleet", "snow", "hail", "thunderstorm"})

# A current-weather answer is about 1 kB; anything far larger is not one.
_MAX_BODY = 256 * 1024
_CHUNK = 8192


class WeatherError(Exception):
    """The weather provider could not be reached, failed, or answered nonsense."""

    code = "weather_unavailable"

    def __init__(self, message: str = UNAVAILABLE) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Weather:
    """The current weather at one place, in Bright Sky's vocabulary and units."""

    temperature: float
    """Air temperature in °C."""
    condition: str | None = None
    """dry, fog, rain, sleet, snow, hail, thunderstorm, or None if unknown."""
    icon: str | None = None
    """clear-day, partly-cloudy-night, cloudy, fog, wind, rain, ..., or None if unknown."""
    wind_kmh: float | None = None
    """Mean wind speed over the last 10 minutes in km/h."""
    humidity: float | None = None
    """Relative humidity in percent."""


class WeatherProvider(Protocol):
    """A source of current weather by coordinates."""

    def current(self, latitude: float, longitude: float) -> Weather:
        """The weather now at the given place; raises WeatherError if it cannot say."""
        ...


class BrightSkyProvider:
    """Current weather from Bright Sky (DWD open data) over HTTP."""

    def __init__(self, base_url: str = "https://api.brightsky.dev", timeout: float = 3.0) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"Bright Sky needs an http(s) address, not {base_url!r}")
        if not timeout > 0:
            raise ValueError("the timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def current(self, latitude: float, longitude: float) -> Weather:
        """The weather now at the given place; raises WeatherError if it cannot say."""
        query = urlencode({"lat": latitude, "lon": longitude})
        body = self._get(f"{self.base_url}/current_weather?{query}")
        try:
            document = json.loads(body, parse_constant=_reject_constant)
        except ValueError as err:
            raise WeatherError() from err
        return parse_current_weather(document)

    def _get(self, url: str) -> bytes:
        """The response body, within one overall deadline."""
        # The socket timeout bounds every single wait; the deadline bounds a server that
        # trickles its answer slowly enough never to trip it.
        deadline = time.monotonic() + self.timeout
        request = Request(url, headers={"Accept": "application/json", "User-Agent": "hausgeist"})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return _read_until(response, deadline)
        except (OSError, HTTPException) as err:  # URLError, HTTPError and timeouts are OSErrors
            raise WeatherError() from err


def _read_until(response: HTTPResponse, deadline: float) -> bytes:
    """The whole body of `response`, or WeatherError past the deadline or size limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > _MAX_BODY or time.monotonic() > deadline:
            raise WeatherError()
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def parse_current_weather(document: object) -> Weather:
    """The Weather in a Bright Sky `current_weather` answer; WeatherError if it is not one."""
    weather = document.get("weather") if isinstance(document, Mapping) else None
    if not isinstance(weather, Mapping):
        raise WeatherError()
    temperature = _number(weather, "temperature")
    if temperature is None or not -90 <= temperature <= 60:
        raise WeatherError()
    condition = _text(weather, "condition")
    if condition is not None and condition not in _CONDITIONS:
        raise WeatherError()
    return Weather(
        temperature=temperature,
        condition=condition,
        icon=_text(weather, "icon"),
        wind_kmh=_number(weather, "wind_speed_10"),
        humidity=_number(weather, "relative_humidity"),
    )


def _number(fields: Mapping[str, object], key: str) -> float | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WeatherError()
    return float(value)


def _text(fields: Mapping[str, object], key: str) -> str | None:
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise WeatherError()
    return value


def say_weather(place: str, weather: Weather) -> str:
    """One German sentence: "In Berlin sind es 12 Grad, es ist bewölkt."."""
    degrees = _whole_degrees(weather.temperature)
    verb = "ist" if abs(degrees) == 1 else "sind"
    amount = f"minus {-degrees}" if degrees < 0 else str(degrees)
    sentence = f"In {place} {verb} es {amount} Grad"
    phrase = describe(weather)
    return f"{sentence}, {phrase}." if phrase else f"{sentence}."


def describe(weather: Weather) -> str | None:
    """The sky in German ("es regnet"), from the icon or else the condition; None if unknown."""
    return _PHRASES.get(weather.icon or "") or _PHRASES.get(weather.condition or "")


def _whole_degrees(temperature: float) -> int:
    # Half a degree rounds away from zero, as people say it (not Python's round-half-even).
    return int(math.copysign(math.floor(abs(temperature) + 0.5), temperature))


def _key(place: str) -> str:
    folded = place.strip().casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, spelled)
    return " ".join(folded.split())


class WeatherSkill:
    """Says the current weather at home or at another known place."""

    name = "weather"
    intents = frozenset({"HassGetWeather"})

    def __init__(
        self,
        provider: WeatherProvider,
        places: Mapping[str, tuple[float, float]] = GERMAN_CITIES,
        home_place: str = "Berlin",
    ) -> None:
        if home_place not in places:
            raise ValueError(f"the home place {home_place!r} is not among the places")
        self.provider = provider
        self.places = dict(places)
        self.home_place = home_place

    def names(self) -> tuple[Entity, ...]:
        """The places, as weather entities the understanding stage can hear ("in Hamburg")."""
        return tuple(Entity(place, "weather") for place in self.places)

    def handle(self, turn: Turn) -> Outcome:
        """Answer with the weather at the named place, or at home if none is named."""
        asked = str(turn.slots.get("name") or "").strip()
        place = self.find_place(asked) if asked else self.home_place
        if place is None:
            known = ", ".join(self.places)
            return Outcome(f"Für {asked} kenne ich keinen Ort. Ich kenne: {known}.", code="refused")
        latitude, longitude = self.places[place]
        try:
            weather = self.provider.current(latitude, longitude)
        except WeatherError as err:
            return Outcome(err.message, code="failed")
        return Outcome(say_weather(place, weather))

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """The weather skill asks nothing back, so an answer is handled as a new request."""
        return self.handle(turn)

    def find_place(self, asked: str) -> str | None:
        """The known place `asked` names ("muenchen", "Frankfurt"), or None."""
        wanted = _key(asked)
        by_key = {_key(place): place for place in self.places}
        if wanted in by_key:
            return by_key[wanted]
        # "Frankfurt" for "Frankfurt am Main", but only if it names one place.
        longer = [place for key, place in by_key.items() if key.startswith(wanted + " ")]
        return longer[0] if len(longer) == 1 else None
