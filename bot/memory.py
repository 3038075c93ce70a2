"""Per-person state kept in memory only: under a salted hash, bounded, and expiring.

The salt is made fresh at every start, so no list of who used the bot exists even in this
process's memory, and nothing survives a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class SaltedKeys:
    """Turns an id into a key that cannot be turned back without this process's salt."""

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(32)

    def key(self, ident: int) -> bytes:
        return hmac.new(self._salt, str(ident).encode(), hashlib.sha256).digest()[:16]


class ExpiringMap(Generic[V]):
    """At most `limit` values, each forgotten `idle_seconds` after it was last used."""

    def __init__(
        self,
        *,
        limit: int,
        idle_seconds: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = SaltedKeys()
        self._items: OrderedDict[bytes, tuple[float, V]] = OrderedDict()
        self.limit = limit
        self.idle_seconds = idle_seconds
        self._clock = clock

    def _expire(self, now: float) -> None:
        if self.idle_seconds is None:
            return
        while self._items:
            key, (touched, _) = next(iter(self._items.items()))
            if now - touched < self.idle_seconds:
                break
            del self._items[key]

    def get(self, ident: int, *, touch: bool = True) -> V | None:
        now = self._clock()
        self._expire(now)
        key = self._keys.key(ident)
        found = self._items.get(key)
        if found is None:
            return None
        if touch:
            self._items[key] = (now, found[1])
            self._items.move_to_end(key)
        return found[1]

    def put(self, ident: int, value: V) -> V:
        now = self._clock()
        self._expire(now)
        key = self._keys.key(ident)
        self._items.pop(key, None)
        self._items[key] = (now, value)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return value

    def pop(self, ident: int) -> V | None:
        found = self._items.pop(self._keys.key(ident), None)
        return found[1] if found else None

    def keys(self) -> list[bytes]:
        return list(self._items)

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._items)
