"""What the emulated Telegram holds in memory: users, chats, messages, the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from emulator.models import EmuChat, EmuMessage, EmuUser, UploadedFile

EventKind = Literal["message", "edit", "delete", "violation", "error"]
# Updates PTB cannot parse: a message without its required `date`, a callback query without
# its required `chat_instance` (both seen from an independent emulator).
MalformedKind = Literal["message", "callback_query"]


@dataclass(frozen=True)
class EmuEvent:
    """Something listeners hear about: a bot message sent, edited or deleted, or a problem."""

    kind: EventKind
    chat_id: int | None = None
    message: EmuMessage | None = None
    text: str = ""


class Signal:
    """Wakes every waiter whenever the emulator's state changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0))


class EmulatorState:
    """The in-memory world of one bot. Every change wakes `signal`'s waiters."""

    def __init__(self, bot_id: int, username: str, first_name: str) -> None:
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name

        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self._messages: dict[int, list[EmuMessage]] = {}
        self._events: dict[int, list[EmuMessage]] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self.delivered: list[int] = []
        self.dropped_updates: list[int] = []
        # False: getUpdates answers at once whatever its `timeout` (a server without long
        # polling); `polls` and `empty_polls` count getUpdates answers so a test can see a
        # bot spinning against it.
        self.long_polling = True
        self.polls = 0
        self.empty_polls = 0
        # When set, every update a user action makes is preceded by a malformed one of
        # this kind, so each batch the bot fetches holds a bad update beside a good one.
        self.malformed_beside: MalformedKind | None = None
        self._last_activity = 0.0

        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.profile: dict[str, dict[str, str]] = {
            "name": {},
            "description": {},
            "short_description": {},
        }
        self.callback_queries: dict[str, EmuMessage] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_queries: set[str] = set()
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.deleted: list[tuple[int, int]] = []
        self.files: dict[str, UploadedFile] = {}

        self._listeners: list[Callable[[EmuEvent], None]] = []
        self.signal = Signal()
        self._closing = False

    def bot_user(self) -> dict[str, Any]:
        """The bot as a Bot API User."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def subscribe(self, listener: Callable[[EmuEvent], None]) -> Callable[[], None]:
        """Call `listener` on every bot message, edit, deletion, violation and error.

        Returns a function that unsubscribes.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: EmuEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _add_chat(self, chat: EmuChat) -> EmuChat:
        self.chats[chat.id] = chat
        self._messages[chat.id] = []
        self._events[chat.id] = []
        return chat

    @staticmethod
    def _chat_id(chat: EmuChat | EmuUser | int) -> int:
        return chat if isinstance(chat, int) else chat.id

    def _chat_of(self, chat: EmuChat | int) -> EmuChat:
        found = self.chats.get(self._chat_id(chat))
        if found is None:
            raise LookupError("no such chat in the emulator")
        return found

    def _next_message_id(self, chat_id: int) -> int:
        return len(self._messages[chat_id]) + 1

    def _store(self, message: EmuMessage) -> EmuMessage:
        self._messages[message.chat_id].append(message)
        return message

    def _find(self, chat_id: int, message_id: Any) -> EmuMessage | None:
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _bot_event(self, kind: EventKind, message: EmuMessage) -> None:
        snapshot = message.snapshot()
        if kind in ("message", "edit"):
            self._events[message.chat_id].append(snapshot)
        self._emit(EmuEvent(kind, message.chat_id, snapshot))
        self.signal.notify()

    def _touch(self) -> None:
        """Something moved: `idle()` counts its quiet time from now."""
        self._last_activity = asyncio.get_running_loop().time()
        self.signal.notify()

    def _enqueue(self, update: dict[str, Any]) -> int:
        update = copy.deepcopy(update)
        update["update_id"] = self._next_update_id
        self._next_update_id += 1
        self._updates.append(update)
        self.signal.notify()
        return update["update_id"]
