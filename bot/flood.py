"""Per-person flood control: a burst gets one polite notice, then silence until it stops."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.memory import SaltedKeys

BURST = 20
PER_SECOND = 2.0
MAX_PEOPLE = 20_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class FloodGuard:
    """A token bucket per person (keyed by a salted hash), bounded in memory."""

    def __init__(
        self,
        *,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        max_people: int = MAX_PEOPLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = SaltedKeys()
        self._buckets: OrderedDict[bytes, _Bucket] = OrderedDict()
        self.burst = burst
        self.per_second = per_second
        self.max_people = max_people
        self._clock = clock

    def check(self, user_id: int) -> str:
        """'ok' to serve, 'warn' to send the one notice, 'drop' to stay silent."""
        now = self._clock()
        key = self._keys.key(user_id)
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_people:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    def __len__(self) -> int:
        return len(self._buckets)
