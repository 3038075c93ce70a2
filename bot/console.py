"""`lantern console`: the real bot, in a terminal, against the local Bot API emulator.

Nothing leaves the machine: the bot's calls go to an emulator on 127.0.0.1, which plays
one Telegram user whose messages are the lines typed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from bot.app import stop_application
from emulator import (
    BotAPIEmulator,
    EmuEvent,
    EmulatorTimeout,
    EmuMessage,
    EmuUser,
    Hostile,
)

if TYPE_CHECKING:
    from telegram.ext import Application

AppFactory = Callable[[str, str], "Application"]

CONSOLE_TOKEN = "1000000001:console-token-for-the-local-emulator"
WIDTH = 78
INDENT = "  "
QUIT_WORDS = frozenset({"/quit", "quit", "exit", "/exit"})
# Long enough for a slow first search, short enough not to feel stuck.
REPLY_TIMEOUT = 10.0
# How long the bot must stay quiet before the next line is taken: it may answer in parts.
SETTLE = 0.15
_BULLET = re.compile(r"\s*(?:[•\-*]|\d+[.)])\s+")

BANNER = """\
Lantern console: the bot, talking to a local Telegram emulator.
Nothing leaves this machine; no Telegram account is used.
Type a number to press a button, any other text to search, /help for commands,
/quit (or Ctrl-D) to leave.

"""


async def run_console(
    app_factory: AppFactory,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    language_code: str = "en",
    token: str = CONSOLE_TOKEN,
    reply_timeout: float = REPLY_TIMEOUT,
    hostile: Hostile | None = None,
) -> None:
    """Run the bot from `app_factory(api_url, token)` against an emulator, driven by stdin.

    Sends /start, then prints each bot message with its numbered buttons; a number presses
    a button of the latest message that has buttons, other text is sent as a message.
    Ends on /quit, quit, exit or end of input. With `hostile`, the emulator misbehaves
    that way from the first call on (see emulator/hostile.py).
    """
    out = stdout or sys.stdout
    emulator = BotAPIEmulator(token)
    if hostile is not None:
        hostile.apply(emulator)
    await emulator.start()
    try:
        _write(out, BANNER)
        for warning in emulator.warnings:
            _write(out, _wrap(f"[spec] {warning}", "") + "\n")
        for line in hostile.describe() if hostile is not None else []:
            _write(out, _wrap(f"[hostile] {line}", "") + "\n")
        user = emulator.new_user("You", language_code=language_code)
        unsubscribe = emulator.subscribe(lambda event: _show_event(out, user.id, event))
        application = app_factory(emulator.api_url, token)
        try:
            await _start(application)
            await _converse(emulator, user, stdin or sys.stdin, out, reply_timeout)
        finally:
            await stop_application(application)
            unsubscribe()
    finally:
        await emulator.stop()
    _write(out, "Bye.\n")


async def _converse(
    emulator: BotAPIEmulator, user: EmuUser, stdin: TextIO, out: TextIO, reply_timeout: float
) -> None:
    interactive = _is_tty(stdin)
    lines = _LineReader(stdin)
    _write(out, "> /start\n")
    await _act(emulator, emulator.send_text(user, "/start"), reply_timeout, out)
    while True:
        if interactive:
            _write(out, "> ")
        line = await lines.readline()
        if line is None:
            if interactive:
                _write(out, "\n")
            return
        line = line.strip()
        if not interactive:
            _write(out, f"> {line}\n")
        if not line:
            continue
        if line.lower() in QUIT_WORDS:
            return
        if line.isdigit():
            await _press(emulator, user, int(line), reply_timeout, out)
        else:
            await _act(emulator, emulator.send_text(user, line), reply_timeout, out)


async def _press(
    emulator: BotAPIEmulator, user: EmuUser, number: int, reply_timeout: float, out: TextIO
) -> None:
    with_buttons = [m for m in emulator.bot_messages(user) if m.buttons]
    if not with_buttons:
        _write(out, "(no buttons to press yet)\n")
        return
    message = with_buttons[-1]
    flat = [button for row in message.keyboard() for button in row]
    if not 1 <= number <= len(flat):
        _write(out, f"(no button {number}; the last message has 1 to {len(flat)})\n")
        return
    button = flat[number - 1]
    if "callback_data" in button:
        await _act(
            emulator, emulator.press(user, message, button["callback_data"]), reply_timeout, out
        )
    elif "url" in button:
        _write(out, _wrap(f"(this button opens {button['url']})", "") + "\n")
    else:
        _write(out, "(this kind of button does nothing in the console)\n")


async def _act(
    emulator: BotAPIEmulator, action: Awaitable[object], reply_timeout: float, out: TextIO
) -> None:
    """Do a user action, then wait until the bot has answered and gone quiet."""
    mark = len(emulator.calls)
    try:
        await action
    except LookupError as exc:  # e.g. the message was deleted meanwhile
        _write(out, f"({exc})\n")
        return
    try:
        await emulator.wait_for_call(since=mark, timeout=reply_timeout)
        await emulator.idle(timeout=reply_timeout, settle=SETTLE)
    except EmulatorTimeout:
        _write(out, "(no answer from the bot)\n")


async def _start(application: Application) -> None:
    """Start the way Application.run_polling does, without taking over the event loop."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    if application.updater is None:
        raise RuntimeError("the console needs an Application with an Updater")
    await application.updater.start_polling(poll_interval=0.0)
    await application.start()


