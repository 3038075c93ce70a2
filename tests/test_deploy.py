"""Deployment: webhook mode with its secret, health check, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time

import aiohttp

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, Secret
from bot.content import load_knowledge
from bot.i18n import t
from bot.services import Services
from bot.webhook import SECRET_HEADER, serve
from emulator import BotAPIEmulator
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.conftest import SMALL
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000005:e2e-deploy-token-0123456789abcdefghij"
SECRET = "s3cret-for-the-webhook-test_0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_checks_the_secret_and_answers_updates(tmp_path):
    kb, _ = load_knowledge(DEFAULT_CONTENT_DIR)
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    app = build_application(
        Config(token=Secret(emu.token), api_url=emu.api_url, data_dir=tmp_path), Services(kb)
    )
    port = free_port()
    stop = asyncio.Event()
    server = asyncio.create_task(
        serve(
            app,
            public_url="https://bot.example.org",
            listen_host="127.0.0.1",
            listen_port=port,
            secret=SECRET,
            allowed_updates=ALLOWED_UPDATES,
            until=stop.wait,
        )
    )
    try:
        assert await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=10)
        hook = emu.calls_to("setWebhook")[0]
        assert hook["secret_token"] == SECRET
        assert hook["url"].startswith("https://bot.example.org/telegram/")
        assert TOKEN.split(":")[1] not in hook["url"] and TOKEN not in hook["url"]
        path = hook["url"][len("https://bot.example.org") :]
        user = emu.new_user("Ana")
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            await emu.wait_until(lambda: app.running, timeout=10)
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200 and await response.text() == "ok"
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "/start",
                    "chat": {"id": user.id, "type": "private", "first_name": "Ana"},
                    "from": user.to_api(),
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
                async with session.post(f"{base}{path}", json=update, headers=headers) as response:
                    assert response.status == 403
            async with session.post(
                f"{base}/telegram/other", json=update, headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status in (404, 405)
            assert emu.calls_to("sendMessage") == []
            async with session.post(
                f"{base}{path}", json=update, headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 200
            async with session.post(
                f"{base}{path}", data=b"{not json", headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 400
        (reply,) = await emu.wait_for_bot_messages(user, timeout=10)
        assert reply.text == t("en", "start")
    finally:
        stop.set()
        await asyncio.wait_for(server, 20)
        await emu.stop()
    assert emu.violations == []


async def test_sigterm_stops_polling_cleanly_within_ten_seconds(tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    process = await start_lantern(lantern_env(emu, tmp_path), quiet=False)
    try:
        assert await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
        user = emu.new_user("Ana")
        await emu.send_text(user, "/start")
        await emu.wait_for_bot_messages(user, timeout=10)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
        assert time.monotonic() - started < 10
        assert process.returncode == 0, err.decode()[-2000:]
    finally:
        if process.returncode is None:
            process.kill()
        await emu.stop()
    # The database was closed properly: no write-ahead log left, and it is sound.
    assert not (tmp_path / "lantern.sqlite3-wal").exists() or (
        (tmp_path / "lantern.sqlite3-wal").stat().st_size == 0
    )
    connection = sqlite3.connect(tmp_path / "lantern.sqlite3")
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()


async def test_doctor_checks_token_content_database_and_permissions(tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    env = {
        **os.environ,
        "LANTERN_BOT_TOKEN": emu.token,
        "LANTERN_API_URL": emu.api_url,
        "LANTERN_DATA_DIR": str(data),
        "LANTERN_CONTENT_DIR": str(SMALL),
    }
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "doctor",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await emu.stop()
    text = out.decode() + err.decode()
    assert "ok    token: accepted by the Bot API as @lantern_test_bot" in text
    assert "ok    content: 5 entries, all valid" in text
    assert "ok    database: schema version" in text
    assert f"FIX   data directory mode is 755; run `chmod 700 {data}`" in text
    assert "ok    compiled content: none yet for these files; the next start makes it" in text
    assert not (data / "compiled").exists()  # doctor reads compiled content, never writes it
    assert process.returncode == 1
    assert TOKEN.split(":")[1] not in text


async def test_doctor_health_fails_on_a_broken_database(tmp_path):
    (tmp_path / "lantern.sqlite3").write_bytes(b"garbage" * 500)
    env = {**os.environ, "LANTERN_DATA_DIR": str(tmp_path)}
    env.pop("LANTERN_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        "--health",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1 and out == b""
