"""The `hausgeist parse` line protocol: one input line in, one JSON object out.

A line is a plain sentence, or a JSON object `{"text": ..., "context": {...}}` whose
context is the home to parse against. Whatever arrives (empty, huge, binary, broken JSON,
invalid UTF-8), exactly one result comes back; an unreadable line gets `intent: null` and
an `error` saying why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot, SnapshotError
from hausgeist.language.parse import ParseResult, Understanding

# Lines are cut to this many characters before parsing: no command is longer.
MAX_CHARS = 2000
_HOME_CACHE = 512


class LineParser:
    """Parses protocol lines with one Understanding, caching homes by their context text."""

    def __init__(self, understanding: Understanding) -> None:
        self.understanding = understanding
        self._homes: dict[str, HomeSnapshot] = {}

    def parse_line(self, raw: bytes) -> dict[str, Any]:
        """The output object for one raw input line (without its line ending)."""
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            text = raw.decode("utf-8", errors="replace")
            return ParseResult(text, error=f"invalid UTF-8 at byte {err.start}").to_json()
        if line.lstrip().startswith("{"):
            return self._parse_object(line)
        return self.understanding.parse(line[:MAX_CHARS]).to_json()

    def _parse_object(self, line: str) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            return ParseResult(line[:MAX_CHARS], error=f"invalid JSON: {err}").to_json()
        if not isinstance(request, Mapping):
            return ParseResult(line[:MAX_CHARS], error="expected a JSON object").to_json()
        text = request.get("text")
        if not isinstance(text, str):
            return ParseResult("", error="field 'text' must be a string").to_json()
        context = request.get("context")
        if context is None:
            return self.understanding.parse(text[:MAX_CHARS]).to_json()
        if not isinstance(context, Mapping):
            return ParseResult(text, error="field 'context' must be an object").to_json()
        try:
            home = self._home(context, line)
        except SnapshotError as err:
            return ParseResult(text, error=str(err)).to_json()
        return self.understanding.parse(text[:MAX_CHARS], home).to_json()

    def _home(self, context: Mapping[str, Any], line: str) -> HomeSnapshot:
        # The raw text from the first '"context":' on holds the context's JSON whole (a
        # quote inside a JSON string is escaped), so it keys the cache without re-encoding.
        at = line.find('"context":')
        key = line[at:] if at >= 0 else json.dumps(context, sort_keys=True)
        home = self._homes.get(key)
        if home is None:
            home = HomeSnapshot.from_json(context)
            if len(self._homes) >= _HOME_CACHE:
                self._homes.clear()
            self._homes[key] = home
        return home
