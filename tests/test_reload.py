"""Content reload: valid content is served at once; broken content never is, and admins
are told what is wrong in their chat."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys

import pytest

from bot import content as bot_content
from bot.app import ALLOWED_UPDATES, build_application, register_commands
from bot.config import Config, Secret
from bot.content import load_knowledge
from bot.reload import reload_and_report
from bot.remembered.flood import FloodGuard
from bot.services import Services
from emulator import BotAPIEmulator
from knowledge.stored_texts import StoredTexts
from tests.conftest import SMALL, TODAY
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000007:e2e-reload-token-0123456789abcdefghij"


@pytest.mark.parametrize("compiled", [False, True], ids=["parsed", "compiled-apart"])
async def test_broken_content_keeps_the_old_and_tells_admins(tmp_path, monkeypatch, compiled):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    kb, _ = load_knowledge(content)
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    services = Services(
        kb,
        today=lambda: TODAY,
        content_dir=content,
        flood=FloodGuard(burst=10**6),
        compiled_in=tmp_path / "data" / "compiled" if compiled else None,
    )
    if compiled:
        # As `lantern run` reloads: the child compiles; this process parses nothing.
        def no_parsing(*args, **kwargs):
            raise AssertionError("the YAML was parsed in the bot's process")

        monkeypatch.setattr(bot_content, "load_snapshot", no_parsing)
    app = build_application(
        Config(token=Secret(emu.token), api_url=emu.api_url, data_dir=tmp_path / "data"), services
    )
    await services.attach_store(tmp_path / "data")
    await app.initialize()
    await register_commands(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        admin = emu.new_user("Ada")
        user = emu.new_user("Lu")
        await emu.send_text(admin, f"/start {await services.moderation.create_invite('admin')}")
        await emu.wait_for_bot_messages(admin)
        await emu.send_text(admin, "Ada")
        await emu.wait_for_bot_messages(admin)
        await emu.send_text(admin, "/mod")
        await emu.wait_for_bot_messages(admin)

        # Break a file: the reload is refused, the admin hears why, users see no change.
        entries = content / "entries.yaml"
        good = entries.read_text()
        entries.write_text(good.replace("topics: [screening]", "topics: [screening, nope]", 1))
        problems = await reload_and_report(app.bot, services)
        assert problems and problems[0].endswith("entries.yaml:4: unknown topic 'nope'")
        (warning,) = await emu.wait_for_bot_messages(admin)
        assert "New content was not loaded" in warning.text
        assert "entries.yaml:4: unknown topic 'nope'" in warning.text
        assert services.kb.get("screening-basics") is not None
        await emu.send_text(user, "chek new cleint")
        (found,) = await emu.wait_for_bot_messages(user)
        assert "Screening a new client" in str(found.buttons)

        # A valid change is served at once, without a restart.
        entries.write_text(
            good.replace("title: Screening a new client", "title: Checking out a new client", 1)
        )
        assert await reload_and_report(app.bot, services) == []
        await emu.send_text(user, "chek new cleint")
        (found,) = await emu.wait_for_bot_messages(user)
        assert "Checking out a new client" in str(found.buttons)
        assert emu.bot_messages(user)  # users were never told anything about reloads
        texts = services.kb.get("screening-basics").texts
        assert isinstance(texts, StoredTexts) == compiled
        assert all("not loaded" not in m.text for m in emu.bot_messages(user))
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await services.close()
        await emu.stop()
    assert emu.violations == []


async def test_lantern_reload_signals_the_running_bot(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    env = lantern_env(emu, tmp_path / "data", content)
    bot = await start_lantern(env)
    try:
        assert await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
        entries = content / "entries.yaml"
        entries.write_text(
            entries.read_text().replace(
                "title: Screening a new client", "title: Reloaded by signal", 1
            )
        )
        reload = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "reload",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(reload.communicate(), 30)
        assert reload.returncode == 0, err.decode()
        user = emu.new_user("Lu")

        async def title_served() -> bool:
            await emu.send_text(user, "chek new cleint")
            (reply,) = await emu.wait_for_bot_messages(user, timeout=10)
            return "Reloaded by signal" in str(reply.buttons)

        served = False
        for _ in range(10):
            served = await title_served()
            if served:
                break
            await asyncio.sleep(0.5)
        assert served
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 20)
        await emu.stop()
    assert not (tmp_path / "data" / "lantern.pid").exists()
