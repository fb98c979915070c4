"""Music: play by artist, album, title or genre, pause, skip, volume, and "what is playing?".

The skill drives one Player (the virtual library by default, MPD for a real home). Area and
device names in the request are accepted but not used: a home has one music player.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hausgeist.media.player import MEDIA_CLASSES, Player, PlayerError, PlayerRefused, Track, matches
from hausgeist.skills.base import Action, Outcome, Pending, Turn
from hausgeist.skills.responses import ha_response

# "lauter" and "leiser" without a number change the volume by this many percentage points.
VOLUME_STEP = 10

# Queries that ask for any music at all ("spiel Musik", "spiel was"): play the whole library.
_ANYTHING = frozenset({"", "musik", "was", "etwas", "irgendwas", "irgendetwas", "etwas musik"})

NOTHING_PLAYING = "Gerade läuft nichts."
VOLUME_RANGE = "Die Lautstärke kann ich nur zwischen 0 und 100 Prozent einstellen."


class MediaSkill:
    """Plays, pauses, skips and sets the volume of the home's music player."""

    name = "media"
    intents = frozenset(
        {
            "HassMediaSearchAndPlay",
            "HassMediaPause",
            "HassMediaUnpause",
            "HassMediaNext",
            "HassMediaPrevious",
            "HassSetVolume",
            "HassSetVolumeRelative",
            "HassMediaPlayerMute",
            "HassMediaPlayerUnmute",
            "MediaQuery",
        }
    )

    def __init__(self, player: Player) -> None:
        self.player = player
        self._handlers: dict[str, Callable[[Turn], Outcome]] = {
            "HassMediaSearchAndPlay": self._search_and_play,
            "HassMediaPause": self._pause,
            "HassMediaUnpause": self._unpause,
            "HassMediaNext": self._next,
            "HassMediaPrevious": self._previous,
            "HassSetVolume": self._set_volume,
            "HassSetVolumeRelative": self._step_volume,
            "HassMediaPlayerMute": self._mute,
            "HassMediaPlayerUnmute": self._unmute,
            "MediaQuery": self._query,
        }

    def handle(self, turn: Turn) -> Outcome:
        """Act on a media request; an unreachable player is a spoken failure."""
        handler = self._handlers.get(turn.intent)
        if handler is None:
            return Outcome("Das kann ich bei der Musik nicht.", code="nothing")
        try:
            return handler(turn)
        except PlayerError as err:
            return Outcome(err.message, code="failed")

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """The media skill asks nothing back, so an answer is handled as a new request."""
        return self.handle(turn)

    def _search_and_play(self, turn: Turn) -> Outcome:
        query = str(turn.slots.get("search_query") or "").strip()
        media_class = turn.slots.get("media_class")
        media_class = str(media_class) if media_class else None
        found, tracks = self._find(query, media_class)
        # A sentence of Home Assistant's grammar gets Home Assistant's words for the result.
        said = _ha_said(turn, tracks) if turn.response is not None else None
        if not tracks:
            return Outcome(said or f"Ich habe nichts zu „{query}“ gefunden.", code="nothing")
        self.player.play(tracks)
        data = {"query": query, "media_class": media_class, "tracks": len(tracks)}
        return self._done(said or _announce(found, media_class, tracks), "play", data)

    def _find(self, query: str, media_class: str | None) -> tuple[str, list[Track]]:
        """The tracks for a query and the part of the query that found them."""
        tracks = self.player.search(query, media_class) if query else []
        if not tracks and " von " in query:
            # "Rumours von Fleetwood Mac": an album or title, then its artist.
            what, artist = query.rsplit(" von ", 1)
            found = self.player.search(what, media_class)
            tracks = [track for track in found if matches(artist, track.artist)]
            if tracks:
                return what, tracks
        if not tracks and query.casefold() in _ANYTHING:
            return "", self.player.search("", None)
        return query, tracks

    def _pause(self, turn: Turn) -> Outcome:
        if self.player.status() == "stopped":
            return Outcome(NOTHING_PLAYING, code="nothing")
        self.player.pause()
        return self._done("Pausiert.", "pause")

    def _unpause(self, turn: Turn) -> Outcome:
        if self.player.status() == "playing":
            return Outcome("Die Musik läuft schon.", code="nothing")
        self.player.resume()
        if self.player.status() != "playing":
            return Outcome("Es gibt nichts zum Fortsetzen.", code="nothing")
        return self._done("Fortgesetzt.", "resume")

    def _next(self, turn: Turn) -> Outcome:
        if self.player.status() == "stopped":
            return Outcome(NOTHING_PLAYING, code="nothing")
        self.player.next()
        track = self.player.now_playing()
        reply = f"Weiter mit {_song(track)}." if track else "Das war der letzte Titel."
        return self._done(reply, "next")

    def _previous(self, turn: Turn) -> Outcome:
        if self.player.status() == "stopped":
            return Outcome(NOTHING_PLAYING, code="nothing")
        self.player.previous()
        track = self.player.now_playing()
        reply = f"Zurück zu {_song(track)}." if track else NOTHING_PLAYING
        return self._done(reply, "previous")

    def _set_volume(self, turn: Turn) -> Outcome:
        level = _integer(turn.slots.get("volume_level"))
        if level is None or not 0 <= level <= 100:
            return Outcome(VOLUME_RANGE, code="refused")
        self.player.set_volume(level)
        return self._done(f"Lautstärke auf {level} Prozent.", "volume", {"volume_level": level})

    def _step_volume(self, turn: Turn) -> Outcome:
        step = _volume_step(turn.slots.get("volume_step"))
        if step is None or not -100 <= step <= 100:
            return Outcome(VOLUME_RANGE, code="refused")
        current = self.player.volume()
        level = min(max(current + step, 0), 100)
        if level == current:
            reply = "Lauter geht es nicht." if step > 0 else "Leiser geht es nicht."
            return Outcome(reply, code="nothing")
        self.player.set_volume(level)
        return self._done(f"Lautstärke auf {level} Prozent.", "volume", {"volume_step": step})

    def _mute(self, turn: Turn) -> Outcome:
        self.player.mute()
        return self._done("Stumm geschaltet.", "mute")

    def _unmute(self, turn: Turn) -> Outcome:
        self.player.unmute()
        return self._done("Stummschaltung aus.", "unmute")

    def _query(self, turn: Turn) -> Outcome:
        track = self.player.now_playing()
        if track is None:
            return Outcome(NOTHING_PLAYING)
        if self.player.status() == "paused":
            return Outcome(f"{_song(track)} ist pausiert.")
        return Outcome(f"Gerade läuft {_song(track)}.")

    def _done(self, reply: str, kind: str, data: dict[str, Any] | None = None) -> Outcome:
        """A reply with one action on the player and the player's state afterwards."""
        return Outcome(
            reply, (Action(f"media:{self.player.name}", kind, data or {}, self._state()),)
        )

    def _state(self) -> dict[str, Any]:
        track = self.player.now_playing()
        try:
            volume: int | None = self.player.volume()
        except PlayerRefused:  # a player without a mixer has no volume to report
            volume = None
        return {
            "status": self.player.status(),
            "volume": volume,
            "title": track.title if track else None,
        }


