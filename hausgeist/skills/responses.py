"""Home Assistant's German response templates, rendered for hausgeist's replies.

The templates come from the pinned home-assistant-intents package (Jinja2 syntax); they run
in a sandbox and see only `slots`, `state` and `query`, as in Home Assistant.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from hausgeist.language.grammar import load_source

_ENV = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, str]]:
    responses = load_source("de").get("responses") or {}
    return dict(responses.get("intents") or {})


def ha_response(intent: str, key: str | None, **context: Any) -> str | None:
    """The rendered response, or None when Home Assistant has none for this intent and key."""
    source = _templates().get(intent, {}).get(key or "default")
    if source is None:
        return None
    try:
        text = _ENV.from_string(source).render(**context)
    except TemplateError:
        return None
    return " ".join(text.split())
