"""The real application polling the emulator over real HTTP, as `lantern run` does.

One way to start it for every end-to-end test. `paced=True` keeps Telegram's send limits
(bot.transport.LanternRateLimiter), for tests about pacing, retries and fairness; other
tests run unpaced, at full speed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, register_commands
from bot.config import Config, Secret
from bot.handlers.alerts import channel as alert_channels
from bot.services import Services
from bot.transport import LanternRateLimiter
from emulator import BotAPIEmulator


@dataclass
class Live:
    emu: BotAPIEmulator
    app: Application
    services: Services


@contextlib.asynccontextmanager
async def live_bot(
    token: str,
    services: Services,
    *,
    paced: bool = False,
    data_dir: Path | None = None,
    poll_timeout: int = 1,
    long_polling: bool = True,
) -> AsyncIterator[Live]:
    """Start the emulator and the bot (with the database in `data_dir`, if given); on the
    way out stop both and check the bot made no call the Bot API would refuse."""
    emu = BotAPIEmulator(token)
    await emu.start()
    emu.long_polling = long_polling
    config = Config(token=Secret(emu.token), api_url=emu.api_url, data_dir=data_dir or Path("data"))
    app = build_application(config, services, rate_limiter=LanternRateLimiter() if paced else None)
    if data_dir is not None:
        await services.attach_store(data_dir)
    await app.initialize()
    await register_commands(app)
    await app.start()
    alert_channels.start(app.bot, services)  # what `_starting` does for `lantern run`
    await app.updater.start_polling(
        poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
    )
    try:
        yield Live(emu, app, services)
    finally:
        emu.fault_plan = None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await services.close()
        await emu.stop()
    assert not emu.spec_missing, "the Bot API spec should be found beside the repo"
    assert emu.violations == []


# Talking to the bot through the emulator, as a person would: the helpers the end-to-end
# tests share.


def data_of(message, part: str) -> str:
    """The data of the first button whose label contains `part`."""
    for row in message.buttons:
        for label, data in row:
            if part in label:
                return data
    raise AssertionError(f"no button with {part!r} in {message.buttons}")


async def say(emu, user, text: str):
    """Send `text` as `user`; the one message the bot answers with."""
    await emu.send_text(user, text)
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply


async def tap(emu, user, message, part: str):
    """Press the button of `message` whose label contains `part`; the bot's answer."""
    await emu.press(user, message, data_of(message, part))
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply
