"""Per-person flood control: a burst gets one polite notice, then silence until it stops.

A person is admitted no faster than their replies can be sent (bot.transport's rate per
chat): admitting more would only build a line of answers that arrive ever later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.remembered.bucket import TokenBucket
from bot.remembered.memory import ExpiringMap
from bot.transport import CHAT_PER_SECOND
from bot.transport import GROUP_PER_SECOND as GROUP_PER_SECOND

BURST = 8
PER_SECOND = CHAT_PER_SECOND
GROUP_BURST = 3
MAX_PEOPLE = 20_000


class _Allowance(TokenBucket):
    """One person's bucket, and whether they were told to slow down since it last filled."""

    __slots__ = ("warned",)

    def __init__(self, rate: float, burst: float, now: float) -> None:
        super().__init__(rate, burst, now)
        self.warned = False


class FloodGuard:
    """A token bucket per person (keyed by a salted hash), bounded in memory.

    At most `max_people` buckets, the least recently seen forgotten first: forgetting one
    only gives that person a fresh allowance, so it never holds anyone back.
    """

    def __init__(
        self,
        *,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        max_people: int = MAX_PEOPLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buckets: ExpiringMap[_Allowance] = ExpiringMap(
            limit=max_people, idle_seconds=None, clock=clock
        )
        self.burst = burst
        self.per_second = per_second
        self._clock = clock

    @property
    def max_people(self) -> int:
        return self._buckets.limit

    def check(self, user_id: int) -> str:
        """'ok' to serve, 'warn' to send the one notice, 'drop' to stay silent."""
        now = self._clock()
        bucket = self._buckets.get(user_id) or self._buckets.put(
            user_id, _Allowance(self.per_second, float(self.burst), now)
        )
        if bucket.refill(now) >= self.burst and bucket.warned:
            bucket.warned = False  # quiet long enough to have a full allowance again
        if bucket.take(now):
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    def keys(self) -> list[bytes]:
        return self._buckets.keys()

    def __len__(self) -> int:
        return len(self._buckets)
