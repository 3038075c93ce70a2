"""`lantern console`: the bot in this terminal, on the local Bot API emulator (the one
module of the command that imports `emulator`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.content import knowledge_or_report
from bot.config import Config, Secret

if TYPE_CHECKING:
    from telegram.ext import Application


def open_console(args: argparse.Namespace, config: Config) -> int:
    logs.configure("WARNING")
    kb = knowledge_or_report(config)
    if kb is None:
        return 1
    from bot.app import build_application
    from bot.console import run_console
    from bot.services import Services
    from emulator import Hostile

    # getattr: `lantern run` without a token opens the console with a bare Namespace.
    hostile_text = getattr(args, "hostile", None) or os.environ.get("LANTERN_CONSOLE_HOSTILE")
    hostile = None
    if hostile_text:
        try:
            hostile = Hostile.parse(hostile_text)
        except ValueError as exc:
            print(f"lantern console: --hostile: {exc}", file=sys.stderr)
            return 2
    services = Services(kb)

    def factory(api_url: str, token: str) -> Application:
        local = Config(token=Secret(token), api_url=api_url, data_dir=config.data_dir)
        return build_application(local, services)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_console(factory, language_code=args.lang, hostile=hostile))
    return 0
