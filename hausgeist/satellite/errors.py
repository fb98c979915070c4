"""What can go wrong on the device side; each error has a stable `code` and a German message."""

from __future__ import annotations


class SatelliteError(Exception):
    """Base of the satellite's errors."""

    code = "satellite_error"
    message = "Der Server ist gerade nicht erreichbar."

    def __init__(self, detail: str = "", attempts: int = 0) -> None:
        super().__init__(detail or self.message)
        self.attempts = attempts


class Unreachable(SatelliteError):
    """No answer: the connection failed or timed out."""

    code = "unreachable"

    def __init__(self, detail: str = "", sent: bool = False, attempts: int = 0) -> None:
        super().__init__(detail, attempts)
        self.sent = sent  # the request may have reached the server (its outcome is unknown)


class Throttled(SatelliteError):
    """Refused on the device itself, since the server has been refusing most requests."""

    code = "throttled"
    message = "Gerade ist viel los. Versuch es bitte in ein paar Sekunden noch einmal."
