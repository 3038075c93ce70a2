"""One token bucket, for admitting people (bot.remembered.flood) and pacing sends
(bot.transport): an allowance of `burst` that refills at `rate` a second."""

from __future__ import annotations


class TokenBucket:
    """Tokens refill continuously up to `burst`; the caller passes the time, so one clock
    (a test's, or monotonic) drives every bucket of a limiter."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, now

    def refill(self, now: float) -> float:
        """The tokens there are at `now`."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return self.tokens

    def take(self, now: float) -> bool:
        """Take one whole token if there is one; False (nothing taken) if not."""
        if self.refill(now) >= 1:
            self.tokens -= 1
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Take one token even before it is there; how long to wait before using it.

        The debt is kept (tokens go below zero), so callers queue up in turn."""
        self.refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate
