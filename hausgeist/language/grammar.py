"""Where the sentence templates come from, merged into one hassil `Intents` object.

Two sources in hassil's template format: the German templates, lists, expansion rules and
skip words shipped in the pinned `home-assistant-intents` package, and hausgeist's own
templates in `templates/<lang>/*.yaml` for the intents Home Assistant lacks. hassil is used
only to parse the template syntax; matching is hausgeist's compiled automaton.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents
from home_assistant_intents import get_intents

TEMPLATES_DIR = Path(__file__).parent / "templates"


class GrammarError(Exception):
    """The templates for a language could not be loaded."""

    code = "grammar_unavailable"


def load_source(lang: str = "de") -> dict[str, Any]:
    """The merged template document (Home Assistant's plus hausgeist's own) for a language.

    Read once per process (the files are part of the installed packages); every caller gets
    its own copy, free to change.
    """
    return copy.deepcopy(_read_source(lang))


@functools.cache
def _read_source(lang: str) -> dict[str, Any]:
    document = get_intents(lang)
    if document is None:
        raise GrammarError(f"no Home Assistant templates for language {lang!r}")
    for path in sorted((TEMPLATES_DIR / lang).glob("*.yaml")):
        with path.open(encoding="utf-8") as stream:
            own = yaml.safe_load(stream) or {}
        if not isinstance(own, Mapping):
            raise GrammarError(f"{path.name}: expected a mapping at the top")
        _merge(document, own)
    return document


def source_digest(document: Mapping[str, Any]) -> str:
    """A digest of the template document and the versions that interpret it."""
    versions = [metadata.version(name) for name in ("hassil", "home-assistant-intents")]
    payload = json.dumps([document, versions], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def parse_source(document: Mapping[str, Any]) -> Intents:
    """Parse the template syntax with hassil."""
    return Intents.from_dict(dict(document))


def _merge(base: dict[str, Any], own: Mapping[str, Any]) -> None:
    for intent_name, intent in (own.get("intents") or {}).items():
        target = base.setdefault("intents", {}).setdefault(intent_name, {"data": []})
        target["data"].extend(intent.get("data") or [])
    for key in ("lists", "expansion_rules", "responses"):
        for name, value in (own.get(key) or {}).items():
            base.setdefault(key, {})[name] = value
    base.setdefault("skip_words", []).extend(own.get("skip_words") or [])
