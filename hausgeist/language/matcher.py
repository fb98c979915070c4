"""Matching a sentence against the compiled grammar.

A sentence is read as a lattice (see lexicon.py) through the deterministic automaton
(dfa.py), so the work per sentence is a few dictionary look-ups per lattice edge, however
many templates there are. Only the paths that reach an accepting state are replayed
backwards through the non-deterministic automaton to learn which template matched and
which slot got which value.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hausgeist.language.compiler import Automaton, Template
from hausgeist.language.dfa import FREE_TEXT, Dfa
from hausgeist.language.lexicon import STRIDE, Lattice, ListValue

# Paths replayed per sentence at most; a bound on work for pathological input.
MAX_PATHS = 64
# Lattice states visited per sentence at most (a 10,000-character line stays cheap).
MAX_VISITS = 20_000

Normalizer = Callable[[str], Any]
Score = tuple[int, int, int, int, int]
NAME = "{name}"
# A slot filled on a path: (slot name, index of the path step, list symbol read).
Capture = tuple[str, int, str]


@dataclass(slots=True)
class Match:
    """One way the sentence matches a template."""

    template: Template
    slots: dict[str, Any]
    score: Score
    order: int

    @property
    def fixed(self) -> frozenset[str]:
        """Slots the template sets by itself, whatever was said."""
        return frozenset(self.template.slots)

    @property
    def intent(self) -> str:
        """The intent's name."""
        return self.template.intent

    @property
    def free_text(self) -> bool:
        """Whether some of the sentence was read as free text (a search, a product)."""
        return self.score[3] < 0

    def rank(self) -> tuple[int, ...]:
        """Higher is better: more template text, less free text, fewer skipped words."""
        return (*self.score, -self.order)


# A step of a path: (symbol or None for a skip, payload, deterministic state before it).
Step = tuple[str | None, Any, int]
Back = tuple[int, int, str | None, Any]


