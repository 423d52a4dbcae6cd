"""A mapping whose values are built on first lookup: bundled data of which a command reads one entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V]):
    """Its keys are known up front; each value is ``build(key)`` on first lookup, then kept. Iterating values or
    items builds them all, in key order. `onet show` builds one occupation of 923, not all (issue 14)."""

    def __init__(self, keys: Iterable[K], build: Callable[[K], V]):
        self._keys = dict.fromkeys(keys)
        self._build = build
        self._built: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        try:
            return self._built[key]
        except KeyError:
            if key not in self._keys:
                raise
        value = self._built[key] = self._build(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
