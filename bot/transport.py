"""How calls reach Telegram: within its limits, and retried only when that is safe.

- About 30 messages a second overall and about 1 a second per chat (with a small burst,
  so a menu tap still feels instant): the bot stays under Telegram's limits by itself.
- 429 "retry after N": wait N seconds, then try again; nothing else is sent to that chat
  meanwhile (a 429 without a chat pauses that method). Other chats are not held up.
- At most about 20 messages a minute to a group (Telegram's group limit).
- A 5xx answer, or a request that never reached the server (bot.request.NotSent), was not
  carried out: retry with backoff.
- A connection lost after the request went out (bot.request.FateUnknown) may have carried
  the call out. Calls that do the same thing however often they are made (edits, answers
  to buttons and inline queries, deletions, setup calls) are retried. A new message
  (send*, copy*, forward*) is sent again at most `UNKNOWN_SEND_RETRIES` times: for someone
  in a crisis a missing answer is far worse than the same answer twice, so the bot risks
  the duplicate, within a bound. (getUpdates is left to PTB's own loop: unconfirmed
  updates simply come again.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.remembered.bucket import TokenBucket
from bot.remembered.memory import ExpiringMap, SaltedKeys
from bot.request import FateUnknown, NotSent, ServerError

OVERALL_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
CHAT_BURST = 4.0
# Telegram allows a bot about 20 messages a minute in one group: one every 3 s or more
# never exceeds 20 in any minute.
GROUP_PER_SECOND = 19 / 60
GROUP_BURST = 1.0
MAX_RETRIES = 5
# However often Telegram says "retry after", one call never waits longer than this in all:
# past it, the answer is given up (and logged as such) rather than hold its chat's line.
MAX_RETRY_SECONDS = 30.0
MAX_CHATS = 10_000
UNKNOWN_SEND_RETRIES = 2
# Only messages count towards Telegram's message limits; answering a button or an inline
# query, deleting and setup calls have a budget of their own, so they never wait for
# someone else's messages (nor the reverse).
_MESSAGE_PREFIXES = ("send", "edit", "copy", "forward")


def counts_as_message(endpoint: str) -> bool:
    return endpoint.startswith(_MESSAGE_PREFIXES)


def makes_a_new_message(endpoint: str) -> bool:
    """Calls that, carried out twice, show the person two messages."""
    return endpoint.startswith(("send", "copy", "forward"))


class GaveUp(NetworkError):
    """A call that would have waited past MAX_RETRY_SECONDS for a pause to end."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"{endpoint}: gave up waiting for Telegram's rate limit")


class LanternRateLimiter(BaseRateLimiter[None]):
    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_per_second: float = CHAT_PER_SECOND,
        chat_burst: float = CHAT_BURST,
        group_per_second: float = GROUP_PER_SECOND,
        group_burst: float = GROUP_BURST,
        max_retries: int = MAX_RETRIES,
        max_retry_seconds: float = MAX_RETRY_SECONDS,
        unknown_send_retries: int = UNKNOWN_SEND_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = TokenBucket(overall_per_second, overall_per_second, clock())
        self._other = TokenBucket(overall_per_second, overall_per_second, clock())
        self._chat_rate, self._chat_burst = chat_per_second, chat_burst
        self._group_rate, self._group_burst = group_per_second, group_burst
        self._keys = SaltedKeys()
        # A chat forgotten here only gets a fresh allowance: nothing is lost.
        self._chats: ExpiringMap[TokenBucket] = ExpiringMap(
            limit=MAX_CHATS, idle_seconds=None, clock=clock, keys=self._keys
        )
        # A 429 pauses the chat it concerns (by salted key); one without a chat, the method.
        self._chat_paused: dict[bytes, float] = {}
        self._paused_until: dict[str, float] = {}
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.unknown_send_retries = unknown_send_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_bucket(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            group = chat_id < 0
            rate = self._group_rate if group else self._chat_rate
            burst = self._group_burst if group else self._chat_burst
            bucket = self._chats.put(chat_id, TokenBucket(rate, burst, self._clock()))
        return bucket

    @staticmethod
    def _chat_pause_key(endpoint: str, key: bytes) -> bytes:
        # Messages to a chat share one pause (Telegram limits messages per chat); any other
        # call to it (deleting, say) has its own, so a 429 on replies never stops a /wipe.
        return key if counts_as_message(endpoint) else endpoint.encode() + b"|" + key

    def _pause_left(self, endpoint: str, key: bytes | None) -> float:
        now = self._clock()
        if key is None:
            return self._paused_until.get(endpoint, 0.0) - now
        pause_key = self._chat_pause_key(endpoint, key)
        until = self._chat_paused.get(pause_key)
        if until is None:
            return 0.0
        if until <= now:
            del self._chat_paused[pause_key]
            return 0.0
        return until - now

    def _pause(self, endpoint: str, key: bytes | None, seconds: float) -> None:
        until = self._clock() + seconds
        if key is None:
            self._paused_until[endpoint] = until
        else:
            pause_key = self._chat_pause_key(endpoint, key)
            self._chat_paused[pause_key] = max(until, self._chat_paused.get(pause_key, 0.0))

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
        key = self._keys.key(chat_id) if isinstance(chat_id, int) else None
        if counts_as_message(endpoint):
            delay = self._overall.wait_time(self._clock())
            if isinstance(chat_id, int):
                delay = max(delay, self._chat_bucket(chat_id).wait_time(self._clock()))
        else:
            delay = self._other.wait_time(self._clock())
        if delay > 0:
            await asyncio.sleep(delay)
        deadline = self._clock() + self.max_retry_seconds
        attempt = unknown_sends = 0
        while True:
            paused = self._pause_left(endpoint, key)
            if paused > 0:
                if self._clock() + paused > deadline:
                    raise GaveUp(endpoint)
                await asyncio.sleep(paused)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                self._pause(endpoint, key, seconds)
                if attempt >= self.max_retries or self._clock() + seconds > deadline:
                    raise
            except (ServerError, NotSent, FateUnknown) as exc:
                if isinstance(exc, FateUnknown) and makes_a_new_message(endpoint):
                    unknown_sends += 1
                    if unknown_sends > self.unknown_send_retries:
                        raise
                backoff = min(0.2 * 2**attempt, 5.0)
                if attempt >= self.max_retries or self._clock() + backoff > deadline:
                    raise
                await asyncio.sleep(backoff)
            attempt += 1
