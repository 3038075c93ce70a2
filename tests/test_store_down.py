"""When the moderators' database cannot be read, people are still served and still wiped.

The disk fails after start (reads raise "disk I/O error") and the day changes, so the
daily refresh must read the database: browsing, search, /start and /wipe go on from the
content in memory; nobody sees an error because of the store; /wipe sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta

import pytest

from bot.i18n import t
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    buttons,
    callback_update,
    feed,
    message_update,
    recorded_app,
    user,
)


class Day:
    def __init__(self) -> None:
        self.today = TODAY

    def __call__(self):
        return self.today


@pytest.fixture
async def broken(small_snapshot, tmp_path):
    day = Day()
    services = Services(KnowledgeBase(small_snapshot), today=day)
    async with recorded_app(services, data_dir=tmp_path) as (app, request):
        assert services.store is not None

        async def disk_error(*args, **kwargs):
            raise sqlite3.OperationalError("disk I/O error")

        services.store.fetch_all = disk_error
        services.store.fetch_one = disk_error
        services.store.transaction = _failing_transaction
        day.today = TODAY + timedelta(days=1)
        yield app, request, services


def _failing_transaction():
    raise sqlite3.OperationalError("disk I/O error")


async def test_search_start_and_buttons_still_answer(broken):
    app, request, _ = broken
    sender = user(501)
    await feed(app, message_update("/start", sender=sender))
    assert request.last()["text"] == t("en", "start")
    await feed(app, message_update("naloxone", sender=sender))
    assert request.last()["text"].startswith("🔎 “")
    await feed(app, callback_update("1|!", sender=sender))
    assert request.last()["text"].startswith(t("en", "helpnow.title").split("\n")[0])
    assert not any(t("en", "error") in p.get("text", "") for p in request.sent())


async def test_wipe_wipes_and_sends_nothing(broken):
    app, request, _ = broken
    sender = user(502)
    await feed(app, message_update("hello", sender=sender))
    request.clear()
    await feed(app, message_update("/wipe", sender=sender))
    methods = [m for m, _ in request.calls]
    assert "deleteMessages" in methods
    assert "sendMessage" not in methods and "editMessageText" not in methods


async def test_mod_answers_like_an_unknown_command(broken):
    app, request, _ = broken
    await feed(app, message_update("/nosuchcommand", sender=user(503)))
    unknown = request.last()["text"]
    await feed(app, message_update("/mod", sender=user(503)))
    assert request.last()["text"] == unknown


async def test_a_report_that_cannot_be_saved_says_so(broken):
    app, request, _ = broken
    sender = user(504)
    entry = next(iter(app.bot_data["lantern"].kb.snapshot.entries))
    await feed(app, callback_update(f"1|u|rr|{entry.id}|0", sender=sender))
    (send_without,) = [d for label, d in buttons(request.last()) if "Send without" in label]
    await feed(app, callback_update(send_without, sender=sender))
    assert request.last()["text"].startswith(t("en", "share.not_saved"))


async def test_the_daily_refresh_fails_quietly_and_keeps_the_content(broken, caplog):
    _, _, services = broken
    before = services.kb.snapshot
    with pytest.raises(sqlite3.OperationalError):
        await services.ensure_fresh()
    caplog.set_level(logging.ERROR, logger="lantern.services")
    task = asyncio.create_task(services.keeping_fresh(interval=0.01))
    await asyncio.sleep(0.1)
    task.cancel()
    assert services.kb.snapshot is before
    assert "daily refresh failed (OperationalError)" in caplog.text


async def test_an_invite_link_says_it_could_not_be_used_and_opens_the_menu(broken):
    app, request, _ = broken
    await feed(app, message_update("/start inv-abcdefghijklmnop", sender=user(505)))
    sent = request.last()
    assert sent["text"] == f"{t('en', 'start.invite_invalid')}\n\n{t('en', 'menu')}"
