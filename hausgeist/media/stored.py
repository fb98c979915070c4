"""The virtual player, remembered in the store between turns (each `ask` is its own process)."""

from __future__ import annotations

import json

from hausgeist.media.player import Track
from hausgeist.media.virtual import VirtualPlayer
from hausgeist.store.sqlite import Store

_KEY = "media.virtual"


class StoredPlayer:
    """A VirtualPlayer whose state is loaded before and saved after every command."""

    def __init__(self, player: VirtualPlayer, store: Store) -> None:
        self._player = player
        self._store = store
        self.name = player.name

    def _load(self) -> VirtualPlayer:
        rows = self._store.query("SELECT value FROM settings WHERE key = ?", (_KEY,))
        if rows:
            self._player.restore(json.loads(rows[0]["value"]))
        return self._player

    def _save(self) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_KEY, json.dumps(self._player.snapshot())),
            )

    def search(self, query: str, media_class: str | None = None) -> list[Track]:
        """Search the library."""
        return self._player.search(query, media_class)

    def play(self, tracks: list[Track]) -> None:
        """Play tracks."""
        self._load().play(tracks)
        self._save()

    def pause(self) -> None:
        """Pause."""
        self._load().pause()
        self._save()

    def resume(self) -> None:
        """Resume."""
        self._load().resume()
        self._save()

    def next(self) -> None:
        """Next track."""
        self._load().next()
        self._save()

    def previous(self) -> None:
        """Previous track."""
        self._load().previous()
        self._save()

    def set_volume(self, percent: int) -> None:
        """Set the volume."""
        self._load().set_volume(percent)
        self._save()

    def volume(self) -> int:
        """The volume."""
        return self._load().volume()

    def mute(self) -> None:
        """Mute."""
        self._load().mute()
        self._save()

    def unmute(self) -> None:
        """Unmute."""
        self._load().unmute()
        self._save()

    def now_playing(self) -> Track | None:
        """The current track."""
        return self._load().now_playing()

    def status(self) -> str:
        """The player's status."""
        return self._load().status()
