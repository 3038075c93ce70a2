"""Killing the bot between an alert's approval and its channel post posts it exactly once
after the restart (the outbox row is written in the approval's own transaction)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3

import pytest

from emulator import BotAPIEmulator
from emulator.faults import Fault
from knowledge.loader import DEFAULT_CONTENT_DIR
from moderation.alerts import AlertDesk
from moderation.alerts.model import ReportDraft
from moderation.store import Store
from moderation.workflow import Moderation
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000042:e2e-alerts-crash-token-0123456789abc"
pytestmark = pytest.mark.slow


async def approve_an_alert(data_dir, channel_id: int) -> int:
    """What two moderators' taps write: the alert, and its post waiting in the outbox."""
    store = await Store.open(data_dir)
    try:
        moderation = Moderation(store)
        ada = await moderation.redeem(await moderation.create_invite("admin"), "h-a", "Ada")
        desk = AlertDesk(store)
        await desk.load()
        regions = {r.slug for r in await moderation.regions()} | {"uk", "es", "global"}
        await desk.link_channel(ada.id, "uk", channel_id, ("en",))
        draft = ReportDraft(region="uk", categories=["violence"], behaviour="crash-canary")
        report_id = await desk.submit(draft, "en", regions)
        await desk.set_text(ada.id, report_id, "Reported: violent. crash-canary")
        return await desk.fast_track(ada.id, report_id)
    finally:
        await store.close()


async def test_a_kill_between_approval_and_post_posts_exactly_once(tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    channel = emu.new_channel("Alerts · UK")
    alert_id = await approve_an_alert(tmp_path, channel.id)
    env = lantern_env(emu, tmp_path, DEFAULT_CONTENT_DIR)

    def to_channel(name, params):
        if name == "sendMessage" and str(params.get("chat_id")) == str(channel.id):
            return Fault.server_error(502)
        return None

    try:
        # First run: Telegram fails every post to the channel; the bot is killed while
        # the alert is approved and not yet posted.
        emu.fault_plan = to_channel
        process = await start_lantern(env)
        assert await emu.wait_for_call("sendMessage", timeout=30)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        assert emu.bot_messages(channel) == []

        # After the restart the post goes out, once, and stays once.
        emu.fault_plan = None
        process = await start_lantern(env)
        assert await emu.wait_until(lambda: len(emu.bot_messages(channel)) >= 1, timeout=30)
        await asyncio.sleep(7)  # a publisher round and more: nothing is sent twice
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
    finally:
        emu.fault_plan = None
        await emu.stop()
    (post,) = emu.bot_messages(channel)
    assert f"#{alert_id}" in post.text and "crash-canary" in post.text and post.protect_content
    with sqlite3.connect(tmp_path / "lantern.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM alert_outbox").fetchone()[0] == 0
        posted = db.execute("SELECT alert_id, chat_id, message_id FROM alert_posts").fetchall()
    assert posted == [(alert_id, channel.id, post.message_id)]
