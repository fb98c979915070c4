"""The interface every music player implements, and the tracks it plays.

A player holds one queue: `play` replaces it and starts at its first track; `next`,
`previous`, `pause` and `resume` move through it. Volume is in percent, 0-100; `mute`
remembers the volume so `unmute` can restore it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# The media classes a player can search by; any other class searches every field.
MEDIA_CLASSES = frozenset({"artist", "album", "track", "genre"})

# The volume `unmute` restores when the player was silenced without `mute`.
UNMUTED_VOLUME = 50


@dataclass(frozen=True)
class Track:
    """One playable piece of music and its tags."""

    title: str
    artist: str = ""
    album: str = ""
    genre: str = ""
    file: str = ""  # the player's own address for it (a path below MPD's music directory)


class PlayerError(Exception):
    """The player could not be reached or failed to answer in time."""

    code = "player_unreachable"

    def __init__(self, message: str = "Die Musikwiedergabe ist gerade nicht erreichbar.") -> None:
        super().__init__(message)
        self.message = message


class PlayerRefused(PlayerError):
    """The player was reached but refused the command."""

    code = "player_refused"


class Player(Protocol):
    """A music player: a searchable library, one queue, one volume."""

    name: str

    def search(self, query: str, media_class: str | None = None) -> list[Track]:
        """Tracks whose field for `media_class` (any field for None) matches `query`.

        An empty query finds the whole library.
        """
        ...

    def play(self, tracks: list[Track]) -> None:
        """Replace the queue with `tracks` and start playing the first one."""
        ...

    def pause(self) -> None:
        """Pause playback; nothing happens when nothing plays."""
        ...

    def resume(self) -> None:
        """Continue paused playback, or start a stopped queue."""
        ...

    def next(self) -> None:
        """Skip to the next track; after the last one playback stops."""
        ...

    def previous(self) -> None:
        """Go back to the previous track (the first one starts again)."""
        ...

    def set_volume(self, percent: int) -> None:
        """Set the volume, 0-100 percent; a ValueError outside that range."""
        ...

    def volume(self) -> int:
        """The volume in percent (0 while muted)."""
        ...

    def mute(self) -> None:
        """Silence the player, remembering the volume."""
        ...

    def unmute(self) -> None:
        """Restore the volume remembered by `mute` (UNMUTED_VOLUME if silenced otherwise)."""
        ...

    def now_playing(self) -> Track | None:
        """The current track while playing or paused; None when stopped."""
        ...

    def status(self) -> str:
        """ "playing", "paused" or "stopped"."""
        ...


def check_volume(percent: int) -> int:
    """The volume itself when it is a percentage; a ValueError otherwise."""
    if not 0 <= percent <= 100:
        raise ValueError(f"volume must be 0-100 percent, not {percent}")
    return percent


def matches(query: str, value: str) -> bool:
    """Whether `value` contains `query`, ignoring case (the way MPD's `search` compares)."""
    return query.casefold() in value.casefold()
