"""Groups: Lantern serves private chats only, and says so once when addressed."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.handlers.common import guarded
from bot.i18n import pick_language, t


@guarded
async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command addressed to Lantern in a group: one short reply pointing to a private chat."""
    message = update.effective_message
    if message is None:
        return
    user = update.effective_user
    lang = pick_language(user.language_code if user else None)
    await message.reply_text(
        t(lang, "group.private_only"),
        reply_markup=keyboards.private_chat_link(lang, context.bot.username),
    )
