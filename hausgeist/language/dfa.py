"""The deterministic view of the compiled automaton, built once at compile time.

A state here is a set of automaton states; reading a symbol (a word, a list or a glued
suffix) moves to exactly one next state, so the matcher's work per lattice edge is one
dictionary look-up. The German grammar determinizes to about 11,000 states in a fraction
of a second, so the whole table is built ahead and cached with the grammar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hausgeist.language.compiler import Automaton

# All wildcard lists read the same thing (any stretch of words), so the deterministic
# view merges them into one symbol; the replay tells them apart again.
FREE_TEXT = "{*}"


@dataclass
class Dfa:
    """Moves, free-text reading and acceptance per deterministic state."""

    members: list[frozenset[int]] = field(default_factory=list)
    moves: list[dict[str, int]] = field(default_factory=list)
    reads_free_text: list[bool] = field(default_factory=list)
    accepting: list[bool] = field(default_factory=list)
    start: int = 0


def determinize(automaton: Automaton, wildcards: frozenset[str]) -> Dfa:
    """Subset construction over every state reachable from the start."""
    dfa = Dfa()
    index: dict[frozenset[int], int] = {}
    edges = automaton.edges

    def state_of(members: frozenset[int]) -> int:
        found = index.get(members)
        if found is None:
            found = index[members] = len(dfa.members)
            symbols = {
                FREE_TEXT if symbol in wildcards else symbol
                for member in members
                for symbol in edges[member]
            }
            dfa.members.append(members)
            dfa.moves.append({})
            dfa.reads_free_text.append(FREE_TEXT in symbols)
            dfa.accepting.append(any(automaton.finals[member] for member in members))
            pending.append(found)
        return found

    pending: list[int] = []
    dfa.start = state_of(frozenset([automaton.start]))
    while pending:
        current = pending.pop()
        members = dfa.members[current]
        targets: dict[str, set[int]] = {}
        for member in members:
            for symbol, out in edges[member].items():
                key = FREE_TEXT if symbol in wildcards else symbol
                targets.setdefault(key, set()).update(target for target, _ in out)
        for symbol, reached in targets.items():
            dfa.moves[current][symbol] = state_of(frozenset(reached))
    return dfa
