"""What the speaking person does, waiting each time until the bot has answered: sending
text, pressing a button (the latest message's, `/press M.N`, `/press WORDS`), opening a
link to Lantern (`/open`) and `/admin`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from bot.console.output import Shown
from bot.console.render import write
from emulator import EmulatorTimeout

if TYPE_CHECKING:
    from emulator import BotAPIEmulator, EmuMessage

# Makes a one-time invite for a role ("admin" or "moderator") and returns its code.
InviteMaker = Callable[[str], Awaitable[str]]
# Long enough for a slow first search, short enough not to feel stuck.
REPLY_TIMEOUT = 10.0
# How long the bot must stay quiet before the next line is taken: it may answer in parts.
SETTLE = 0.15
# A press whose answer is only its acknowledgement: how long to wait for a message or edit.
PRESS_WAIT = 3.0


class Actions(Shown):
    """A console session's people and what they were shown, and what they can do."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        out: TextIO,
        reply_timeout: float = REPLY_TIMEOUT,
        language_code: str = "en",
        make_invite: InviteMaker | None = None,
    ) -> None:
        super().__init__(emulator, out, language_code)
        self.reply_timeout = reply_timeout
        self.make_invite = make_invite

    async def send(self, text: str) -> None:
        if not text.strip():
            self._say("(nothing to send)")
            return
        await self.act(self.emulator.send_text(self.current.user, text))

    async def act(self, action: Awaitable[object], *, wait: float | None = None) -> object:
        """Do a user action, then wait until the bot has answered and gone quiet.

        The answer is something the person sees (a message, an edit, a deletion, inline
        results): paced by the bot's rate limiter, it can come a second after the button's
        own acknowledgement. A press whose only answer is that acknowledgement waits
        `wait` seconds for more.
        """
        emulator = self.emulator
        mark = len(emulator.calls)
        try:
            result = await action
        except LookupError as exc:  # e.g. the message was deleted meanwhile
            self._say(f"({exc})")
            return None

        def visible() -> bool:
            return any(_visible(name) for name, _ in emulator.calls[mark:])

        timeout = self.reply_timeout if wait is None else wait
        try:
            if not await emulator.wait_until(visible, timeout=timeout):
                await emulator.wait_for_call(since=mark, timeout=self.reply_timeout - timeout)
            await emulator.idle(timeout=self.reply_timeout, settle=SETTLE)
        except EmulatorTimeout:
            self._say("(no answer from the bot)")
        self.flush_deletions()
        return result

    async def press_latest(self, number: int) -> None:
        with_buttons = [
            m for m in self.emulator.bot_messages(self.current.user) if m.buttons and not m.deleted
        ]
        if not with_buttons:
            self._say("(no buttons to press yet)")
            return
        message = with_buttons[-1]
        count = sum(len(row) for row in message.keyboard())
        if not 1 <= number <= count:
            self._say(
                f"(no button {number}; the last message has 1 to {count}; "
                f"'{number} sends it as text)"
            )
            return
        await self.press(message, number)

    async def press_command(self, rest: str) -> None:
        where = re.fullmatch(r"#?(\d+)\.(\d+)", rest)
        if where:
            await self.press_on(int(where.group(1)), int(where.group(2)))
        elif rest.isdigit():
            await self.press_latest(int(rest))
        elif rest:
            await self.press_label(rest)
        else:
            self._say("(/press M.N presses button N of message #M; /press WORDS by its label)")

    async def press_on(self, message_id: int, number: int) -> None:
        message = next(
            (
                m
                for m in self.emulator.bot_messages(self.current.user)
                if m.message_id == message_id
            ),
            None,
        )
        if message is None or message.deleted:
            self._say(
                f"(no message #{message_id} from Lantern in person {self.current.label}'s chat)"
            )
            return
        count = sum(len(row) for row in message.keyboard())
        if not 1 <= number <= count:
            self._say(
                f"(message #{message_id} has no button {number}"
                + (f"; its buttons are 1 to {count})" if count else ")")
            )
            return
        await self.press(message, number)

    async def press_label(self, words: str) -> None:
        wanted = " ".join(words.lower().split())
        messages = [
            m for m in self.emulator.bot_messages(self.current.user) if m.buttons and not m.deleted
        ]
        for exact in (True, False):
            for message in reversed(messages):
                flat = [b for row in message.keyboard() for b in row]
                for index, button in enumerate(flat, 1):
                    label = " ".join(str(button.get("text", "")).lower().split())
                    if label == wanted or (not exact and wanted in label):
                        await self.press(message, index)
                        return
        self._say(f"(no button says “{words}”)")

    async def press(self, message: EmuMessage, number: int) -> None:
        flat = [button for row in message.keyboard() for button in row]
        button = flat[number - 1]
        if "callback_data" in button:
            query_id = await self.act(
                self.emulator.press(self.current.user, message, button["callback_data"]),
                wait=PRESS_WAIT,
            )
            notice = self.emulator.callback_answers.get(str(query_id), {}).get("text")
            if query_id is not None and notice:
                self.shown.append((self.current.user.id, " ".join(str(notice).split())))
                self._say(f"(Lantern shows a notice: {notice})")
                write(self.out, "\n")
        elif "url" in button:
            command = self._deep_link(str(button["url"]))
            if command is None:
                self._say(f"(this button opens {button['url']})")
            else:
                await self.open_link(str(button["url"]))
        else:
            self._say("(this kind of button does nothing in the console)")

    async def open_link(self, rest: str) -> None:
        link = rest or self.last_link
        if not link:
            self._say("(no link to Lantern shown yet: /open https://t.me/...?start=...)")
            return
        command = self._deep_link(link)
        if command is None:
            self._say(f"(that is not a link to this bot, @{self.bot_username})")
            return
        self._say(f"(person {self.current.label} opens {link}: Telegram sends {command})")
        await self.send(command)

    async def admin(self, rest: str) -> None:
        role = rest.lower() or "admin"
        if role not in ("admin", "moderator"):
            self._say("(/admin makes an admin; /admin moderator a moderator)")
            return
        if self.make_invite is None:
            self._say(
                "(/admin works on the console's scratch data only; for this data directory, "
                "run `lantern admin add` and /open the link it prints)"
            )
            return
        try:
            code = await self.make_invite(role)
        except Exception as exc:  # the store or key: say what, and go on
            self._say(f"(could not make an invite: {exc})")
            return
        self._say(
            f"(the operator's one-time {role} invite, as `lantern admin add` prints it on a "
            f"server: person {self.current.label} opens it)"
        )
        await self.send(f"/start {code}")


def _visible(method: str) -> bool:
    """Whether a Bot API call changes what the person sees."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "edit", "delete", "copy", "forward")) or method in (
        "answerInlineQuery",
    )
