"""Updates from different chats are handled at once; one chat's updates stay in order.

Sending is rate-limited per chat (bot.transport), so if updates were handled one at a
time, one person's flood would hold up everyone else's replies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.memory import SaltedKeys

MAX_CONCURRENT = 256


Gate = Callable[[object], Awaitable[bool]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """`gate` decides first, before an update waits for its chat (flood control)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.gate: Gate | None = None
        self._keys = SaltedKeys()
        self._locks: dict[bytes, tuple[asyncio.Lock, int]] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _key(self, update: object) -> bytes | None:
        if not isinstance(update, Update):
            return None
        chat = update.effective_chat
        user = update.effective_user
        if chat is not None:
            return self._keys.key(chat.id)
        if user is not None:
            return self._keys.key(user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.gate is not None and not await self.gate(update):
            if hasattr(coroutine, "close"):
                coroutine.close()  # never started: nothing to clean up
            return
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock_now, count = self._locks[key]
            if count <= 1:
                del self._locks[key]  # nothing is kept for a chat with nothing in flight
            else:
                self._locks[key] = (lock_now, count - 1)
