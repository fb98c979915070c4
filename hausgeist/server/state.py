"""What a running server holds: the registry, the households it has opened, its counters."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread

from hausgeist.app import build_assistant
from hausgeist.language.build import Compiled
from hausgeist.server.admission import Admission
from hausgeist.server.concurrency import Gradient2Limit
from hausgeist.server.criticality import Criticality
from hausgeist.server.events import EventHub
from hausgeist.server.followups import FollowUps
from hausgeist.server.hints import HintCredit
from hausgeist.server.household import HouseholdService
from hausgeist.server.metrics import Metrics
from hausgeist.server.ratelimit import RateLimiter
from hausgeist.server.registry import Household, Registry
from hausgeist.server.spoken import SpokenDoor
from hausgeist.server.stages import StageLimits, Stages
from hausgeist.skills.base import Clock


@dataclass
class Settings:
    """How a server runs; the defaults are the embedded ones."""

    data: Path
    device_rate: float = 20.0  # requests per second per device
    device_burst: float = 40.0
    body_timeout: float = 10.0  # seconds a client may take to send a request body
    clock: Clock | None = None  # the households' clock (tests inject one)
    admission: bool = True  # adaptive concurrency limit and load shedding on POST /v1/ask
    max_concurrency: int = 64  # the adaptive limit's ceiling
    queue_size: int = 32  # turns that may wait for a slot
    stt: StageLimits = field(default_factory=lambda: StageLimits(1, 4, 2.0))  # speech-to-text
    tts: StageLimits = field(default_factory=lambda: StageLimits(1, 2, 0.3))  # text-to-speech
    warm_speech: bool = False  # build the households' command indexes at start-up


@dataclass
class ServerState:
    """Shared by every request of one server process."""

    settings: Settings
    registry: Registry
    compiled: Compiled
    metrics: Metrics = field(default_factory=Metrics)
    started: float = field(default_factory=time.monotonic)
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    turns: int = 0
    shed: int = 0  # requests refused for load (admission control: issue 6)
    in_flight: int = 0
    _services: dict[int, HouseholdService] = field(default_factory=dict)
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.device_rate, self.settings.device_burst)
        limit = Gradient2Limit(limit=min(4, self.settings.max_concurrency),
                               max_limit=self.settings.max_concurrency)  # fmt: skip
        self.admission = Admission(
            limit, queue_size=self.settings.queue_size, enabled=self.settings.admission
        )
        self.stages = Stages(self.settings.stt, self.settings.tts)
        # Spoken turns' classes before their audio is heard: answers to the server's own
        # questions, and the devices' hints within their budgets (spoken.py).
        self.door = SpokenDoor(FollowUps(), HintCredit())
        self.metrics.watch(self.admission, self.stages)
        self.metrics.watch_door(self.door)

    def count_shed(self, criticality: Criticality) -> None:
        """One turn refused for load."""
        self.shed += 1
        self.metrics.shed.labels(criticality.label).inc()

    async def service(self, household: Household) -> HouseholdService:
        """The household's service, opened on first use."""
        found = self._services.get(household.id)
        if found is not None:
            return found
        async with self._opening:
            found = self._services.get(household.id)
            if found is None:
                assistant = await anyio.to_thread.run_sync(
                    lambda: build_assistant(
                        household.directory, self.settings.clock, compiled=self.compiled
                    )
                )
                hub = EventHub(asyncio.get_running_loop())
                found = HouseholdService(household, assistant, hub)
                self._services[household.id] = found
        return found

    def drain(self) -> None:
        """Stop: /readyz says so, and every event stream ends now (its client reconnects)."""
        self.draining.set()
        for service in self._services.values():
            service.hub.close()

    @property
    def services(self) -> list[HouseholdService]:
        """The households opened so far."""
        return list(self._services.values())
