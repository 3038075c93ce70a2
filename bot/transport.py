"""How calls reach Telegram: within its limits, and retried only when that is safe.

- About 30 messages a second overall and about 1 a second per chat (with a small burst,
  so a menu tap still feels instant): the bot stays under Telegram's limits by itself.
- 429 "retry after N": wait N seconds, then try again; nothing else is sent on that
  path meanwhile.
- A 5xx answer means the call was not carried out: retry with backoff.
- A dropped connection or a timeout may have carried the call out: a retry could send a
  reply twice, so it is not retried (getUpdates, which PTB retries itself, loses nothing:
  unconfirmed updates come again).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest

from bot.memory import SaltedKeys

OVERALL_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
CHAT_BURST = 4.0
MAX_RETRIES = 5
MAX_CHATS = 10_000


class ServerError(NetworkError):
    """Telegram answered 5xx: the call was not carried out."""


class LanternRequest(HTTPXRequest):
    """HTTPX requests that tell a server error apart from a lost connection."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code >= 500:
            raise ServerError(f"Telegram server error ({code})")
        return code, payload


class _Bucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.at = burst, clock()

    def wait_time(self) -> float:
        """Take one token; how long to wait before using it."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class LanternRateLimiter(BaseRateLimiter[None]):
    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_per_second: float = CHAT_PER_SECOND,
        chat_burst: float = CHAT_BURST,
        max_retries: int = MAX_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = _Bucket(overall_per_second, overall_per_second, clock)
        self._chat_rate, self._chat_burst = chat_per_second, chat_burst
        self._chats: OrderedDict[bytes, _Bucket] = OrderedDict()
        self._keys = SaltedKeys()
        self._paused_until: dict[str, float] = {}
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_bucket(self, chat_id: int) -> _Bucket:
        key = self._keys.key(chat_id)
        bucket = self._chats.pop(key, None) or _Bucket(
            self._chat_rate, self._chat_burst, self._clock
        )
        self._chats[key] = bucket
        while len(self._chats) > MAX_CHATS:
            self._chats.popitem(last=False)
        return bucket

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        delay = self._overall.wait_time()
        if isinstance(chat_id, int):
            delay = max(delay, self._chat_bucket(chat_id).wait_time())
        if delay > 0:
            await asyncio.sleep(delay)
        attempt = 0
        while True:
            paused = self._paused_until.get(endpoint, 0.0) - self._clock()
            if paused > 0:
                await asyncio.sleep(paused)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                self._paused_until[endpoint] = self._clock() + seconds
                if attempt >= self.max_retries:
                    raise
            except ServerError:
                if attempt >= self.max_retries:
                    raise
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
            attempt += 1
