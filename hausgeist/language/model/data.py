"""MASSIVE rows as token sequences with slot spans, read the way speech delivers text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hausgeist.language.model.mapping import MassiveMap
from hausgeist.language.tokens import normalize_text, tokenize

# "[slot : words]" in MASSIVE's annot_utt.
_ANNOTATION = re.compile(r"\[\s*([\w]+)\s*:\s*([^\]]*)\]")

# A tagged span: (slot name, first token, one past the last token).
Span = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Example:
    """One training or evaluation sentence: its words, its class and its slot spans."""

    words: tuple[str, ...]
    label: str
    spans: tuple[Span, ...] = ()

    def tags(self) -> list[str]:
        """BIO tags, one per word."""
        tags = ["O"] * len(self.words)
        for slot, start, end in self.spans:
            tags[start] = f"B-{slot}"
            for i in range(start + 1, end):
                tags[i] = f"I-{slot}"
        return tags

    def slot_values(self) -> set[tuple[str, str]]:
        """The (slot, words) pairs, as slot F1 compares them."""
        return {(slot, " ".join(self.words[s:e])) for slot, s, e in self.spans}


def words(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation: the form speech-to-text delivers."""
    return tuple(token.word for token in tokenize(normalize_text(text)))


def parse_annotation(annotated: str, label: str, mapping: MassiveMap) -> Example:
    """An example from MASSIVE's annotated utterance, slot types renamed by the mapping."""
    out: list[str] = []
    spans: list[Span] = []
    position = 0
    for found in _ANNOTATION.finditer(annotated):
        out.extend(words(annotated[position : found.start()]))
        inner = words(found.group(2))
        if inner:
            spans.append((mapping.slot_name(found.group(1)), len(out), len(out) + len(inner)))
            out.extend(inner)
        position = found.end()
    out.extend(words(annotated[position:]))
    return Example(tuple(out), label, tuple(spans))


def read_massive(path: Path, mapping: MassiveMap) -> Iterator[Example]:
    """The examples of one MASSIVE jsonl partition."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            yield parse_annotation(row["annot_utt"], row["intent"], mapping)
