"""Music: the player interface and its implementations (an in-memory library, MPD)."""

from hausgeist.media.player import Player, PlayerError, PlayerRefused, Track

__all__ = ["Player", "PlayerError", "PlayerRefused", "Track"]
