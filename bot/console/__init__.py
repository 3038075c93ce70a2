"""`lantern console`: the real bot, in a terminal, against the local Bot API emulator.

Nothing leaves the machine: the bot's calls go to an emulator on 127.0.0.1, which plays
the Telegram users whose messages are the lines typed here. Several people can take
turns (`/as 2`), so a team can try inviting, writing, reviewing and publishing a tip;
`--demo` walks through exactly that, checking each step (`run_console(..., demo=True)`).

The console is built in layers, one module each: render (a message as terminal text),
people (the simulated people, /as), output (what the bot does, as it happens), actions
(sending, pressing, /open, /admin), inline (/inline, /pick), input (reading typed lines:
`Console`), demo (the scripted tour); this module starts the emulator and the bot.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from bot.app import stop_application
from bot.console.actions import REPLY_TIMEOUT, InviteMaker
from bot.console.demo import DemoStep, demo_steps, run_demo
from bot.console.input import Console
from bot.console.render import render_message, wrap, write
from emulator import BotAPIEmulator, Hostile

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = [
    "CONSOLE_TOKEN",
    "AppFactory",
    "Console",
    "DemoStep",
    "demo_steps",
    "render_message",
    "run_console",
]

AppFactory = Callable[[str, str], "Application"]

CONSOLE_TOKEN = "1000000001:console-token-for-the-local-emulator"

BANNER = """\
Lantern console: the bot, talking to a local Telegram emulator.
Nothing leaves this machine; no Telegram account is used.
Type words to search, a number to press a button; /console lists the console's own
commands (several people, multi-line messages, inline mode); /quit or Ctrl-D leaves.
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
    notes: Sequence[str] = (),
    make_invite: InviteMaker | None = None,
    demo: bool | Sequence[DemoStep] = False,
) -> int:
    """Run the bot from `app_factory(api_url, token)` against an emulator, driven by stdin.

    Sends /start as person 1, then prints each bot message (numbered) with its numbered
    buttons; a number presses a button of the latest message that has buttons, console
    commands (COMMANDS) act, other text is sent as a message. Ends on /quit, quit, exit
    or end of input. `notes` are printed under the banner (where the data lives);
    `make_invite` lets `/admin` make the current person a moderator. With `hostile`, the
    emulator misbehaves that way from the first call on (see emulator/hostile.py). With
    `demo`, runs the scripted tour (demo_steps(), or the steps given) instead of reading
    stdin.

    Returns the exit status: 0, or 1 when a demo step did not show what it should.
    """
    out = stdout or sys.stdout
    emulator = BotAPIEmulator(token)
    if hostile is not None:
        hostile.apply(emulator)
    await emulator.start()
    status = 0
    try:
        write(out, BANNER)
        for note in notes:
            write(out, note + "\n")  # unwrapped: a path stays whole, to copy
        write(out, "\n")
        for warning in emulator.warnings:
            write(out, wrap(f"[spec] {warning}", "") + "\n")
        for line in hostile.describe() if hostile is not None else []:
            write(out, wrap(f"[hostile] {line}", "") + "\n")
        console = Console(emulator, out, reply_timeout, language_code, make_invite)
        unsubscribe = emulator.subscribe(console.on_event)
        application = app_factory(emulator.api_url, token)
        try:
            await _start(application)
            if demo:
                status = await run_demo(console, None if demo is True else demo)
            else:
                await console.converse(stdin or sys.stdin)
        finally:
            await stop_application(application)
            console.flush_deletions()
            unsubscribe()
    finally:
        await emulator.stop()
    write(out, "Bye.\n")
    return status


async def _start(application: Application) -> None:
    """Start the way Application.run_polling does, without taking over the event loop."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    if application.updater is None:
        raise RuntimeError("the console needs an Application with an Updater")
    await application.updater.start_polling(poll_interval=0.0)
    await application.start()
