"""Plain text in a private chat is a search; anything else gets a gentle pointer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import screens
from bot.handlers import moderators, tips_and_reports
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import t


@guarded
async def text_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs when someone types words: a step of their flow, or else a search."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    user = update.effective_user
    flow = services(context).flows.get(user.id) if user else None
    if flow is not None and flow.name in tips_and_reports.USER_FLOWS:
        await tips_and_reports.on_text(update, context, flow)
        return
    if flow is not None and flow.name in moderators.MOD_FLOWS:
        await moderators.on_text(update, context, flow)
        return
    lang = user_lang(update, context)
    screen = screens.search(services(context).kb, lang, user_region(update, context), message.text)
    await send(update, screen)


@guarded
async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice and the like: Lantern reads only text."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "nontext")))
