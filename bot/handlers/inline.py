"""Inline mode: `@bot words` in any chat offers entry cards to send, each with a button
into the bot. A query in the other language is answered in it, as typed searches are."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import deeplinks, render
from bot.handlers.common import guarded, services
from bot.handlers.share_link import share_link
from bot.i18n import languages, t
from knowledge import markup

INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 300
DESCRIPTION = 100


def one_line(text: str, limit: int = DESCRIPTION) -> str:
    plain = " ".join(markup.to_plain(text).split())
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0] + "…"


@guarded
async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot words` in any chat: entry cards to send, each with a button into the bot."""
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    lang = svc.language(query.from_user.id, query.from_user.language_code, touch=False)
    words = query.query
    found_in = svc.kb.read(words, lang).language if words else None
    if found_in in languages():
        lang = found_in  # a query in the other language: cards in that language
    username = context.bot.username or ""
    hits = svc.kb.search(query.query, lang=lang, limit=INLINE_RESULTS) if query.query else []
    results = []
    for hit in hits:
        entry = hit.entry
        text = entry.text(lang)
        url = share_link(username, deeplinks.Link("entry", entry.id, lang))
        results.append(
            InlineQueryResultArticle(
                id=entry.id,
                title=text.title,
                description=one_line(text.body),
                input_message_content=InputTextMessageContent(
                    render.entry_card(entry, lang, svc.today()),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton(t(lang, "inline.open"), url=url)]]
                ),
            )
        )
    button = InlineQueryResultsButton(
        text=t(lang, "inline.open") if results else t(lang, "inline.nothing"),
        start_parameter="inline",
    )
    # Results depend only on the words and language; nothing about the query is kept.
    # Personal: results depend on the person's language, and a shared cache would show
    # the next person that someone searched these words recently.
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)
