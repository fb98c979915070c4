"""Compiling hassil templates into one word-level automaton.

A template is first drawn as a character graph (text pieces, spaces, alternatives as
epsilon branches, expansion rules inlined, slot lists as labelled edges). The graph is then
read word by word: every path of characters between two spaces becomes one word edge, so
"Licht[er]" yields the words "licht" and "lichter" and "[ein]gestellt" yields "eingestellt"
and "gestellt". The result is a non-deterministic automaton whose symbols are folded words,
slot lists ("{area}") and glued suffixes ("\x01s" for "des {area}s"). All templates of all
intents share one start state, so matching never walks the templates one by one.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hassil import (
    Alternative,
    Expression,
    Intents,
    ListReference,
    Permutation,
    RangeSlotList,
    RuleReference,
    Sentence,
    Sequence,
    SlotList,
    TextChunk,
)

from hausgeist.language.tokens import UNIT_SIGNS, normalize_text, tokenize

GLUE = "\x01"
_MAX_RULE_DEPTH = 32

# Character graph edge kinds.
_EPS, _PIECE, _SPACE, _LIST = 0, 1, 2, 3


class CompileError(Exception):
    """A template could not be compiled."""

    code = "grammar_invalid"


@dataclass(frozen=True)
class Template:
    """One block of sentences of an intent, with what a match of it means."""

    intent: str
    slots: dict[str, Any]
    requires_context: dict[str, Any]
    excludes_context: dict[str, Any]
    response: str | None
    metadata: dict[str, Any] | None


@dataclass(frozen=True)
class ListSlot:
    """A slot list referenced by templates, by its key in the automaton's symbol space."""

    key: str
    name: str
    definition: SlotList | None  # None: filled from the home at match time


# One outgoing edge: target state and the slot the symbol fills (None for plain words).
Edge = tuple[int, str | None]


@dataclass
class Automaton:
    """The compiled grammar: states with word, list and glue edges, and accepting templates."""

    edges: list[dict[str, tuple[Edge, ...]]]
    finals: list[tuple[int, ...]]
    templates: list[Template]
    lists: dict[str, ListSlot]
    skip_words: list[str]
    start: int = 0
    glue_words: frozenset[str] = field(default_factory=frozenset)


def list_symbol(key: str) -> str:
    """The automaton symbol for a slot list."""
    return "{" + key + "}"


class _CharGraph:
    """Characters and slot lists as edges; templates are added one after another."""

    def __init__(self) -> None:
        self.out: list[list[tuple[int, Any, int]]] = []
        self.ends: dict[int, int] = {}
        self.glued: set[int] = set()
        self.start = self.node()

    def node(self) -> int:
        self.out.append([])
        return len(self.out) - 1

    def edge(self, source: int, kind: int, data: Any) -> int:
        target = self.node()
        self.out[source].append((kind, data, target))
        return target


class _Builder:
    """Draws hassil expressions into a character graph."""

    def __init__(self, intents: Intents, graph: _CharGraph) -> None:
        self.intents = intents
        self.graph = graph
        self.lists: dict[str, ListSlot] = {}

    def add(self, sentence: Sentence, template: int, local: dict[str, Any], data: Any) -> None:
        end = self.build(sentence.expression, self.graph.start, local, data, template, 0)
        self.graph.ends[end] = template

    def build(
        self, expr: Expression, node: int, rules: dict[str, Any], data: Any, tpl: int, depth: int
    ) -> int:
        g = self.graph
        if isinstance(expr, TextChunk):
            for piece in _pieces(expr.text):
                node = g.edge(node, _SPACE if piece == " " else _PIECE, piece)
            return node
        if isinstance(expr, Permutation):
            end = g.node()
            for order in itertools.permutations(expr.items):
                last = self.build(Sequence(items=list(order)), node, rules, data, tpl, depth)
                g.out[last].append((_EPS, None, end))
            return end
        if isinstance(expr, Alternative):
            end = g.node()
            for item in expr.items:
                branch = g.edge(node, _EPS, None)
                last = self.build(item, branch, rules, data, tpl, depth)
                g.out[last].append((_EPS, None, end))
            return end
        if isinstance(expr, Sequence):
            for item in expr.items:
                node = self.build(item, node, rules, data, tpl, depth)
            return node
        if isinstance(expr, RuleReference):
            rule = rules.get(expr.rule_name) or self.intents.expansion_rules.get(expr.rule_name)
            if rule is None:
                raise CompileError(f"unknown expansion rule <{expr.rule_name}>")
            if depth > _MAX_RULE_DEPTH:
                raise CompileError(f"expansion rule <{expr.rule_name}> nests too deep")
            return self.build(rule.expression, node, rules, data, tpl, depth + 1)
        if isinstance(expr, ListReference):
            key = self._list_key(expr, data, tpl)
            # Text right after a list without a space is glued to its value ("{area}s").
            target = g.edge(node, _LIST, (key, expr.slot_name))
            g.glued.add(target)
            return target
        raise CompileError(f"unsupported template expression {type(expr).__name__}")

    def _list_key(self, ref: ListReference, data: Any, tpl: int) -> str:
        name = ref.list_name
        local = data.slot_lists.get(name)
        if local is not None:
            key = f"{name}#{tpl}"
            self.lists[key] = ListSlot(key, name, local)
            return key
        if name not in self.lists:
            definition = self.intents.slot_lists.get(name)
            span = ref.get_inline_range() if ref.is_inline_range else None
            if definition is None and span is not None:
                definition = RangeSlotList(name=name, start=span[0], stop=span[1], step=span[2])
            self.lists[name] = ListSlot(name, name, definition)
        return name


