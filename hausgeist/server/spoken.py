"""The class of a spoken turn at the door, before its audio is heard, and its check after.

Audio not yet understood is DEFAULT (issue 6). Two things may raise it before the recogniser
runs, neither taken on the device's word alone:

- the turn answers a question the server asked this device in this conversation
  (followups.py): it gets the question's class;
- the device hints the class (`X-Turn-Class`, `turn_class`): honoured within the device's
  and its household's budget, while its hints prove true (hints.py).

Either way the household's budget pays for a raise. After the turn the class it really had
(its intent's, else its words'; at least its question's) is compared with the hint.

At the HTTP door the device is known only by its token, before the handler authenticates
it: a device counts as known once one of its requests was authenticated in this process
(`known`); an unknown token's turn stays DEFAULT. The look-up is a SHA-256 of the token and
two dictionary reads, so a refusal stays fast.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs

from hausgeist.server.criticality import Criticality, classify_intent, classify_text
from hausgeist.server.followups import FollowUps
from hausgeist.server.hints import HintCredit, parse_hint

HINT_HEADER = b"x-turn-class"
MAX_KNOWN = 100_000  # tokens remembered; the longest unused go first


@dataclass(frozen=True)
class DoorClass:
    """What the door decided for one spoken turn, and why."""

    criticality: Criticality
    device: int | None = None
    hinted: Criticality | None = None  # the class the device claimed, honoured or not
    question: Criticality | None = None  # the class of the question it answers


UNKNOWN = DoorClass(Criticality.DEFAULT)


class SpokenDoor:
    """Classes spoken turns at the door and checks the devices' hints afterwards."""

    def __init__(self, followups: FollowUps, hints: HintCredit) -> None:
        self.followups = followups
        self.hints = hints
        self._known: OrderedDict[bytes, tuple[int, int]] = OrderedDict()
        self.raised = 0  # spoken turns raised above DEFAULT at the door

    def known(self, token: str, device: int, household: int) -> None:
        """A request with `token` was authenticated as `device` of `household`."""
        key = hashlib.sha256(token.encode()).digest()
        self._known[key] = (device, household)
        self._known.move_to_end(key)
        if len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)

    def at_http(self, headers: dict[bytes, bytes], query: bytes) -> DoorClass:
        """The class of a POST /v1/ask with audio, from its headers and query string."""
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return UNKNOWN
        found = self._known.get(hashlib.sha256(token.strip()).digest())
        if found is None:
            return UNKNOWN
        conversation = None
        if b"conversation_id" in query:
            values = parse_qs(query.decode("latin-1")).get("conversation_id")
            conversation = values[0] if values else None
        return self.at(found[0], found[1], conversation, headers.get(HINT_HEADER))

    def at(self, device: int, household: int, conversation: object, hint: object) -> DoorClass:
        """The class of a spoken turn of a known device."""
        conversation = conversation if isinstance(conversation, str) else None
        question = self.followups.use(device, conversation)
        hinted = parse_hint(hint)
        criticality = Criticality.DEFAULT
        if question is not None and question > criticality and self.hints.promote(household):
            criticality = question
        if hinted is not None and hinted > criticality:
            criticality = self.hints.honour(device, household, hinted)
        elif hinted is not None and hinted < criticality and question is None:
            criticality = hinted  # a device may lower its own turn
        if criticality > Criticality.DEFAULT:
            self.raised += 1
        return DoorClass(criticality, device, hinted, question)

    def check(self, door: DoorClass, transcript: str, intent: str | None) -> Criticality:
        """The class the turn really had; a raising hint is verified against it."""
        real = classify_intent(intent)
        if real is None:
            real = classify_text(transcript, door.question is not None)
        if door.question is not None:
            real = max(real, door.question)
        hinted = door.hinted
        if door.device is not None and hinted is not None and hinted > Criticality.DEFAULT:
            self.hints.verify(door.device, hinted, real)
        return real
