"""`lantern profile`: the bot's public name and descriptions, per language (neutral by
default)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import getme
from bot.config import Config
from knowledge.taxonomy import LANGUAGES


def set_profile(args: argparse.Namespace, config: Config) -> int:
    """setMyName / setMyDescription / setMyShortDescription, per language."""
    if not config.token:
        print("lantern profile: set LANTERN_BOT_TOKEN first", file=sys.stderr)
        return 2
    from telegram import Bot

    from bot.i18n import t
    from knowledge.taxonomy import DEFAULT_LANGUAGE

    # The call being made, so a failure names it ("setMyName: ..."), whatever it raised.
    step = ["getMe"]

    async def apply() -> None:
        async with Bot(config.token.reveal(), base_url=config.base_url) as bot:
            for lang in [args.lang] if args.lang else list(LANGUAGES):
                code = None if lang == DEFAULT_LANGUAGE and not args.lang else lang
                step[0] = "setMyName"
                await bot.set_my_name(args.name or t(lang, "profile.name"), language_code=code)
                step[0] = "setMyDescription"
                await bot.set_my_description(
                    args.description or t(lang, "profile.description"), language_code=code
                )
                step[0] = "setMyShortDescription"
                await bot.set_my_short_description(
                    args.short_description or t(lang, "profile.short"), language_code=code
                )
                print(f"{lang}: name and descriptions set")
            step[0] = "shutdown"

    try:
        asyncio.run(apply())
    except Exception as exc:  # a refusal, or an answer that cannot be read: one line
        failed = getme.call_failed(step[0], exc, config.token.reveal())
        print(f"lantern profile: {failed}", file=sys.stderr)
        return 1
    return 0
