"""Before serving: reach Telegram and learn who the bot is.

Only what the bot cannot serve without may stop it: a token Telegram refuses, or a server
whose answer to getMe cannot be read (it is not a Bot API server). No network, a 5xx, a
429: one plain line, and try again, longer and longer apart, until Telegram answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.config import Config
from bot.request import AnswerUnreadable, LanternRequest, MethodNotFound, Named

log = logging.getLogger("lantern.startup")
FIRST_WAIT = 1.0
MAX_WAIT = 60.0


def describe(exc: BaseException, method: str) -> str:
    """One plain line for an operator: Lantern's own errors name the method and what
    happened; anything else only by its type (a library's text may be a guess)."""
    if isinstance(exc, Named):
        return str(exc)
    return f"{method}: {type(exc).__name__}"


async def reach_telegram(
    config: Config,
    *,
    first_wait: float = FIRST_WAIT,
    max_wait: float = MAX_WAIT,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str | None:
    """None once getMe has answered; else the one line that says why the bot cannot serve."""
    wait = first_wait
    while True:
        bot = Bot(
            config.token.reveal(),
            base_url=config.base_url,
            request=LanternRequest(),
            get_updates_request=LanternRequest(),
        )
        try:
            async with bot:  # initialize() asks getMe
                return None
        except InvalidToken:
            return "getMe: Telegram refused the token; check LANTERN_BOT_TOKEN"
        except TelegramError as exc:
            if not _worth_waiting(exc):
                return f"{describe(exc, 'getMe')}; is LANTERN_API_URL a Bot API server?"
            log.warning("%s; trying again in %g s", describe(exc, "getMe"), wait)
        except Exception as exc:  # an answer the library cannot read
            return (
                f"getMe: the answer could not be read ({type(exc).__name__}); "
                "is LANTERN_API_URL a Bot API server?"
            )
        await sleep(wait)
        wait = min(wait * 2, max_wait)


def _worth_waiting(exc: TelegramError) -> bool:
    """Whether Telegram may answer later (network, 5xx, 429) rather than never."""
    if isinstance(exc, AnswerUnreadable | MethodNotFound | Forbidden | BadRequest):
        return False
    return isinstance(exc, NetworkError | RetryAfter)