class Matcher:
    """Finds every template match of a sentence, best first."""

    def __init__(
        self,
        automaton: Automaton,
        dfa: Dfa,
        wildcards: set[str],
        normalizers: Mapping[str, Normalizer],
    ) -> None:
        self.automaton = automaton
        self.dfa = dfa
        self.wildcards = frozenset(wildcards)
        self.normalizers = dict(normalizers)
        self.back_edges = _reverse(automaton, self.wildcards)
        self._accepting: dict[int, tuple[int, ...]] = {}

    def match(self, lattice: Lattice, context: Mapping[str, Any]) -> list[Match]:
        """All matches, best first (empty when the sentence matches no template)."""
        if not lattice.tokens:
            return []
        layers = self._search(lattice)
        final = layers.get(lattice.end, {})
        paths = [
            (_score(path), state, path)
            for state in final
            if self.dfa.accepting[state]
            for path in _paths(layers, lattice.end, state)
        ]
        # A number outside its range counts only beside template words: "150" alone is no
        # command, "Helligkeit auf 150 Prozent" is one the skill can answer.
        paths = [item for item in paths if item[0][0] == 0 or item[0][2] > 0]
        # A bare number ("zwölf", a TV in the background) is never a command on its own.
        paths = [item for item in paths if not _only_numbers(item[2])]
        # Replay the best-scoring paths first; every match of a path shares its score, so
        # the first score that yields a valid match holds the best one.
        paths.sort(key=lambda item: item[0], reverse=True)
        matches: list[Match] = []
        for index, (score, state, path) in enumerate(paths):
            if matches and score != paths[index - 1][0]:
                break
            matches.extend(self._replay(path, state, lattice, context, score))
        matches.sort(key=Match.rank, reverse=True)
        return matches

    def _search(self, lattice: Lattice) -> dict[int, dict[int, list[Back]]]:
        """Read the lattice position by position; return back-pointers per (position, state).

        Every edge leads to a later position, so a position's states are complete when the
        queue reaches it.
        """
        dfa = self.dfa
        moves = dfa.moves
        words_at, values_at, skips_at = lattice.words, lattice.values, lattice.skips
        end = lattice.end
        layers: dict[int, dict[int, list[Back]]] = {0: {dfa.start: []}}
        queue = [0]
        visits = 0

        def reach(after: int, target: int, back: Back) -> None:
            layer = layers.get(after)
            if layer is None:
                layers[after] = {target: [back]}
                heapq.heappush(queue, after)
            elif target in layer:
                layer[target].append(back)
            else:
                layer[target] = [back]

        while queue:
            pos = heapq.heappop(queue)
            if pos >= end:
                continue
            words = words_at.get(pos, ())
            values = values_at.get(pos, {})
            skips = skips_at.get(pos, ())
            for state in layers[pos]:
                visits += 1
                if visits > MAX_VISITS:
                    return layers
                state_moves = moves[state]
                for word, after in words:
                    target = state_moves.get(word, -1)
                    if target >= 0:
                        # reach(), inlined for the most common edge
                        layer = layers.get(after)
                        if layer is None:
                            layers[after] = {target: [(pos, state, word, None)]}
                            heapq.heappush(queue, after)
                        elif target in layer:
                            layer[target].append((pos, state, word, None))
                        else:
                            layer[target] = [(pos, state, word, None)]
                for symbol, items in values.items():
                    target = state_moves.get(symbol, -1)
                    if target >= 0:
                        for after, item in items:
                            reach(after, target, (pos, state, symbol, item))
                target = state_moves.get(FREE_TEXT, -1)
                if target >= 0 and pos % STRIDE == 0:
                    for after in self._wildcard_ends(target, lattice, pos):
                        reach(after, target, (pos, state, FREE_TEXT, (pos, after)))
                for after in skips:
                    reach(after, state, (pos, state, None, None))
        return layers

    def _wildcard_ends(self, state: int, lattice: Lattice, pos: int) -> list[int]:
        """Where free text that starts at `pos` may end: where `state` can read on."""
        dfa = self.dfa
        ends = range(pos + STRIDE, lattice.end, STRIDE)
        if dfa.reads_free_text[state]:
            found = list(ends)
        else:
            moves = dfa.moves[state]
            words, values, skips = lattice.words, lattice.values, lattice.skips
            found = []
            for end in ends:
                if end in skips:
                    found.append(end)
                    continue
                for word, _ in words.get(end, ()):
                    if word in moves:
                        found.append(end)
                        break
                else:
                    for symbol in values.get(end, ()):
                        if symbol in moves:
                            found.append(end)
                            break
        if dfa.accepting[state]:
            found.append(lattice.end)
        return found

    def _replay(
        self,
        path: list[Step],
        final: int,
        lattice: Lattice,
        context: Mapping[str, Any],
        score: Score,
    ) -> Iterator[Match]:
        """Walk the path backwards from the accepting states to learn templates and slots."""
        finals = self.automaton.finals
        back = self.back_edges
        threads: set[tuple[int, int, tuple[Capture, ...]]] = {
            (s, s, ()) for s in self._accepting_members(final)
        }
        members = self.dfa.members
        for index in range(len(path) - 1, -1, -1):
            symbol, _payload, before = path[index]
            if symbol is None:
                continue
            # Only automaton states the forward reading could be in: prunes most threads.
            possible = members[before]
            threads = {
                (source, end, ((slot, index, read), *caps) if slot else caps)
                for state, end, caps in threads
                for source, slot, read in back[state].get(symbol, ())
                if source in possible
            }
        start = self.automaton.start
        for state, end, caps in threads:
            if state != start:
                continue
            for order in finals[end]:
                template = self.automaton.templates[order]
                slots = self._slots(template, caps, path, lattice, context)
                if slots is not None:
                    yield Match(template, slots, score, order)

    def _accepting_members(self, state: int) -> tuple[int, ...]:
        """The automaton states of a deterministic state that accept a template."""
        found = self._accepting.get(state)
        if found is None:
            finals = self.automaton.finals
            found = self._accepting[state] = tuple(s for s in self.dfa.members[state] if finals[s])
        return found

    def _slots(
        self,
        template: Template,
        caps: tuple[Capture, ...],
        path: list[Step],
        lattice: Lattice,
        context: Mapping[str, Any],
    ) -> dict[str, Any] | None:
        slots: dict[str, Any] = {}
        known: dict[str, Any] = dict(context)
        for slot, index, symbol in caps:
            payload = path[index][1]
            if isinstance(payload, tuple):
                text = _wildcard_text(lattice, *payload)
                normalize = self.normalizers.get(symbol)
                value = normalize(text) if normalize else text
                if value is None:
                    return None
                slots[slot] = value
            elif isinstance(payload, ListValue):
                slots[slot] = payload.value
                if payload.context:
                    known.update(payload.context)
        if not _context_allows(template, known, slots):
            return None
        for name, value in template.slots.items():
            slots.setdefault(name, value)
        return slots


