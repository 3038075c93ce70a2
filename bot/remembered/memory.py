"""Per-person state kept in memory only: under a salted hash, bounded, and expiring.

The salt is made fresh at every start, so no list of who used the bot exists even in this
process's memory, and nothing survives a restart.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class SaltedKeys:
    """Turns an id into a key that cannot be turned back without this process's salt."""

    __slots__ = ("_salt",)

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(32)

    def key(self, ident: int) -> bytes:
        # BLAKE2b in its keyed mode is a MAC by design, as HMAC-SHA256 is, and costs a
        # third as much; an update reads about fifteen keys.
        return hashlib.blake2b(str(ident).encode(), key=self._salt, digest_size=16).digest()


class ExpiringMap(Generic[V]):
    """At most `limit` values, each forgotten `idle_seconds` after it was last used (never,
    if None); over the limit, the least recently used goes.

    Only for what costs nothing worth keeping when it goes (a fresh flood allowance, a
    send bucket, a flow to start again): safety state is kept in an AgedMap, which never
    drops anyone because others came.
    """

    def __init__(
        self,
        *,
        limit: int,
        idle_seconds: float | None,
        clock: Callable[[], float] = time.monotonic,
        keys: SaltedKeys | None = None,
    ) -> None:
        self._keys = keys or SaltedKeys()
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


ENTRY_BYTES = 112
"""What one entry costs beside its value: the 16-byte key object (64 bytes as allocated) and
its share of the dict (about 48). Measured with tracemalloc in tests/test_safety_state.py."""


def value_bytes(value: object) -> int:
    """Memory a value takes, rounded up as CPython's small-object allocator does."""
    return -(-sys.getsizeof(value) // 16) * 16


class _Slice(Generic[V]):
    """The entries last used within one stretch of time."""

    __slots__ = ("items", "start", "used")

    def __init__(self, start: float) -> None:
        self.start = start
        self.items: dict[bytes, V] = {}
        self.used = 0


class AgedMap(Generic[V]):
    """Values under salted keys, bounded by bytes and by age, never by how many people came.

    An entry is forgotten once it has gone `idle_seconds` without being written or touched
    (give or take a sixteenth of that: entries are kept in time slices so that expiry drops
    whole slices without scanning anyone). When `max_bytes` is reached, a new or growing
    value is refused (`put` returns False) and nobody else's entry is dropped to make room:
    evicting the least recently used would let other people's activity, or an attacker's
    accounts, erase a person's safety state.
    """

    def __init__(
        self,
        *,
        idle_seconds: float,
        max_bytes: int,
        clock: Callable[[], float] = time.monotonic,
        keys: SaltedKeys | None = None,
        slices: int = 16,
    ) -> None:
        self._keys = keys or SaltedKeys()
        self._slices: deque[_Slice[V]] = deque()
        self.idle_seconds = idle_seconds
        self.max_bytes = max_bytes
        self.bytes_used = 0
        self._width = idle_seconds / slices
        self._clock = clock

    def _expire(self, now: float) -> None:
        # A slice's entries were all last used before start + width: once that is
        # idle_seconds ago, every one of them is due.
        while self._slices and self._slices[0].start + self._width + self.idle_seconds <= now:
            self.bytes_used -= self._slices.popleft().used

    def _newest(self, now: float) -> _Slice[V]:
        if not self._slices or now >= self._slices[-1].start + self._width:
            self._slices.append(_Slice(now))
        return self._slices[-1]

    def _find(self, key: bytes) -> _Slice[V] | None:
        for part in reversed(self._slices):  # the active are in the newest slices
            if key in part.items:
                return part
        return None

    def _remove(self, part: _Slice[V], key: bytes) -> V:
        value = part.items.pop(key)
        cost = ENTRY_BYTES + value_bytes(value)
        part.used -= cost
        self.bytes_used -= cost
        return value

    def _add(self, part: _Slice[V], key: bytes, value: V, cost: int) -> None:
        part.items[key] = value
        part.used += cost
        self.bytes_used += cost

    def get(self, ident: int, *, touch: bool = True) -> V | None:
        now = self._clock()
        self._expire(now)
        key = self._keys.key(ident)
        part = self._find(key)
        if part is None:
            return None
        value = part.items[key]
        newest = self._newest(now) if touch else part
        if newest is not part:
            self._remove(part, key)
            self._add(newest, key, value, ENTRY_BYTES + value_bytes(value))
        return value

    def put(self, ident: int, value: V) -> bool:
        """Keep `value` for `ident`; False (and the old value left as it was) if it does
        not fit in the budget."""
        return self.update(ident, lambda _: value)

    def update(self, ident: int, change: Callable[[V | None], V]) -> bool:
        """Replace the value (None if there is none) by `change(value)`, as `put` does."""
        now = self._clock()
        self._expire(now)
        key = self._keys.key(ident)
        part = self._find(key)
        current = None if part is None else part.items[key]
        value = change(current)
        old = 0 if current is None else ENTRY_BYTES + value_bytes(current)
        new = ENTRY_BYTES + value_bytes(value)
        if new > old and self.bytes_used - old + new > self.max_bytes:
            return False
        if part is not None:
            self._remove(part, key)
        self._add(self._newest(now), key, value, new)
        return True

    def pop(self, ident: int) -> V | None:
        self._expire(self._clock())
        key = self._keys.key(ident)
        part = self._find(key)
        return None if part is None else self._remove(part, key)

    def keys(self) -> list[bytes]:
        self._expire(self._clock())
        return [key for part in self._slices for key in part.items]

    def __len__(self) -> int:
        self._expire(self._clock())
        return sum(len(part.items) for part in self._slices)
