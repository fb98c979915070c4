"""The product catalog: which products can be ordered, and which one a spoken name means.

Matching is word by word on lower-cased, lightly stemmed words (one German plural or
inflection ending dropped), so "Batterie" finds "Batterien" and "AA Batterien" finds
"AA-Batterien". It never guesses beyond that: a name that is not a product matches
nothing, and a word shared by several products ("Glühbirne") matches all of them so the
skill can ask which one is meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CATALOG = Path(__file__).parent / "catalog.yaml"

# Words said around a product name that are not part of it ("die", "bitte", "Packungen").
_SKIPPED = frozenset(
    "der die das den dem des ein eine einen einer eines mir uns bitte mal noch neue neuen "
    "neues frische frischen frisches mehr von mit etwas paar packung packungen pack packs "
    "päckchen paket pakete flasche flaschen rolle rollen stück dose dosen karton kartons "
    "tüte tüten kiste kisten glas gläser tube tuben liter l kilo kg gramm g".split()
)
# Longest first, so "Batterien" and "Batterie" both become "batteri".
_ENDINGS = ("en", "er", "es", "n", "e", "s")
_WORD = re.compile(r"[0-9a-zäöüß]+")


class CatalogError(ValueError):
    """The catalog file is missing or not a catalog."""

    code = "catalog_invalid"


@dataclass(frozen=True)
class Product:
    """One product that can be ordered."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    price_cents: int
    unit: str
    stock: int  # pieces on hand when a household starts

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Product:
        """A product from its catalog entry; raise CatalogError when a field is wrong."""
        try:
            product = cls(
                id=str(data["id"]),
                name=str(data["name"]),
                synonyms=tuple(str(word) for word in data.get("synonyms") or ()),
                price_cents=int(data["price_cents"]),
                unit=str(data["unit"]),
                stock=int(data["stock"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CatalogError(f"bad product entry {data!r}: {err}") from err
        if product.price_cents <= 0 or product.stock < 0:
            raise CatalogError(f"bad price or stock for {product.id}")
        return product


class Catalog:
    """All products, and the matching of spoken names to them."""

    def __init__(self, products: list[Product]) -> None:
        self.products = tuple(products)
        self._by_id = {product.id: product for product in products}
        if len(self._by_id) != len(products):
            raise CatalogError("duplicate product id")
        self._keys = {
            product.id: [key(text) for text in (product.name, *product.synonyms)]
            for product in products
        }

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOG) -> Catalog:
        """Read a catalog file; raise CatalogError when it is not one."""
        try:
            with path.open(encoding="utf-8") as stream:
                data = yaml.safe_load(stream) or {}
        except (OSError, yaml.YAMLError) as err:
            raise CatalogError(f"{path}: {err}") from err
        entries = data.get("products") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise CatalogError(f"{path}: no list of products")
        return cls([Product.from_json(entry) for entry in entries])

    def get(self, product_id: str) -> Product | None:
        """The product with this id, if the catalog has it."""
        return self._by_id.get(product_id)

    def match(self, spoken: str, among: list[Product] | None = None) -> list[Product]:
        """The products a spoken name means: its exact names first, else all containing it."""
        wanted = key(spoken)
        if not wanted:
            return []
        candidates = list(self.products) if among is None else among
        exact = [p for p in candidates if wanted in self._keys[p.id]]
        if exact:
            return exact
        words = set(wanted)
        return [p for p in candidates if any(words <= set(k) for k in self._keys[p.id])]


def key(text: str) -> tuple[str, ...]:
    """The stemmed words of a product name, without articles, fillers and unit words."""
    words = _WORD.findall(text.lower())
    kept = [word for word in words if word not in _SKIPPED]
    return tuple(stem(word) for word in kept)


def stem(word: str) -> str:
    """A word without one plural or inflection ending ("batterien" and "batterie": "batteri")."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


def euros(cents: int) -> str:
    """A price the German way: 1198 -> "11,98 €", 123456 -> "1.234,56 €"."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d} €"


def either(products: list[Product]) -> str:
    """Product names to choose from: "A", "A oder B", "A, B oder C"."""
    names = [product.name for product in products]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " oder " + names[-1]
