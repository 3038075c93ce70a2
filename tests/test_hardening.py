"""The running bot writes no core dump and cannot be read from outside."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys

import pytest

from emulator import BotAPIEmulator
from tests.conftest import SMALL
from tests.processes import lantern_env, start_lantern

TOKEN = "7000000012:hardening-token-0123456789abcdefghij"


def _core_limit(pid: int) -> tuple[str, str]:
    with open(f"/proc/{pid}/limits") as limits:
        for line in limits:
            if line.startswith("Max core file size"):
                soft, hard = line.split()[4:6]
                return soft, hard
    raise AssertionError("no core limit line")


def _allow_cores() -> None:
    # The bot starts where core dumps are on (as under Docker's LimitCORE=infinity).
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_the_running_bot_has_core_dumps_off(tmp_path):
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    process = await start_lantern(lantern_env(emu, tmp_path), preexec_fn=_allow_cores)
    try:
        assert await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
        assert _core_limit(process.pid) == ("0", "0")
        if os.geteuid() != 0:
            # Not dumpable: even its own user cannot read its environment (the token).
            with pytest.raises(PermissionError):
                open(f"/proc/{process.pid}/environ", "rb").close()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)
        await emu.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_every_command_marks_itself_not_dumpable():
    script = (
        "import resource, sys\n"
        "from bot import cli, hardening\n"
        "sys.argv = ['lantern', 'validate']\n"
        "assert hardening.dumpable() is True\n"
        "cli.main(['stats'])\n"
        "print(hardening.dumpable(), resource.getrlimit(resource.RLIMIT_CORE))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_allow_cores,
        env={**os.environ, "LANTERN_CONTENT_DIR": str(SMALL)},
        check=True,
    ).stdout
    assert out.strip().splitlines()[-1] == "False (0, 0)"
