"""Building the compiled grammar, and caching it so that `hausgeist` starts in well under 1 s.

Compiling the German templates takes a few seconds; the result is pickled under a name that
holds a digest of the templates, of the versions of hassil and home-assistant-intents, and
of the code that builds and reads it, so a stale file is never used. The install script
builds one copy into the package (`python -m hausgeist.language.build`); otherwise the
first start builds one into the data directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hausgeist.language.compiler import Automaton, compile_intents
from hausgeist.language.dfa import Dfa, determinize
from hausgeist.language.grammar import load_source, parse_source, source_digest
from hausgeist.language.lexicon import Lexicon

log = logging.getLogger(__name__)

PACKAGE_CACHE = Path(__file__).parent / "_compiled"
_CODE = ("compiler.py", "dfa.py", "lexicon.py", "values.py", "tokens.py", "build.py")
_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
               TypeError, ValueError, IndexError)  # fmt: skip


@dataclass
class Compiled:
    """Everything matching needs that does not depend on the home."""

    automaton: Automaton
    dfa: Dfa
    lexicon: Lexicon


def load_compiled(lang: str, cache_dir: Path | None) -> Compiled:
    """The compiled grammar from the package or `cache_dir`, building it on a miss."""
    document = load_source(lang)
    name = f"grammar-{lang}-{source_digest(document)}-{_code_digest()}.pickle"
    for directory in (PACKAGE_CACHE, cache_dir):
        if directory is not None and (directory / name).exists():
            compiled = _read(directory / name)
            if compiled is not None:
                return compiled
    compiled = build(lang)
    if cache_dir is not None:
        _write_atomically(cache_dir / name, compiled)
    return compiled


def build(lang: str) -> Compiled:
    """Compile the templates of a language."""
    intents = parse_source(load_source(lang))
    automaton = compile_intents(intents)
    lexicon = Lexicon(automaton, intents)
    return Compiled(automaton, determinize(automaton, frozenset(lexicon.wildcards)), lexicon)


def _code_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def _read(path: Path) -> Compiled | None:
    try:
        with path.open("rb") as stream:
            compiled = pickle.load(stream)
    except _UNREADABLE as err:
        log.warning("grammar cache %s unreadable, compiling again: %s", path, err)
        return None
    return compiled if isinstance(compiled, Compiled) else None


def _write_atomically(path: Path, compiled: Compiled) -> None:
    # A cache that cannot be written only costs start-up time, so failures are not fatal.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(compiled, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)


def main() -> None:
    """Build the German grammar into the package, replacing older builds."""
    for old in PACKAGE_CACHE.glob("grammar-*.pickle"):
        old.unlink()
    load_compiled("de", PACKAGE_CACHE)
    print(f"hausgeist: grammar compiled into {PACKAGE_CACHE}")


if __name__ == "__main__":
    # Run through the package module, so that pickled classes name their real module.
    from hausgeist.language import build as _build

    _build.main()
