"""`lantern run` against servers that fail in every way but the ones that matter.

Only a refused token (or a server that is not a Bot API server) stops start-up; a
missing network is waited out; a cosmetic call the server refuses (setMyCommands: 404,
500 without a description) costs one plain line, and the bot serves.
"""

from __future__ import annotations

import asyncio
import os
import socket

from bot.i18n import t
from bot.transport import LanternRateLimiter
from emulator import BotAPIEmulator, Fault
from emulator.faults import for_methods
from tests.conftest import SMALL
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000013:startup-token-0123456789abcdefghijk"


async def _serves_despite(fault: Fault, tmp_path) -> str:
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    emu.fault_plan = for_methods(fault, "setMyCommands")
    process = await start_lantern(lantern_env(emu, tmp_path), quiet=False)
    try:
        assert await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
        person = emu.new_user("Ana")
        await emu.send_text(person, "/start")
        (reply,) = await emu.wait_for_bot_messages(person, timeout=10)
        assert reply.text == t("en", "start")
        # The bot served at once; the cosmetic call is retried (5xx) before it is logged.
        retries = 1 if fault.kind == "not_found" else 1 + LanternRateLimiter().max_retries
        assert await emu.wait_until(
            lambda: len(emu.calls_to("setMyCommands")) >= retries, timeout=20
        )
        await asyncio.sleep(0.5)
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 15)
        await emu.stop()
    assert process.returncode == 0
    return err.decode()


async def test_a_server_without_setmycommands_404(tmp_path):
    err = await _serves_despite(Fault.not_found(), tmp_path)
    assert "setMyCommands: 404 Not Found" in err
    assert "serving without the command list" in err
    assert "Traceback" not in err and "InvalidToken" not in err


async def test_a_server_answering_setmycommands_with_a_bare_500(tmp_path):
    err = await _serves_despite(Fault.unsupported(), tmp_path)
    assert "setMyCommands: 500 Internal Server Error" in err
    assert "Traceback" not in err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_no_network_is_waited_out_one_line_at_a_time(tmp_path):
    env = {
        **os.environ,
        "LANTERN_BOT_TOKEN": TOKEN,
        "LANTERN_API_URL": f"http://127.0.0.1:{_closed_port()}",
        "LANTERN_DATA_DIR": str(tmp_path),
        "LANTERN_CONTENT_DIR": str(SMALL),
    }
    process = await start_lantern(env, quiet=False)
    try:
        await asyncio.sleep(4)
        assert process.returncode is None, "still trying, not dead"
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 15)
    text = err.decode()
    lines = [line for line in text.splitlines() if "getMe" in line]
    assert len(lines) >= 2
    assert all("getMe: not sent (ConnectError); trying again in" in line for line in lines)
    assert "Traceback" not in text
    assert len(text.splitlines()) <= len(lines) + 3


async def test_a_refused_token_stops_with_one_line(tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    env = {**lantern_env(emu, tmp_path), "LANTERN_BOT_TOKEN": "7000000013:not-the-right-token-0123"}
    try:
        process = await start_lantern(env, quiet=False)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await emu.stop()
    assert process.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "lantern: getMe: Telegram refused the token; check LANTERN_BOT_TOKEN"
    )
    assert "Traceback" not in err.decode()


def test_the_http_clients_share_one_tls_context_that_checks_certificates():
    import ssl

    from bot.request import LanternRequest

    contexts = [
        LanternRequest(connection_pool_size=size)._client._transport._pool._ssl_context
        for size in (1, 16)
    ]
    assert contexts[0] is contexts[1]
    assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname
    # A caller's own choice still wins.
    own = ssl.create_default_context()
    request = LanternRequest(httpx_kwargs={"verify": own})
    assert request._client._transport._pool._ssl_context is own
