"""The admission middleware in process: a turn held open by the test fills the only slot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Scope, Send

from hausgeist.server.admission import Admission, State
from hausgeist.server.concurrency import Gradient2Limit
from hausgeist.server.criticality import Criticality
from hausgeist.server.deadline import Deadline
from hausgeist.server.followups import FollowUps
from hausgeist.server.hints import HintCredit
from hausgeist.server.shedding import (
    APOLOGY,
    CRITICALITY_SCOPE_KEY,
    DEADLINE_SCOPE_KEY,
    DOOR_SCOPE_KEY,
    RETRY_AFTER,
    AdmissionGate,
)
from hausgeist.server.spoken import SpokenDoor


class HeldApp:
    """A handler that answers 200 only once the test releases it, echoing the body it read."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.started.set()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def one_slot(queue_size: int = 0) -> Admission:
    limit = Gradient2Limit(limit=1, min_limit=1, max_limit=1, min_samples=10**9)
    return Admission(limit, queue_size=queue_size, max_wait=60, target_wait=60, interval=60)


def request(
    text: str, path: str = "/v1/ask", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Scope, Receive]:
    body = json.dumps({"text": text}).encode()
    scope: Scope = {
        "type": "http", "method": "POST", "path": path,
        "headers": [(b"content-type", b"application/json"), *(headers or [])],
    }  # fmt: skip
    chunks = [body[:5], body[5:]]  # a body in two pieces must reach the handler whole

    async def receive() -> Message:
        if chunks:
            piece = chunks.pop(0)
            return {"type": "http.request", "body": piece, "more_body": bool(chunks)}
        await asyncio.Event().wait()  # a client that sent everything just waits
        raise AssertionError("unreachable")

    return scope, receive


async def call(app: Callable[[Scope, Receive, Send], Awaitable[None]], scope: Scope,
               receive: Receive) -> list[Message]:  # fmt: skip
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_a_turn_beyond_the_limit_is_shed_with_503_retry_after_and_the_apology() -> None:
    async def scenario() -> None:
        held, shed = HeldApp(), list[Criticality]()
        gate = AdmissionGate(held, one_slot(), shed.append)
        first = asyncio.create_task(call(gate, *request("Mach das Licht an")))
        await held.started.wait()
        refused = await asyncio.wait_for(call(gate, *request("Wie ist das Wetter?")), 30)
        start, body = refused
        assert start["status"] == 503
        headers = dict(start["headers"])
        assert int(headers[b"retry-after"]) in RETRY_AFTER
        answer = json.loads(body["body"])
        assert answer["code"] == "overloaded" and answer["message"] == APOLOGY
        assert shed == [Criticality.SHEDDABLE] and len(held.scopes) == 1
        held.release.set()
        assert (await first)[0]["status"] == 200

    asyncio.run(scenario())


def test_an_admitted_turn_gets_its_body_whole_its_deadline_and_its_class() -> None:
    async def scenario() -> None:
        held = HeldApp()
        held.release.set()
        gate = AdmissionGate(held, one_slot(), lambda c: None)
        scope, receive = request("Stell einen Timer auf zehn Minuten",
                                 headers=[(b"x-deadline-ms", b"1500")])  # fmt: skip
        start, body = await call(gate, scope, receive)
        assert start["status"] == 200
        assert json.loads(body["body"]) == {"text": "Stell einen Timer auf zehn Minuten"}
        assert isinstance(held.scopes[0][DEADLINE_SCOPE_KEY], Deadline)
        assert held.scopes[0][CRITICALITY_SCOPE_KEY] is Criticality.CRITICAL
        assert gate.admission.in_flight == 0

    asyncio.run(scenario())


def test_a_waiting_turn_gets_the_slot_when_the_running_one_ends() -> None:
    async def scenario() -> None:
        held = HeldApp()
        gate = AdmissionGate(held, one_slot(queue_size=4), lambda c: None)
        first = asyncio.create_task(call(gate, *request("Licht an")))
        await held.started.wait()
        second = asyncio.create_task(call(gate, *request("Licht aus")))
        while gate.admission.queued == 0:
            await asyncio.sleep(0)
        held.release.set()
        assert [(await t)[0]["status"] for t in (first, second)] == [200, 200]

    asyncio.run(scenario())


