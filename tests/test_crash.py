"""Crash safety: SIGKILL in the middle of a stream of writes loses nothing acknowledged."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys

from bot import callbacks
from bot.callbacks import Op
from bot.i18n import t
from emulator import BotAPIEmulator
from tests.conftest import SMALL

TOKEN = "7000000006:e2e-crash-token-0123456789abcdefghijk"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


async def test_sigkill_mid_stream_keeps_every_acknowledged_write(tmp_path):
    env = {**os.environ, "LANTERN_DATA_DIR": str(tmp_path), "LANTERN_CONTENT_DIR": str(SMALL)}
    invite = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "add"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    code = re.search(r"(inv-[\w-]+)", invite.stdout).group(1)
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    env.update(LANTERN_BOT_TOKEN=emu.token, LANTERN_API_URL=emu.api_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    acknowledged_reports = 0
    acknowledged_confirms = 0
    try:
        admin = emu.new_user("Admin")
        await emu.send_text(admin, f"/start {code}")
        await emu.wait_for_bot_messages(admin, timeout=30)
        await emu.send_text(admin, "Ada")
        await emu.wait_for_bot_messages(admin, timeout=10)
        thanks = t("en", "report.thanks")
        people = [emu.new_user(f"U{i}") for i in range(40)]
        report = callbacks.encode(Op.USER, "rr", "screening-basics", "0")
        confirm = callbacks.encode(Op.MOD, "fc", "uk-peer-group")
        pending = []
        # A stream of writes from many people at once; acknowledgements counted as they come.
        for person in people:
            await emu.send_text(person, "/start e_screening-basics")
            pending.append(person)

        def tap(who, message, data):
            # Exactly what Telegram sends when the button on that screen is tapped.
            return emu.push_update(
                {
                    "callback_query": {
                        "id": f"q{who.id}{data}",
                        "from": who.to_api(),
                        "chat_instance": "c",
                        "message": message.to_api(emu.bot_user()),
                        "data": data,
                    }
                }
            )

        for person in pending:
            (card,) = await emu.wait_for_bot_messages(person, timeout=20)
            await tap(person, card, report)
        for person in pending:
            # The reason asks for optional words; "Send without words" sends the report.
            (detail,) = await emu.wait_for_bot_messages(person, timeout=20)
            send = next(d for row in detail.buttons for label, d in row if "Send without" in label)
            await tap(person, detail, send)
        await emu.send_text(admin, "/mod")
        (mod_menu,) = await emu.wait_for_bot_messages(admin, timeout=10)
        for _ in range(3):
            await tap(admin, mod_menu, confirm)
        # Kill the process as soon as some writes are acknowledged and others are not.
        await emu.wait_until(
            lambda: (
                sum(1 for p in people for m in emu.bot_messages(p) if m.text.startswith(thanks))
                >= 10
            ),
            timeout=30,
        )
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        acknowledged_reports = sum(
            1 for p in people for m in emu.bot_messages(p) if m.text.startswith(thanks)
        )
        acknowledged_confirms = sum(
            1 for m in emu.bot_messages(admin) if m.text.startswith("Confirmed.")
        )
    finally:
        if process.returncode is None:
            process.kill()
        await emu.stop()
    assert process.returncode == -signal.SIGKILL
    connection = sqlite3.connect(tmp_path / "lantern.sqlite3")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        reports = connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        confirmations = connection.execute(
            "SELECT COUNT(*) FROM audit WHERE action = 'confirm'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert acknowledged_reports >= 10
    assert reports >= acknowledged_reports
    assert confirmations >= acknowledged_confirms
