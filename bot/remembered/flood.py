"""Per-person flood control: a burst gets one polite notice, then silence until it stops.

A person is admitted no faster than their replies can be sent (bot.transport's rate per
chat): admitting more would only build a line of answers that arrive ever later.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.remembered.memory import SaltedKeys
from bot.transport import CHAT_PER_SECOND
from bot.transport import GROUP_PER_SECOND as GROUP_PER_SECOND

BURST = 8
PER_SECOND = CHAT_PER_SECOND
GROUP_BURST = 3
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
        if bucket.warned and bucket.tokens >= self.burst:
            bucket.warned = False  # quiet long enough to have a full allowance again
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    def __len__(self) -> int:
        return len(self._buckets)