def _show_event(out: TextIO, chat_id: int, event: EmuEvent) -> None:
    if event.kind in ("violation", "error"):
        tag = "[spec]" if event.kind == "violation" else "[api]"
        _write(out, _wrap(f"{tag} {event.text}", "") + "\n")
    elif event.chat_id == chat_id and event.message is not None:
        if event.kind == "delete":
            _write(out, "(Lantern deleted one of its messages)\n")
        else:
            _write(out, render_message(event.message, edited=event.kind == "edit"))


def render_message(message: EmuMessage, *, edited: bool = False) -> str:
    """A bot message as terminal text: wrapped body, links as "text <url>", numbered buttons."""
    lines = ["Lantern (edited):" if edited else "Lantern:"]
    kind = "" if message.kind == "text" else f"[{message.kind}] "
    for paragraph in (kind + plain_with_links(message)).split("\n"):
        lines.append(_wrap(paragraph, INDENT) if paragraph.strip() else "")
    number = 0
    for row in message.keyboard():
        labels = []
        for button in row:
            number += 1
            suffix = " (link)" if "url" in button else ""
            labels.append(f"[{number}] {button.get('text', '')}{suffix}")
        joined = INDENT + "   ".join(labels)
        lines.extend([joined] if len(joined) <= WIDTH else [INDENT + label for label in labels])
    return "\n".join(lines).rstrip() + "\n\n"


def plain_with_links(message: EmuMessage) -> str:
    """The message text with each link's address after it, as "text <url>"."""
    text = message.text
    links = [e for e in message.entities if e.type == "text_link" and e.url]
    for entity in sorted(links, key=lambda e: e.offset + e.length, reverse=True):
        end = entity.offset + entity.length
        if text[entity.offset : end].strip() != entity.url:
            text = f"{text[:end]} <{entity.url}>{text[end:]}"
    return text


def _wrap(text: str, indent: str) -> str:
    bullet = _BULLET.match(text)
    hanging = " " * len(bullet.group(0)) if bullet else INDENT if not indent else ""
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _write(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _LineReader:
    """Lines from a blocking stream, read in a daemon thread so the event loop never waits.

    A daemon thread, not the default executor: a read blocked on a terminal must not keep
    the process alive after the console has ended.
    """

    def __init__(self, stream: TextIO) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        thread = threading.Thread(
            target=self._pump, args=(stream, loop), name="console-stdin", daemon=True
        )
        thread.start()

    def _pump(self, stream: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except (OSError, ValueError):
            pass  # the stream was closed under us: treat as end of input
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may be closed by now
                loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def readline(self) -> str | None:
        """The next line, or None at end of input."""
        return await self._queue.get()
