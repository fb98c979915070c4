"""The virtual player: an in-memory library and queue, for the demo home and tests."""

from __future__ import annotations

from typing import Any

from hausgeist.media.player import UNMUTED_VOLUME, Track, check_volume, matches

# Which track field each media class searches.
_FIELDS = {"artist": ("artist",), "album": ("album",), "track": ("title",), "genre": ("genre",)}
_ANY = ("title", "artist", "album", "genre")


class VirtualPlayer:
    """Plays nothing aloud; keeps queue, position, state and volume like MPD does."""

    def __init__(self, library: list[Track], name: str = "virtual", volume: int = 50) -> None:
        self.name = name
        self.library = list(library)
        self._queue: list[Track] = []
        self._position = 0
        self._status = "stopped"
        self._volume = check_volume(volume)
        self._muted_volume: int | None = None

    def search(self, query: str, media_class: str | None = None) -> list[Track]:
        """Exact matches of the media class's field if any, else matches containing the query."""
        if not query:
            return list(self.library)
        fields = _FIELDS.get(media_class or "", _ANY)
        values = [(track, [getattr(track, f) for f in fields]) for track in self.library]
        exact = [t for t, vs in values if any(v.casefold() == query.casefold() for v in vs)]
        return exact or [t for t, vs in values if any(matches(query, v) for v in vs)]

    def play(self, tracks: list[Track]) -> None:
        """Replace the queue with `tracks` and start the first one."""
        if not tracks:
            raise ValueError("nothing to play")
        self._queue = list(tracks)
        self._position = 0
        self._status = "playing"

    def pause(self) -> None:
        """Pause while playing."""
        if self._status == "playing":
            self._status = "paused"

    def resume(self) -> None:
        """Continue when paused, or start the queue again when stopped."""
        if self._queue:
            self._status = "playing"

    def next(self) -> None:
        """The next track, playing even when paused; after the last one the player stops."""
        if self._status == "stopped":
            return
        if self._position + 1 < len(self._queue):
            self._position += 1
            self._status = "playing"
        else:
            self._position = 0
            self._status = "stopped"

    def previous(self) -> None:
        """The previous track, playing even when paused; the first one starts again."""
        if self._status != "stopped":
            self._position = max(self._position - 1, 0)
            self._status = "playing"

    def set_volume(self, percent: int) -> None:
        """Set the volume in percent."""
        self._volume = check_volume(percent)
        self._muted_volume = None

    def volume(self) -> int:
        """The volume in percent."""
        return self._volume

    def mute(self) -> None:
        """Volume 0, remembering the volume before."""
        if self._volume > 0:
            self._muted_volume = self._volume
        self._volume = 0

    def unmute(self) -> None:
        """Restore the remembered volume."""
        if self._muted_volume is not None:
            self._volume, self._muted_volume = self._muted_volume, None
        elif self._volume == 0:
            self._volume = UNMUTED_VOLUME

    def now_playing(self) -> Track | None:
        """The current track unless stopped."""
        return None if self._status == "stopped" else self._queue[self._position]

    def status(self) -> str:
        """ "playing", "paused" or "stopped"."""
        return self._status

    def snapshot(self) -> dict[str, Any]:
        """The player's state as JSON-ready data (the queue by file name)."""
        return {
            "queue": [track.file for track in self._queue],
            "position": self._position,
            "status": self._status,
            "volume": self._volume,
            "muted_volume": self._muted_volume,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Take back a state from `snapshot`; tracks no longer in the library are dropped."""
        by_file = {track.file: track for track in self.library}
        self._queue = [by_file[f] for f in data.get("queue", []) if f in by_file]
        self._position = min(int(data.get("position", 0)), max(len(self._queue) - 1, 0))
        self._status = str(data.get("status", "stopped")) if self._queue else "stopped"
        self._volume = check_volume(int(data.get("volume", self._volume)))
        muted = data.get("muted_volume")
        self._muted_volume = int(muted) if muted is not None else None


def _album(artist: str, album: str, genre: str, *titles: str) -> list[Track]:
    """The tracks of one album, filed as "Artist/Album/01 Title.flac"."""
    files = [f"{artist}/{album}/{n:02d} {title}.flac" for n, title in enumerate(titles, 1)]
    return [Track(title, artist, album, genre, f) for title, f in zip(titles, files, strict=True)]


def demo_library() -> list[Track]:
    """Fifteen well-known German and international tracks for the demo home."""
    return [
        *_album("Nina Hagen", "Nina Hagen Band", "Punk", "TV-Glotzer", "Naturträne"),
        *_album("Kraftwerk", "Die Mensch-Maschine", "Elektronik", "Die Roboter", "Das Model"),
        *_album("Nena", "Nena", "Pop", "99 Luftballons"),
        *_album("Die Ärzte", "Die Bestie in Menschengestalt", "Rock", "Schrei nach Liebe"),
        *_album("Herbert Grönemeyer", "4630 Bochum", "Pop", "Männer"),
        *_album("Helene Fischer", "Farbenspiel", "Schlager", "Atemlos durch die Nacht"),
        *_album("Fleetwood Mac", "Rumours", "Rock", "Dreams", "Go Your Own Way"),
        *_album("Queen", "A Night at the Opera", "Rock", "Bohemian Rhapsody"),
        *_album("Miles Davis", "Kind of Blue", "Jazz", "So What", "Blue in Green"),
        *_album("The Dave Brubeck Quartet", "Time Out", "Jazz", "Take Five"),
        *_album("Ludwig van Beethoven", "Klavierstücke", "Klassik", "Für Elise"),
    ]
