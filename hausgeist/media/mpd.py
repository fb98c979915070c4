"""The MPD player: speaks the MPD protocol (MPD or Mopidy) through python-mpd2.

Every call opens its own short connection: MPD drops idle clients after a while, and a
fresh connection per command needs no reconnect logic and no lock. Each connection has a
socket timeout, so an unreachable or silent server becomes a PlayerError, never a hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol, cast

from mpd import CommandError, MPDClient, MPDError  # type: ignore[import-untyped]

from hausgeist.media.player import (
    UNMUTED_VOLUME,
    PlayerError,
    PlayerRefused,
    Track,
    check_volume,
)

# MPD's tag for each media class; other classes search every tag.
_TAGS = {"artist": "artist", "album": "album", "track": "title", "genre": "genre"}
_STATES = {"play": "playing", "pause": "paused", "stop": "stopped"}

Song = dict[str, Any]  # MPD's answer: tag -> str, or list[str] for a repeated tag


class _Mpd(Protocol):
    """The part of python-mpd2's MPDClient this player uses, typed."""

    timeout: float

    def connect(self, host: str, port: int) -> None: ...
    def close(self) -> None: ...
    def disconnect(self) -> None: ...
    def find(self, tag: str, value: str) -> list[Song]: ...
    def search(self, tag: str, value: str) -> list[Song]: ...
    def clear(self) -> None: ...
    def add(self, uri: str) -> None: ...
    def play(self, position: int = 0) -> None: ...
    def pause(self, state: int) -> None: ...
    def next(self) -> None: ...
    def previous(self) -> None: ...
    def setvol(self, percent: int) -> None: ...
    def status(self) -> dict[str, str]: ...
    def currentsong(self) -> Song: ...
    def command_list_ok_begin(self) -> None: ...
    def command_list_end(self) -> list[Any]: ...


class MpdPlayer:
    """A player backed by an MPD server at host:port."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 6600, timeout: float = 2.0, name: str = "mpd"
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.name = name
        self._muted_volume: int | None = None

    @contextmanager
    def _client(self) -> Iterator[_Mpd]:
        """A connected client; protocol and socket failures become PlayerErrors."""
        client = cast(_Mpd, MPDClient())
        client.timeout = self.timeout
        try:
            client.connect(self.host, self.port)
        except (OSError, MPDError) as err:
            raise PlayerError() from err
        try:
            yield client
        except CommandError as err:
            raise PlayerRefused("Die Musikwiedergabe hat den Befehl abgelehnt.") from err
        except (OSError, MPDError) as err:
            raise PlayerError() from err
        finally:
            # The server may already be gone; closing is best effort.
            with suppress(OSError, MPDError):
                client.close()
            with suppress(OSError, MPDError):
                client.disconnect()

    def search(self, query: str, media_class: str | None = None) -> list[Track]:
        """Exact matches (`find`) if any, else case-insensitive substring matches (`search`)."""
        tag = _TAGS.get(media_class or "", "any")
        with self._client() as mpd:
            if not query:
                return [_track(song) for song in mpd.search("any", "")]
            songs = mpd.find(tag, query) or mpd.search(tag, query)
        return [_track(song) for song in songs]

    def play(self, tracks: list[Track]) -> None:
        """Replace the queue with `tracks` and play the first one."""
        if not tracks:
            raise ValueError("nothing to play")
        with self._client() as mpd:
            mpd.command_list_ok_begin()
            mpd.clear()
            for track in tracks:
                mpd.add(track.file)
            mpd.play(0)
            mpd.command_list_end()

    def pause(self) -> None:
        """Pause while playing."""
        with self._client() as mpd:
            if mpd.status()["state"] == "play":
                mpd.pause(1)

    def resume(self) -> None:
        """Continue when paused, or start the queue when stopped."""
        with self._client() as mpd:
            status = mpd.status()
            if status["state"] == "pause":
                mpd.pause(0)
            elif status["state"] == "stop" and int(status.get("playlistlength", "0")):
                mpd.play(0)

    def next(self) -> None:
        """The next track; after the last one MPD stops."""
        with self._client() as mpd:
            if mpd.status()["state"] != "stop":
                mpd.next()

    def previous(self) -> None:
        """The previous track; the first one starts again."""
        with self._client() as mpd:
            if mpd.status()["state"] != "stop":
                mpd.previous()

    def set_volume(self, percent: int) -> None:
        """Set the volume in percent."""
        check_volume(percent)
        with self._client() as mpd:
            mpd.setvol(percent)
        self._muted_volume = None

    def volume(self) -> int:
        """The volume in percent."""
        with self._client() as mpd:
            return _volume(mpd.status())

    def mute(self) -> None:
        """Volume 0, remembering the volume before."""
        with self._client() as mpd:
            before = _volume(mpd.status())
            mpd.setvol(0)
        if before > 0:
            self._muted_volume = before

    def unmute(self) -> None:
        """Restore the remembered volume."""
        with self._client() as mpd:
            if self._muted_volume is not None:
                mpd.setvol(self._muted_volume)
            elif _volume(mpd.status()) == 0:
                mpd.setvol(UNMUTED_VOLUME)
        self._muted_volume = None

    def now_playing(self) -> Track | None:
        """The current track unless stopped."""
        with self._client() as mpd:
            if mpd.status()["state"] == "stop":
                return None
            song = mpd.currentsong()
        return _track(song) if song else None

    def status(self) -> str:
        """ "playing", "paused" or "stopped"."""
        with self._client() as mpd:
            return _STATES.get(mpd.status()["state"], "stopped")


def _volume(status: dict[str, str]) -> int:
    """The volume from MPD's status; MPD reports -1 or nothing when it has no mixer."""
    volume = int(status.get("volume", "-1"))
    if volume < 0:
        raise PlayerRefused("Die Lautstärke lässt sich an diesem Player nicht einstellen.")
    return volume


def _tag(song: Song, name: str) -> str:
    """One tag as text; MPD repeats a tag with several values, python-mpd2 lists them."""
    value = song.get(name, "")
    return ", ".join(value) if isinstance(value, list) else str(value)


def _track(song: Song) -> Track:
    """A Track from MPD's song description; a song without a title is named by its file."""
    file = _tag(song, "file")
    title = _tag(song, "title") or file.rsplit("/", 1)[-1]
    return Track(title, _tag(song, "artist"), _tag(song, "album"), _tag(song, "genre"), file)
