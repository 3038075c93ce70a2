"""`lantern doctor`, `admin add` and `profile` against a Bot API that answers oddly.

Each says in one plain line what failed, never with a traceback; `doctor` says "All good."
only when `lantern run` would start and serve, and names cosmetic failures as warnings.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from emulator import BotAPIEmulator
from emulator.models import APIError
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000013:cli-bot-api-token-0123456789abcdefgh"
KEY = {"LANTERN_MODERATOR_KEY": "6b" * 32}


@pytest.fixture
async def emu():
    server = BotAPIEmulator(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


async def lantern(emu: BotAPIEmulator, data: Path, *args: str) -> tuple[int, str, str]:
    env = {**lantern_env(emu, data), **KEY}
    process = await start_lantern(env, *args, quiet=False)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def answer_get_me(emu: BotAPIEmulator, **changes: Any) -> None:
    """getMe answers the bot with `changes` (a value of None removes the field)."""
    real = emu._handlers["getMe"]

    async def get_me(params: dict[str, Any]) -> Any:
        me = dict(await real(params))
        for name, value in changes.items():
            if value is None:
                me.pop(name, None)
            else:
                me[name] = value
        return me

    emu._handlers["getMe"] = get_me


def refuse(emu: BotAPIEmulator, method: str, code: int = 404, text: str = "Not Found") -> None:
    async def refused(params: dict[str, Any]) -> Any:
        raise APIError(code, text)

    emu._handlers[method] = refused


UNREADABLE = "getMe: the answer could not be read (TypeError)"


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text
        assert TOKEN.split(":")[1] not in text


async def test_doctor_says_all_good_when_run_would_start(emu, data):
    code, out, err = await lantern(emu, data, "doctor")
    assert "ok    token: accepted by the Bot API as @lantern_test_bot" in out
    assert "ok    command menu: the bot can read it" in out
    assert out.rstrip().endswith("All good."), out
    assert code == 0, out + err
    assert [m for m, _ in emu.calls] == ["getMe", "getMyCommands"]  # nothing is changed


async def test_doctor_names_a_getme_answer_it_cannot_read(emu, data):
    answer_get_me(emu, is_bot=None)
    code, out, err = await lantern(emu, data, "doctor")
    no_traceback(out, err)
    assert f"FIX   token: {UNREADABLE}; check LANTERN_BOT_TOKEN and LANTERN_API_URL" in out
    assert "All good." not in out
    assert code == 1


async def test_doctor_refuses_a_getme_that_is_not_a_bot(emu, data):
    answer_get_me(emu, is_bot=False)
    code, out, err = await lantern(emu, data, "doctor")
    no_traceback(out, err)
    assert "FIX   token: getMe: the answer does not describe a bot" in out
    assert "All good." not in out and code == 1


@pytest.mark.parametrize(("status", "text"), [(404, "Not Found"), (500, "Internal Server Error")])
async def test_doctor_warns_of_a_server_without_the_command_menu(emu, data, status, text):
    refuse(emu, "getMyCommands", status, text)
    refuse(emu, "setMyCommands", status, text)
    code, out, err = await lantern(emu, data, "doctor")
    no_traceback(out, err)
    (warning,) = [line for line in out.splitlines() if line.startswith("WARN  ")]
    assert warning.startswith("WARN  command menu: getMyCommands: ")
    assert "InvalidToken" not in warning  # a 404 for a method is not a bad token
    assert "All good." not in out
    assert out.rstrip().endswith("Lantern can run, but see the lines marked WARN.")
    assert code == 0  # `lantern run` starts without its menu


async def test_doctor_says_when_the_bot_api_cannot_be_reached(data, tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    await emu.stop()  # a port where nothing answers any more
    code, out, err = await lantern(emu, data, "doctor")
    no_traceback(out, err)
    assert "FIX   token: getMe: no usable answer from the Bot API" in out
    assert code == 1


async def test_admin_add_still_prints_the_invite_when_getme_cannot_be_read(emu, data):
    answer_get_me(emu, is_bot=None)
    code, out, err = await lantern(emu, data, "admin", "add")
    no_traceback(out, err)
    assert code == 0, err
    assert "https://t.me/" not in out  # no link with a made-up name: the line to send
    assert "/start inv-" in out
    # One line: why there is no link (the unreadable getMe, named) and how to get one.
    assert err.strip().startswith("lantern admin add: no link, since the bot's username")
    assert (
        UNREADABLE in err and "LANTERN_BOT_USERNAME" in err and len(err.strip().splitlines()) == 1
    )


async def test_admin_add_uses_the_username_when_getme_answers(emu, data):
    code, out, err = await lantern(emu, data, "admin", "add")
    assert code == 0 and err == ""
    assert "https://t.me/lantern_test_bot?start=inv-" in out


async def test_profile_names_a_getme_answer_it_cannot_read(emu, data):
    answer_get_me(emu, is_bot=None)
    code, out, err = await lantern(emu, data, "profile")
    no_traceback(out, err)
    assert code == 1
    assert err.strip() == f"lantern profile: {UNREADABLE}"


async def test_profile_names_the_method_a_server_does_not_have(emu, data):
    refuse(emu, "setMyName")
    code, out, err = await lantern(emu, data, "profile")
    no_traceback(out, err)
    assert code == 1
    assert (
        err.strip()
        == "lantern profile: setMyName: the server does not offer this method (Not Found)"
    )


async def test_profile_names_a_server_error(emu, data):
    refuse(emu, "setMyDescription", 500, "Internal Server Error")
    code, out, err = await lantern(emu, data, "profile")
    no_traceback(out, err)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("lantern profile: setMyDescription: no usable answer from the Bot API")