def _pieces(text: str) -> list[str]:
    """Split template text into word pieces and single spaces."""
    pieces: list[str] = []
    word = ""
    for char in text:
        if char.isspace():
            if word:
                pieces.append(word)
                word = ""
            if not pieces or pieces[-1] != " ":
                pieces.append(" ")
        else:
            word += char
    if word:
        pieces.append(word)
    return pieces


class _WordReader:
    """Reads a character graph word by word into automaton states."""

    def __init__(self, graph: _CharGraph, template_count: int) -> None:
        self.graph = graph
        self.state_of: dict[int, int] = {}
        self.edges: list[dict[str, set[Edge]]] = []
        self.finals: list[set[int]] = []
        self.accept_state: dict[int, int] = {}
        self.glue_words: set[str] = set()
        self.pending: list[int] = []

    def state(self, node: int) -> int:
        found = self.state_of.get(node)
        if found is None:
            found = self._new_state()
            self.state_of[node] = found
            self.pending.append(node)
        return found

    def _new_state(self) -> int:
        self.edges.append(defaultdict(set))
        self.finals.append(set())
        return len(self.edges) - 1

    def run(self) -> None:
        self.state(self.graph.start)
        while self.pending:
            self._read_from(self.pending.pop())

    def _read_from(self, boundary: int) -> None:
        g = self.graph
        source = self.state_of[boundary]
        stack: list[tuple[int, str, bool]] = [(boundary, "", boundary in g.glued)]
        while stack:
            node, partial, glued = stack.pop()
            template = g.ends.get(node)
            if template is not None:
                if partial:
                    self._word(source, partial, glued, self._accepting(template))
                else:
                    self.finals[source].add(template)
            for kind, data, target in g.out[node]:
                if kind == _EPS:
                    stack.append((target, partial, glued))
                elif kind == _PIECE:
                    stack.append((target, partial + data, glued))
                elif kind == _SPACE:
                    if partial:
                        self._word(source, partial, glued, self.state(target))
                    else:
                        # hassil lets a value run into the next word even across a
                        # template space ("<area> <heizung>" reads "Wohnzimmerheizung").
                        stack.append((target, "", glued))
                elif partial:
                    self._word(source, partial, glued, self.state(node))
                else:
                    key, slot = data
                    self.edges[source][list_symbol(key)].add((self.state(target), slot))

    def _accepting(self, template: int) -> int:
        found = self.accept_state.get(template)
        if found is None:
            found = self._new_state()
            self.finals[found].add(template)
            self.accept_state[template] = found
        return found

    def _word(self, source: int, text: str, glued: bool, target: int) -> None:
        words = [token.word for token in tokenize(normalize_text(text))]
        if not words:
            # Punctuation only: the edge reads nothing.
            for symbol, edges in self.edges[target].items():
                self.edges[source][symbol] |= edges
            self.finals[source] |= self.finals[target]
            return
        state = source
        for index, word in enumerate(words):
            next_state = target if index == len(words) - 1 else self._new_state()
            self.edges[state][word].add((next_state, None))
            if glued and index == 0 and word not in UNIT_SIGNS:
                self.edges[state][GLUE + word].add((next_state, None))
                self.glue_words.add(word)
            state = next_state


def compile_intents(intents: Intents) -> Automaton:
    """Compile every sentence template of every intent into one automaton."""
    graph = _CharGraph()
    builder = _Builder(intents, graph)
    templates: list[Template] = []
    for intent in intents.intents.values():
        for data in intent.data:
            index = len(templates)
            templates.append(
                Template(
                    intent=intent.name,
                    slots=dict(data.slots),
                    requires_context=dict(data.requires_context),
                    excludes_context=dict(data.excludes_context),
                    response=data.response,
                    metadata=dict(data.metadata) if data.metadata else None,
                )
            )
            for sentence in data.sentences:
                builder.add(sentence, index, data.expansion_rules, data)
    reader = _WordReader(graph, len(templates))
    reader.run()
    return Automaton(
        edges=[
            {s: tuple(sorted(e, key=_edge_order)) for s, e in es.items()} for es in reader.edges
        ],
        finals=[tuple(sorted(f)) for f in reader.finals],
        templates=templates,
        lists=builder.lists,
        skip_words=list(intents.skip_words),
        start=reader.state_of[graph.start],
        glue_words=frozenset(reader.glue_words),
    )


def _edge_order(edge: Edge) -> tuple[int, str]:
    return (edge[0], edge[1] or "")


def expand_words(expr: Expression, intents: Intents) -> list[tuple[str, ...]]:
    """Every word sequence a small expression (a slot list value) can stand for."""
    graph = _CharGraph()
    builder = _Builder(intents, graph)
    end = builder.build(expr, graph.start, {}, _NoLocals(), 0, 0)
    graph.ends[end] = 0
    reader = _WordReader(graph, 1)
    reader.run()
    phrases: list[tuple[str, ...]] = []
    stack: list[tuple[int, tuple[str, ...]]] = [(reader.state_of[graph.start], ())]
    while stack:
        state, words = stack.pop()
        if reader.finals[state] and words:
            phrases.append(words)
        for symbol, edges in reader.edges[state].items():
            word = symbol.removeprefix(GLUE)
            for target, _slot in edges:
                joined = (
                    (*words[:-1], words[-1] + word) if symbol != word and words else (*words, word)
                )
                stack.append((target, joined))
    return sorted(set(phrases))


class _NoLocals:
    slot_lists: dict[str, SlotList] = {}  # noqa: RUF012
