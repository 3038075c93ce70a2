"""Content reload while running: on SIGHUP, `lantern reload`, or when a content file changes.

The new files are validated first; if anything is wrong the old content keeps serving and
the admins who have opened /mod since the start are told, in their chat, what to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import t
from bot.render import esc
from bot.services import Services

log = logging.getLogger("lantern.reload")
WATCH_SECONDS = 5.0
PID_FILE = "lantern.pid"
SHOWN_PROBLEMS = 20


def content_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, times and sizes of the content files: it changes when a file does."""
    found = []
    for path in sorted(directory.glob("*.yaml")):
        with contextlib.suppress(OSError):
            stat = path.stat()
            found.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(found)


async def reload_and_report(bot: Bot, svc: Services) -> list[str]:
    problems = await svc.reload_content()
    if not problems:
        log.info("content reloaded: %d entries", len(svc.kb.snapshot.entries))
        return []
    log.warning("content not reloaded: %d problem(s); the previous content stays", len(problems))
    # Each line capped, so the message always fits and its HTML is never cut in two.
    lines = "\n".join(esc(p[:160]) for p in problems[:SHOWN_PROBLEMS])
    more = f"\n… +{len(problems) - SHOWN_PROBLEMS}" if len(problems) > SHOWN_PROBLEMS else ""
    for chat_id in sorted(svc.admin_chats):
        lang = svc.language(chat_id, touch=False)
        text = f"{t(lang, 'reload.failed')}\n<pre>{lines}{more}</pre>"
        with contextlib.suppress(TelegramError):
            await bot.send_message(chat_id, text)
    return problems


async def watching(bot: Bot, svc: Services, interval: float = WATCH_SECONDS) -> None:
    """Reload when a content file changes (checked every few seconds)."""
    if svc.content_dir is None:
        return
    seen = content_signature(svc.content_dir)
    while True:
        await asyncio.sleep(interval)
        now = content_signature(svc.content_dir)
        if now != seen:
            seen = now
            try:
                await reload_and_report(bot, svc)
            except Exception as exc:  # keep watching whatever one reload hit
                log.error("reload failed: %s", type(exc).__name__)


def write_pid(data_dir: Path) -> Path:
    path = data_dir / PID_FILE
    path.write_text(f"{os.getpid()}\n")
    return path
