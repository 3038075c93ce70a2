"""`lantern run` (long polling, or `--webhook`; without a token, the console) and
`lantern reload`, which asks the running bot to reload its content."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.console import open_console
from bot.cli.content import knowledge_or_report
from bot.config import Config
from bot.content import COMPILED_DIR
from moderation.store import Store, StoreError

if TYPE_CHECKING:
    from telegram.ext import Application


def run_bot(args: argparse.Namespace, config: Config) -> int:
    logs.configure(config.log_level, config.token.reveal())
    try:
        asyncio.run(_check_store(config.data_dir))
    except StoreError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return 1
    kb = knowledge_or_report(config, use_compiled=True)
    if kb is None:
        print("lantern: refusing to start on invalid content.", file=sys.stderr)
        return 1
    if not config.token:
        print(
            "No LANTERN_BOT_TOKEN is set, so Lantern cannot reach Telegram.\n"
            "Opening the local console instead: the same bot, in this terminal.\n"
            "To run for real, get a token from @BotFather and set LANTERN_BOT_TOKEN.\n",
            file=sys.stderr,
        )
        return open_console(argparse.Namespace(lang="en"), config)

    from telegram.error import TelegramError

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.services import Services
    from bot.startup import describe, reach_telegram

    # Only a refused token or a server that is not a Bot API server stops here; no network
    # is waited out, one line at a time.
    problem = asyncio.run(reach_telegram(config))
    if problem is not None:
        print(f"lantern: {problem}", file=sys.stderr)
        return 1
    services = Services(kb, compiled_in=config.data_dir / COMPILED_DIR)
    application = build_application(config, services)
    if getattr(args, "webhook", False):
        return _serve_webhook(application, config)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except TelegramError as exc:
        print(f"lantern: {describe(exc, 'getUpdates')}", file=sys.stderr)
        return 1
    return 0


def _serve_webhook(application: Application, config: Config) -> int:
    from bot.app import ALLOWED_UPDATES
    from bot.webhook import serve

    if not config.webhook_url or not config.webhook_secret:
        print(
            "lantern run --webhook needs LANTERN_WEBHOOK_URL and LANTERN_WEBHOOK_SECRET",
            file=sys.stderr,
        )
        return 2
    host, _, port = config.webhook_listen.rpartition(":")
    asyncio.run(
        serve(
            application,
            public_url=config.webhook_url,
            listen_host=host,
            listen_port=int(port),
            secret=config.webhook_secret.reveal(),
            allowed_updates=ALLOWED_UPDATES,
        )
    )
    return 0


async def _check_store(data_dir: Path) -> None:
    store = await Store.open(data_dir)
    await store.close()


def reload_bot(args: argparse.Namespace, config: Config) -> int:
    """Send SIGHUP to the bot running with this data directory, and to nothing else.

    The PID file's number is trusted only while the running bot holds the file's lock
    (see bot.reload): SIGHUP's default action ends a process, so a stale file must never
    point it at whatever process has that number now.
    """
    import signal

    from bot.reload import NoRunningBot, running_bot

    try:
        pid = running_bot(config.data_dir)
        os.kill(pid, signal.SIGHUP)
    except NoRunningBot as exc:
        print(f"lantern reload: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lantern reload: could not signal the bot ({exc.strerror})", file=sys.stderr)
        return 1
    print(
        "Asked the bot to reload its content. If the new content has problems, it keeps "
        "serving the old one and tells the admins in their chat; `lantern validate` shows "
        "them here."
    )
    return 0
