"""`lantern console`: the bot in this terminal, on the local Bot API emulator (the one
module of the command that imports `emulator`).

By default the console keeps its data (moderators, tips, reports) in a scratch directory
with a scratch moderator key, both gone when it ends: trying moderation on a server must
never create real admins or tips. `--data-dir DIR` or LANTERN_DATA_DIR uses that directory
(and the configured key) instead. `--demo` always uses a scratch directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.content import knowledge_or_report
from bot.config import Config, Secret

if TYPE_CHECKING:
    from telegram.ext import Application


def chosen_data_dir(args: argparse.Namespace) -> Path | None:
    """The data directory the person asked for (--data-dir, else LANTERN_DATA_DIR), or None."""
    # getattr: `lantern run` without a token opens the console with a bare Namespace.
    given = getattr(args, "data_dir", None)
    if given is not None:
        return Path(given)
    from_env = os.environ.get("LANTERN_DATA_DIR", "").strip()
    return Path(from_env) if from_env else None


def open_console(args: argparse.Namespace, config: Config) -> int:
    logs.configure("WARNING")
    kb = knowledge_or_report(config)
    if kb is None:
        return 1
    from bot.app import build_application
    from bot.console import run_console
    from bot.remembered.flood import FloodGuard
    from bot.services import Services
    from emulator import Hostile
    from moderation.identity import Identity

    hostile_text = getattr(args, "hostile", None) or os.environ.get("LANTERN_CONSOLE_HOSTILE")
    hostile = None
    if hostile_text:
        try:
            hostile = Hostile.parse(hostile_text)
        except ValueError as exc:
            print(f"lantern console: --hostile: {exc}", file=sys.stderr)
            return 2
    demo = bool(getattr(args, "demo", False))
    chosen = None if demo else chosen_data_dir(args)
    # The tour types faster than anyone: no flood notices in the middle of it.
    services = Services(kb, flood=FloodGuard(burst=10**6)) if demo else Services(kb)

    with contextlib.ExitStack() as stack:
        if chosen is None:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="lantern-console-"))
            data_dir = Path(scratch)
            # A key made up for this run only: moderation works, and nothing outlives it.
            services.identity = Identity(secrets.token_bytes(32))
            notes = [
                f"Data: a scratch directory, {data_dir}, deleted when you leave "
                "(--data-dir DIR or LANTERN_DATA_DIR keeps one).",
                "Moderation: /admin makes you an admin of this scratch team; /as 2 is "
                "someone else.",
            ]

            async def make_invite(role: str) -> str:
                if services.moderation is None:
                    raise RuntimeError("the scratch database is not open")
                return await services.moderation.create_invite(role)

            invite = make_invite
        else:
            data_dir = chosen
            notes = [
                f"Data: {data_dir} (as you asked): moderators, tips and reports made here "
                "are real. Invites come from `lantern admin add`; /open opens one."
            ]
            invite = None

        def factory(api_url: str, token: str) -> Application:
            local = Config(
                token=Secret(token),
                api_url=api_url,
                data_dir=data_dir,
                content_dir=config.content_dir,
                moderator_key_file=config.moderator_key_file,
                moderator_key=config.moderator_key,
            )
            # The tour does not wait for Telegram's pace of one message a second per chat.
            if demo:
                return build_application(local, services, rate_limiter=None)
            return build_application(local, services)

        status = 0
        with contextlib.suppress(KeyboardInterrupt):
            status = asyncio.run(
                run_console(
                    factory,
                    # The tour is in English, whatever --lang says.
                    language_code="en" if demo else getattr(args, "lang", None) or "en",
                    hostile=hostile,
                    notes=notes,
                    make_invite=invite,
                    demo=demo,
                )
            )
    return status
