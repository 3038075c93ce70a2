"""Starting the real `lantern` command against the emulator, for tests that need a process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from emulator import BotAPIEmulator
from tests.conftest import SMALL


def lantern_env(emu: BotAPIEmulator, data_dir: Path, content: Path = SMALL) -> dict[str, str]:
    """This process's environment, pointed at the emulator, a data and a content directory."""
    return {
        **os.environ,
        "LANTERN_BOT_TOKEN": emu.token,
        "LANTERN_API_URL": emu.api_url,
        "LANTERN_DATA_DIR": str(data_dir),
        "LANTERN_CONTENT_DIR": str(content),
    }


async def start_lantern(
    env: dict[str, str], *args: str, quiet: bool = True, **kwargs: Any
) -> asyncio.subprocess.Process:
    """`lantern ARGS` (default `run`) as a child process; output discarded when `quiet`."""
    if quiet:
        kwargs.setdefault("stdout", asyncio.subprocess.DEVNULL)
        kwargs.setdefault("stderr", asyncio.subprocess.DEVNULL)
    else:
        kwargs.setdefault("stdout", asyncio.subprocess.PIPE)
        kwargs.setdefault("stderr", asyncio.subprocess.PIPE)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *(args or ("run",)), env=env, **kwargs
    )