def test_other_routes_pass_untouched_even_when_full() -> None:
    async def scenario() -> None:
        held = HeldApp()
        gate = AdmissionGate(held, one_slot(), lambda c: None)
        first = asyncio.create_task(call(gate, *request("Licht an")))
        await held.started.wait()
        other = asyncio.create_task(call(gate, *request("x", path="/v1/lists/a/items")))
        while len(held.scopes) < 2:
            await asyncio.sleep(0)
        held.release.set()
        assert [(await t)[0]["status"] for t in (first, other)] == [200, 200]

    asyncio.run(scenario())


def audio_request(
    headers: list[tuple[bytes, bytes]] | None = None, query: bytes = b""
) -> tuple[Scope, Receive]:
    scope: Scope = {"type": "http", "method": "POST", "path": "/v1/ask", "query_string": query,
                    "headers": [(b"content-type", b"audio/wav"), *(headers or [])]}  # fmt: skip
    chunks = [b"RIFF....WAVE"]

    async def receive() -> Message:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(), "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return scope, receive


def test_a_spoken_turn_the_recogniser_would_refuse_is_refused_at_the_door() -> None:
    async def scenario() -> None:
        # The recogniser: one slot, busy, no queue; the entry has room.
        recogniser = Admission(Gradient2Limit(limit=1, max_limit=1, min_samples=10**9),
                               queue_size=0, by_service_time=True)  # fmt: skip
        held = HeldApp()
        shed: list[Criticality] = []
        gate = AdmissionGate(held, one_slot(queue_size=4), shed.append, audio_stage=recogniser)
        busy = recogniser.offer(Criticality.DEFAULT, float("inf"))
        sent = await call(gate, *audio_request())
        assert sent[0]["status"] == 503 and shed == [Criticality.DEFAULT]
        assert gate.admission.in_flight == 0 and held.scopes == []  # no entry slot, no handler
        assert recogniser.shed[Criticality.DEFAULT] == 1  # counted as the recogniser's
        # A typed turn does not need the recogniser and is let through.
        text = asyncio.create_task(call(gate, *request("Mach das Licht an")))
        await held.started.wait()
        held.release.set()
        assert (await text)[0]["status"] == 200
        # Once the recogniser is free, the spoken turn goes in too.
        recogniser.release(busy)
        assert (await call(gate, *audio_request()))[0]["status"] == 200

    asyncio.run(scenario())


def test_a_spoken_answer_to_the_servers_critical_question_passes_a_full_recogniser() -> None:
    async def scenario() -> None:
        # The recogniser: its one slot busy and its queue full of DEFAULT turns.
        recogniser = Admission(Gradient2Limit(limit=1, max_limit=1, min_samples=10**9),
                               queue_size=2, max_wait=60, by_service_time=True)  # fmt: skip
        recogniser.offer(Criticality.DEFAULT, float("inf"))
        for _ in range(2):
            assert recogniser.offer(Criticality.DEFAULT, float("inf")).state is State.QUEUED
        spoken = SpokenDoor(FollowUps(), HintCredit())
        spoken.known("kitchen", device=7, household=1)
        spoken.followups.asked(7, 1, "c1", Criticality.CRITICAL)  # "Soll ich ... bestellen?"
        held = HeldApp()
        shed: list[Criticality] = []
        gate = AdmissionGate(held, one_slot(queue_size=4), shed.append,
                             audio_stage=recogniser, door=spoken)  # fmt: skip
        auth = [(b"authorization", b"Bearer kitchen")]
        # Not an answer (no conversation, another conversation): DEFAULT, refused at the door.
        for query in (b"", b"conversation_id=c9"):
            sent = await call(gate, *audio_request(auth, query))
            assert sent[0]["status"] == 503
        assert shed == [Criticality.DEFAULT] * 2
        # The answer: CRITICAL at the door, in to the handler with its class.
        answer = asyncio.create_task(call(gate, *audio_request(auth, b"conversation_id=c1")))
        await held.started.wait()
        scope = held.scopes[0]
        assert scope[CRITICALITY_SCOPE_KEY] is Criticality.CRITICAL
        assert scope[DOOR_SCOPE_KEY].question is Criticality.CRITICAL
        held.release.set()
        assert (await answer)[0]["status"] == 200
        # Another device's token with the same conversation id is not the one asked.
        spoken.known("hall", device=8, household=1)
        other = [(b"authorization", b"Bearer hall")]
        assert (await call(gate, *audio_request(other, b"conversation_id=c1")))[0]["status"] == 503

    asyncio.run(scenario())