# An edge walked backwards: (source state, slot filled or None, list symbol read).
BackEdge = tuple[int, str | None, str]


def _reverse(
    automaton: Automaton, wildcards: frozenset[str]
) -> list[dict[str, tuple[BackEdge, ...]]]:
    """Edges by target, with wildcard lists under the merged free-text symbol."""
    back: list[dict[str, list[BackEdge]]] = [{} for _ in automaton.edges]
    for source, edges in enumerate(automaton.edges):
        for symbol, targets in edges.items():
            key = FREE_TEXT if symbol in wildcards else symbol
            for target, slot in targets:
                back[target].setdefault(key, []).append((source, slot, symbol))
    return [{symbol: tuple(e) for symbol, e in edges.items()} for edges in back]


def _wildcard_text(lattice: Lattice, start: int, end: int) -> str:
    tokens = lattice.tokens
    return lattice.source[tokens[start // STRIDE].start : tokens[end // STRIDE - 1].end]


def _only_numbers(path: list[Step]) -> bool:
    """Whether everything read on a path, skip words aside, is a number."""
    read = [payload for symbol, payload, _ in path if symbol is not None]
    return bool(read) and all(isinstance(p, ListValue) and p.number for p in read)


def _score(path: list[Step]) -> Score:
    """Higher is better: no number outside its range, a longer entity name read (as Home
    Assistant prefers), then more template characters, less free text, fewer skipped words."""
    invalid = named = literal = wild = skipped = 0
    for symbol, payload, _before in path:
        if symbol is None:
            skipped -= 1
        elif payload is None:
            literal += len(symbol)
        elif isinstance(payload, tuple):
            wild -= (payload[1] - payload[0]) // STRIDE
        elif not payload.valid:
            invalid -= 1
        elif symbol == NAME:
            named += len(str(payload.value))
    return (invalid, named, literal, wild, skipped)


def _paths(layers: dict[int, dict[int, list[Back]]], pos: int, state: int) -> list[list[Step]]:
    """Up to MAX_PATHS symbol paths from the start to (pos, state)."""
    done: list[list[Step]] = []
    stack: list[tuple[int, int, list[Step]]] = [(pos, state, [])]
    while stack and len(done) < MAX_PATHS:
        at, current, suffix = stack.pop()
        if at == 0 and not layers[0].get(current):
            done.append(suffix[::-1])
            continue
        for prev_pos, prev_state, symbol, payload in layers[at].get(current, ()):
            stack.append((prev_pos, prev_state, [*suffix, (symbol, payload, prev_state)]))
    return done


def _context_allows(template: Template, known: Mapping[str, Any], slots: dict[str, Any]) -> bool:
    """Check requires/excludes context; a key the home does not know is not held against it."""
    for key, wanted in template.requires_context.items():
        copy_to: str | None = None
        if isinstance(wanted, Mapping):
            flag = wanted.get("slot")
            copy_to = flag if isinstance(flag, str) else (key if flag else None)
            wanted = wanted.get("value")
        actual = known.get(key)
        if actual is None:
            continue
        if isinstance(actual, Mapping):
            actual = actual.get("value")
        if wanted is not None:
            allowed = wanted if isinstance(wanted, list | tuple | set) else [wanted]
            if actual not in allowed:
                return False
        if copy_to and copy_to not in slots:
            slots[copy_to] = actual
    for key, unwanted in template.excludes_context.items():
        actual = known.get(key)
        if actual is None:
            continue
        barred = unwanted if isinstance(unwanted, list | tuple | set) else [unwanted]
        if actual in barred:
            return False
    return True


__all__ = ["Match", "Matcher"]
