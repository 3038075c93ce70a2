"""Posting to the regions' channels, and the daily expiry, in the background.

The publisher sends what the outbox holds (moderation/alerts/outbox.py): each post with
`protect_content`, at most one every three seconds per channel (Telegram allows about
20 a minute), a 429's retry_after honoured for that channel only, and every row deleted
only once Telegram has answered. The sweeper ends alerts whose day has come; their stub
edits go through the same outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.handlers.alerts.common import region_names, runtime
from bot.handlers.alerts.render import channel_post, stub
from bot.services import STORE_FAILURES, Services
from moderation.alerts import outbox

PER_CHANNEL_SECONDS = 3.0
IDLE_SECONDS = 5.0
RETRY_SECONDS = 30.0
log = logging.getLogger("lantern.alerts.channel")


class Pacer:
    """When each channel may be sent to next (memory only: channel ids are no secret)."""

    def __init__(self) -> None:
        self._next: dict[int, float] = {}

    def ready(self, chat_id: int) -> bool:
        return time.monotonic() >= self._next.get(chat_id, 0.0)

    def wait(self, chat_id: int, seconds: float) -> None:
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), time.monotonic() + seconds)


async def publish_due(bot: Bot, svc: Services, pacer: Pacer) -> int:
    """Send what is due now; returns how many rows were finished."""
    alerts = runtime(svc)
    if alerts is None:
        return 0
    desk = alerts.desk
    store = desk.store
    channels = await desk.channels()
    langs_of = {chat_id: langs for chat_id, langs in channels.values()}
    finished = 0
    for item in await desk.outbox():
        if not pacer.ready(item.chat_id):
            continue
        if not await outbox.mark_sending(store, item):
            continue
        langs = langs_of.get(item.chat_id, ("en",))
        try:
            if item.kind == outbox.POST or item.kind == outbox.EDIT:
                alert = await desk.recorded(item.alert_id)
                if alert is None:  # ended meanwhile: its stub is queued by then
                    await outbox.mark_done(store, item)
                    continue
                link = f"https://t.me/{bot.username}?start=a_{alert.id}" if bot.username else ""
                text = channel_post(langs, alert, region_names(svc, alert.region), link)
            else:
                text = stub(langs, item.alert_id, item.kind)
            if item.kind == outbox.POST:
                if item.interrupted:
                    log.warning("a channel post was cut off by a restart; sending it again")
                message = await bot.send_message(item.chat_id, text, protect_content=True)
                await outbox.mark_posted(store, item, message.message_id)
            else:
                message_id = await outbox.post_of(store, item.alert_id, item.chat_id)
                if message_id is not None:
                    await _edit(bot, item.chat_id, message_id, text)
                await outbox.mark_done(store, item)
            finished += 1
            pacer.wait(item.chat_id, PER_CHANNEL_SECONDS)
        except RetryAfter as exc:
            await outbox.mark_retry(store, item)
            retry = exc.retry_after
            seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else retry
            pacer.wait(item.chat_id, float(seconds))
        except (BadRequest, Forbidden) as exc:
            # The channel is gone or the bot is not its admin: keep it, try again later,
            # and say so in the log (the operator fixes the channel, nothing is lost).
            # No chat id in the log (the privacy rule holds for channels too): the region
            # names which channel to fix, and `/mod` → Region channels lists them.
            log.warning("a region channel refused an alert (%s)", type(exc).__name__)
            await outbox.mark_retry(store, item)
            pacer.wait(item.chat_id, RETRY_SECONDS * 10)
        except TelegramError as exc:
            log.warning("alert not sent yet (%s); trying again", type(exc).__name__)
            await outbox.mark_retry(store, item)
            pacer.wait(item.chat_id, RETRY_SECONDS)
    return finished


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "not modified" in reason or "not found" in reason:
            return  # already so, or deleted by the channel's admins: nothing left to do
        raise


async def publishing(bot: Bot, svc: Services) -> None:
    alerts = runtime(svc)
    if alerts is None:
        return
    pacer = Pacer()
    while True:
        alerts.wake.clear()
        try:
            await publish_due(bot, svc, pacer)
        except STORE_FAILURES as exc:
            log.error("alert outbox unreadable (%s); trying again", type(exc).__name__)
        except Exception as exc:  # the loop must outlive any one failure
            log.error("alert publisher failed (%s); trying again", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(alerts.wake.wait(), timeout=IDLE_SECONDS)


async def sweeping(svc: Services) -> None:
    alerts = runtime(svc)
    if alerts is None:
        return
    while True:
        try:
            if await alerts.desk.sweep():
                alerts.poke()
        except Exception as exc:  # never stop expiring because of one failure
            log.error("alert expiry failed (%s); trying again later", type(exc).__name__)
        await asyncio.sleep(alerts.sweep_seconds)


def start(bot: Bot, svc: Services) -> None:
    """Start the publisher and the sweeper (once); they stop with the application."""
    alerts = runtime(svc)
    if alerts is None or alerts.tasks:
        return
    alerts.tasks += [
        asyncio.create_task(publishing(bot, svc)),
        asyncio.create_task(sweeping(svc)),
    ]