def _ha_said(turn: Turn, tracks: list[Track]) -> str | None:
    """Home Assistant's reply: "Wiedergabe wird gestartet" or "Keine passenden Inhalte"."""
    media = [{"title": track.title, "artist": track.artist} for track in tracks]
    return ha_response(turn.intent, turn.response, slots={**turn.slots, "media": media})


def _announce(query: str, media_class: str | None, tracks: list[Track]) -> str:
    """What starts playing, in the words that fit what was found."""
    first = tracks[0]
    if not query:
        return "Ich spiele Musik."
    kind = media_class if media_class in MEDIA_CLASSES else _matched(query, tracks)
    if kind == "artist":
        return f"Ich spiele Musik von {_shared(tracks, 'artist') or query}."
    if kind == "album":
        by = f" von {first.artist}" if _shared(tracks, "artist") else ""
        return f"Ich spiele das Album „{_shared(tracks, 'album') or query}“{by}."
    if kind == "genre":
        return f"Ich spiele {_shared(tracks, 'genre') or query}."
    if kind == "track" or len(tracks) == 1:
        return f"Ich spiele {_song(first)}."
    return f"Ich spiele Musik zu „{query}“."


def _matched(query: str, tracks: list[Track]) -> str | None:
    """Which field of every found track the query matched, as a media class."""
    if len(tracks) == 1 and matches(query, tracks[0].title):
        return "track"
    for field, kind in (("artist", "artist"), ("album", "album"), ("genre", "genre")):
        if all(matches(query, getattr(track, field)) for track in tracks):
            return kind
    return None


def _shared(tracks: list[Track], field: str) -> str | None:
    """The value of a field when all tracks share it."""
    values = {getattr(track, field) for track in tracks}
    return values.pop() if len(values) == 1 and "" not in values else None


def _song(track: Track) -> str:
    """„Title“ von Artist, as said aloud."""
    return f"„{track.title}“ von {track.artist}" if track.artist else f"„{track.title}“"


def _integer(value: object) -> int | None:
    """An integer slot value, from an int or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return None


def _volume_step(value: object) -> int | None:
    """Home Assistant's volume_step: "up", "down" or a signed number of percentage points."""
    if value == "up":
        return VOLUME_STEP
    if value == "down":
        return -VOLUME_STEP
    return _integer(value)
