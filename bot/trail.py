"""What /wipe and disappearing mode need: message ids only, in memory, for 48 hours.

Telegram lets a bot delete messages in a private chat for 48 hours. Lantern remembers
which message ids it sent or received in each chat, never their content, under a salted
hash of the chat, so it can delete them on request. A restart forgets everything: after
one, only messages sent from then on can be deleted (and /privacy says so).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from bot.memory import SaltedKeys

KEEP_SECONDS = 48 * 3600 - 600  # a little under Telegram's 48 h, so deletes still succeed
PER_CHAT = 2_000
MAX_CHATS = 20_000


class MessageTrail:
    def __init__(
        self,
        *,
        keep_seconds: float = KEEP_SECONDS,
        per_chat: int = PER_CHAT,
        max_chats: int = MAX_CHATS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = SaltedKeys()
        self._chats: OrderedDict[bytes, deque[tuple[int, float]]] = OrderedDict()
        self.keep_seconds = keep_seconds
        self.per_chat = per_chat
        self.max_chats = max_chats
        self._clock = clock

    def add(self, chat_id: int, message_id: int) -> None:
        key = self._keys.key(chat_id)
        ids = self._chats.pop(key, None) or deque(maxlen=self.per_chat)
        ids.append((message_id, self._clock()))
        self._chats[key] = ids
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)

    def take(self, chat_id: int) -> list[int]:
        """Every id still deletable in the chat; the chat is forgotten."""
        ids = self._chats.pop(self._keys.key(chat_id), None) or ()
        oldest = self._clock() - self.keep_seconds
        return sorted({mid for mid, at in ids if at >= oldest})

    def __len__(self) -> int:
        return len(self._chats)


class Vanisher:
    """Disappearing mode: which chats to wipe when, for the people who turned it on.

    To delete without a new message from the person, the chat id itself must be kept,
    in memory, only while their timer runs.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._due: dict[int, float] = {}
        self._clock = clock

    def touch(self, chat_id: int, minutes: int) -> None:
        self._due[chat_id] = self._clock() + minutes * 60

    def cancel(self, chat_id: int) -> None:
        self._due.pop(chat_id, None)

    def due(self) -> list[int]:
        now = self._clock()
        ready = [chat for chat, at in self._due.items() if at <= now]
        for chat in ready:
            del self._due[chat]
        return ready

    def __len__(self) -> int:
        return len(self._due)
