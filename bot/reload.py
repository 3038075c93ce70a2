"""Content reload while running: on SIGHUP, `lantern reload`, or when a content file changes.

The new files are validated first; if anything is wrong the old content keeps serving and
the admins who have opened /mod since the start are told, in their chat, what to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
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
    """Reload the content; if it is not served, tell the admins why. Never raises.

    Returns the problems (empty when the new content is served). Anything unexpected
    (a bug, a value no check foresaw) is a problem like the others: the previous content
    keeps serving and the admins hear that it did, not only the log.
    """
    try:
        problems = await svc.reload_content()
    except Exception as exc:
        # Only the type: an exception's text can quote content or paths, not for logs.
        log.error("reload failed: %s; the previous content stays", type(exc).__name__)
        problems = [unexpected_problem(exc)]
    if not problems:
        log.info("content reloaded: %d entries", len(svc.kb.snapshot.entries))
        return []
    log.warning("content not reloaded: %d problem(s); the previous content stays", len(problems))
    await tell_admins(bot, svc, problems)
    return problems


def unexpected_problem(exc: BaseException) -> str:
    return (
        f"the new content could not be loaded: unexpected {type(exc).__name__}. "
        "Run `lantern validate` on the server to see where."
    )


async def tell_admins(bot: Bot, svc: Services, problems: list[str]) -> None:
    """Send the problems to every admin who has opened /mod since the start."""
    # Each line capped, so the message always fits and its HTML is never cut in two.
    lines = "\n".join(esc(p[:160]) for p in problems[:SHOWN_PROBLEMS])
    more = f"\n… +{len(problems) - SHOWN_PROBLEMS}" if len(problems) > SHOWN_PROBLEMS else ""
    for chat_id in sorted(svc.admin_chats):
        try:
            lang = svc.language(chat_id, touch=False)
            text = f"{t(lang, 'reload.failed')}\n<pre>{lines}{more}</pre>"
            await bot.send_message(chat_id, text)
        except TelegramError:
            continue  # that admin blocked the bot or Telegram is down; tell the others
        except Exception as exc:  # one admin's failure must not silence the rest
            log.error("telling an admin about a failed reload: %s", type(exc).__name__)


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
                with contextlib.suppress(Exception):
                    await tell_admins(bot, svc, [unexpected_problem(exc)])


# ----- the PID file -----------------------------------------------------------------------
# A running bot holds an exclusive flock on DATA_DIR/lantern.pid for as long as it lives.
# The kernel drops the lock when the process ends, however it ends (kill -9, a crash), so
# `lantern reload` can tell a running bot from a file left behind: it signals only a
# process whose lock is held, never whatever process now has a stale file's number.

# PID file -> the descriptor holding its lock, open for this process's life.
_held: dict[Path, int] = {}


class NoRunningBot(Exception):
    """`lantern reload` found no bot to signal; the message says why and what to do."""


def write_pid(data_dir: Path) -> Path:
    """Write this process's id to DATA_DIR/lantern.pid and hold its lock until exit.

    Raises OSError (BlockingIOError) when another running bot holds the lock; its file
    is then left exactly as it was.
    """
    _forget_removed()
    path = data_dir / PID_FILE
    previous = _held.pop(path, None)
    if previous is not None:
        os.close(previous)
    # Opened without truncating: the file is only rewritten once the lock is ours.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        os.close(fd)
        raise
    _held[path] = fd
    return path


def remove_pid(data_dir: Path) -> None:
    """Remove DATA_DIR/lantern.pid if this process holds it; leave anyone else's alone."""
    path = data_dir / PID_FILE
    fd = _held.pop(path, None)
    if fd is None:
        return
    try:
        if os.path.samestat(os.fstat(fd), os.stat(path)):
            path.unlink()
    except OSError:
        pass
    finally:
        os.close(fd)


def _forget_removed() -> None:
    """Let go of locks on PID files that were removed (a bot stopped in this process)."""
    for path, fd in list(_held.items()):
        try:
            gone = os.fstat(fd).st_nlink == 0
        except OSError:
            gone = True
        if gone:
            del _held[path]
            with contextlib.suppress(OSError):
                os.close(fd)


def running_bot(data_dir: Path) -> int:
    """The process id of the bot running with `data_dir`; NoRunningBot if there is none.

    Trusts the number in the PID file only while the lock on that file is held: a file
    left behind by a bot that died names a process that may now be anything.
    """
    path = data_dir / PID_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NoRunningBot(f"no running bot found for {data_dir} (no {path})") from None
    except OSError as exc:
        raise NoRunningBot(f"cannot read {path} ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            held = True  # a running bot holds it
        else:
            held = False
            fcntl.flock(fd, fcntl.LOCK_UN)
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if not held:
        raise NoRunningBot(
            f"{path} is left over from a bot that is no longer running (it names process "
            f"{text or '?'}, which is not a Lantern bot holding that file). Nothing was "
            "signalled and the file was left alone. Start the bot with `lantern run`; it "
            "replaces the file."
        )
    if not text.isdigit() or int(text) == 0:  # (0 would signal our own process group)
        raise NoRunningBot(f"{path} is held by a running bot but does not hold its number")
    return int(text)
