"""Small pieces of German phrasing shared by the skills and the dialog."""

from __future__ import annotations

from collections.abc import Sequence


def join_words(items: Sequence[str], last: str = "und") -> str:
    """German enumeration: "A", "A und B", "A, B und C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
