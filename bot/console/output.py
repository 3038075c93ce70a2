"""What the bot does, printed as it happens: its messages and edits (numbered, with
their buttons), spec and API notices, deletions told as one line per batch, and the last
link to Lantern shown (what `/open` opens by default)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, TextIO

from bot.console.people import People
from bot.console.render import render_message, wrap, write

if TYPE_CHECKING:
    from emulator import BotAPIEmulator, EmuEvent, EmuMessage

# Deletions closer together than this are told as one batch ("Lantern deleted 12 messages").
DELETE_SETTLE = 0.4
_TME = re.compile(r"(?:https?://)?t\.me/(\w+)(?:\?start=([\w-]+))?")
_START_IN_TEXT = re.compile(r"(?<![\w/])/start (inv-[\w-]+)")


class Shown(People):
    """A console session's people, and what the bot has shown them."""

    def __init__(self, emulator: BotAPIEmulator, out: TextIO, language_code: str = "en") -> None:
        super().__init__(emulator, out, language_code)
        # Every bot message and edit shown, as (chat id, its text and button labels).
        self.shown: list[tuple[int, str]] = []
        self.last_link: str | None = None
        self.interactive = False
        self._at_prompt = False
        self._deleted: dict[int, int] = {}
        self._delete_timer: asyncio.TimerHandle | None = None

    def on_event(self, event: EmuEvent) -> None:
        if event.kind in ("violation", "error"):
            self.flush_deletions()
            tag = "[spec]" if event.kind == "violation" else "[api]"
            self._print_async(wrap(f"{tag} {event.text}", "") + "\n")
            return
        person = self.person_of_chat(event.chat_id)
        if person is None or event.message is None or event.chat_id is None:
            return
        if event.kind == "delete":
            self._deleted[event.chat_id] = self._deleted.get(event.chat_id, 0) + 1
            if self._delete_timer is not None:
                self._delete_timer.cancel()
            with contextlib.suppress(RuntimeError):  # no running loop: flushed at the end
                loop = asyncio.get_running_loop()
                self._delete_timer = loop.call_later(DELETE_SETTLE, self.flush_deletions)
            return
        self.flush_deletions()
        message = event.message
        self.shown.append((event.chat_id, _searchable(message)))
        self._remember_link(message)
        to = "" if person is self.current else f"to person {person.label}"
        self._print_async(render_message(message, edited=event.kind == "edit", to=to))

    def flush_deletions(self) -> None:
        """One line per batch of deletions, per chat."""
        if self._delete_timer is not None:
            self._delete_timer.cancel()
            self._delete_timer = None
        deleted, self._deleted = self._deleted, {}
        for chat_id, count in deleted.items():
            person = self.person_of_chat(chat_id)
            where = (
                ""
                if person is None or person is self.current
                else f" in person {person.label}'s chat"
            )
            noun = "message" if count == 1 else "messages"
            self._print_async(f"(Lantern deleted {count} {noun}{where})\n")

    def _print_async(self, text: str) -> None:
        """Print, keeping the prompt visible when this arrives while the console waits."""
        if self._at_prompt and self.interactive:
            write(self.out, "\n" + text + self.current.prompt)
        else:
            write(self.out, text)

    def _remember_link(self, message: EmuMessage) -> None:
        for button in [b for row in message.keyboard() for b in row]:
            if self._deep_link(str(button.get("url", ""))) is not None:
                self.last_link = str(button["url"])
        for match in _TME.finditer(message.text):
            if match.group(1).lower() == self.bot_username.lower() and match.group(2):
                self.last_link = match.group(0)
        for match in _START_IN_TEXT.finditer(message.text):
            self.last_link = match.group(0)

    def _deep_link(self, link: str) -> str | None:
        """The /start command a link to this bot opens with, or None for other links."""
        link = link.strip()
        if link.startswith("/start"):
            return link
        match = _TME.fullmatch(link)
        if match is None or match.group(1).lower() != self.bot_username.lower():
            return None
        return f"/start {match.group(2)}" if match.group(2) else "/start"


def _searchable(message: EmuMessage) -> str:
    """A message's text and button labels, whitespace run together (for the demo's checks)."""
    labels = [str(b.get("text", "")) for row in message.keyboard() for b in row]
    return " ".join(" ".join([message.text, *labels]).split())
