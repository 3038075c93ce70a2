"""Fair update handling: one line per chat, and no one can hold up anyone else.

Sending is rate-limited per chat (bot.transport), so one chat's updates are handled one at
a time, in order. What matters is *where* an update waits for its turn:

- it waits in its own chat's line, holding nothing that others need: a processing slot
  (of `MAX_CONCURRENT`) is taken only once it is this chat's turn, so a chat, a group or
  an inline user holds at most one slot, whatever it sends;
- a line holds at most `MAX_WAITING` updates; more are dropped quietly (the flood gate in
  front of it has already told the person to slow down);
- a /wipe that arrives while another waits is the same request: it is dropped, and the
  waiting one deletes its message too. Answers still waiting when a /wipe arrives are
  dropped: they would fill the chat the person just asked to empty;
- a newer inline query replaces an older one still waiting: the person has typed on.

Nothing here is kept for a chat with nothing in flight, and lines are keyed by a salted
hash, never by an id.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.remembered.memory import SaltedKeys

MAX_CONCURRENT = 256
MAX_WAITING = 8

# What the gate says about an update: None to drop it, else its kind for the line.
WIPE, INLINE, OTHER = "wipe", "inline", "other"
Gate = Callable[[object], Awaitable[str | None]]


class _Waiting:
    __slots__ = ("kind", "turn")

    def __init__(self, kind: str, turn: asyncio.Future[bool]) -> None:
        self.kind = kind
        self.turn = turn


class _Line:
    __slots__ = ("waiting",)

    def __init__(self) -> None:
        # The update being handled is not in here; a line exists only while one is.
        self.waiting: deque[_Waiting] = deque()


def _close(coroutine: Awaitable[Any]) -> None:
    if hasattr(coroutine, "close"):
        coroutine.close()  # never started: nothing to clean up


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """`gate` decides first (flood control, what kind of update it is), then the line."""

    def __init__(
        self, max_concurrent_updates: int = MAX_CONCURRENT, max_waiting: int = MAX_WAITING
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.gate: Gate | None = None
        self.max_waiting = max_waiting
        self.dropped = 0  # refused by the gate or a full line; a count only (tests, bench)
        self._keys = SaltedKeys()
        self._lines: dict[bytes, _Line] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # Unused: process_update is overridden so that waiting happens before a slot.
        await coroutine

    def _key(self, update: object) -> bytes | None:
        if not isinstance(update, Update):
            return None
        chat = update.effective_chat
        if chat is not None:
            return self._keys.key(chat.id)
        user = update.effective_user
        if user is not None:
            return self._keys.key(user.id)
        return None

    def waiting(self) -> int:
        """Updates waiting for their chat's turn, all chats together."""
        return sum(len(line.waiting) for line in self._lines.values())

    def lines(self) -> int:
        return len(self._lines)

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        kind: str | None = OTHER
        if self.gate is not None:
            try:
                kind = await self.gate(update)
            except BaseException:
                _close(coroutine)
                raise
        if kind is None:
            self._drop(coroutine)
            return
        key = self._key(update)
        if key is None:
            async with self._semaphore:
                await coroutine
            return
        line = self._lines.get(key)
        if line is None:
            self._lines[key] = _Line()
        elif not await self._wait_turn(key, line, kind, coroutine):
            return
        try:
            async with self._semaphore:
                await coroutine
        finally:
            self._next(key)

    async def _wait_turn(
        self, key: bytes, line: _Line, kind: str, coroutine: Awaitable[Any]
    ) -> bool:
        """Queue behind the chat's update in hand; False (coroutine closed) if dropped."""
        if kind == WIPE:
            if any(w.kind == WIPE for w in line.waiting):
                self._drop(coroutine)
                return False
            for waiting in line.waiting:
                self._cancel(waiting)
            line.waiting.clear()
        elif kind == INLINE:
            for waiting in [w for w in line.waiting if w.kind == INLINE]:
                self._cancel(waiting)
                line.waiting.remove(waiting)
        if len(line.waiting) >= self.max_waiting:
            self._drop(coroutine)
            return False
        turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        line.waiting.append(_Waiting(kind, turn))
        try:
            go = await turn
        except asyncio.CancelledError:
            _close(coroutine)
            if turn.done() and not turn.cancelled() and turn.result():
                self._next(key)  # given the turn, then cancelled: pass it on
            raise
        if not go:
            self._drop(coroutine)
        return go

    def _drop(self, coroutine: Awaitable[Any]) -> None:
        self.dropped += 1
        _close(coroutine)

    @staticmethod
    def _cancel(waiting: _Waiting) -> None:
        if not waiting.turn.done():
            waiting.turn.set_result(False)

    def _next(self, key: bytes) -> None:
        """Hand the chat's turn to the next waiting update, or forget the chat."""
        line = self._lines.get(key)
        if line is None:
            return
        while line.waiting:
            waiting = line.waiting.popleft()
            if not waiting.turn.done():
                waiting.turn.set_result(True)
                return
        del self._lines[key]
