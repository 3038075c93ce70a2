"""Sharing for outreach: a deep link and its QR code from any card or topic, and inline mode."""

from __future__ import annotations

import io

import segno
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

from bot import deeplinks, render, screens
from bot.callbacks import Action
from bot.handlers.common import guarded, services, user_lang, user_region
from bot.i18n import t
from knowledge import markup
from knowledge.taxonomy import ALL_TOPICS

INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 300
DESCRIPTION = 100


def share_link(username: str, link: deeplinks.Link) -> str:
    """The t.me link for a target; the region is left out if it would not fit."""
    try:
        payload = deeplinks.encode(link)
    except ValueError:
        payload = deeplinks.encode(deeplinks.Link(link.kind, link.target, link.lang))
    return f"https://t.me/{username}?start={payload}"


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def one_line(text: str, limit: int = DESCRIPTION) -> str:
    plain = " ".join(markup.to_plain(text).split())
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0] + "…"


async def on_share(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """The Share button: a forwardable message with the link and its QR code.

    The press was answered already (handlers.common.button answers every press once).
    """
    svc = services(context)
    chat = update.effective_chat
    lang = user_lang(update, context)
    region = user_region(update, context)
    if chat is None:
        return
    kind, target = action.args
    if kind == "e":
        entry = svc.kb.get(target, region)
        title = entry.text(lang).title if entry else None
        link = deeplinks.Link("entry", target, lang, region)
    else:
        title = t(lang, f"topic.{target}") if target in ALL_TOPICS else None
        link = deeplinks.Link("topic", target, lang, region)
    if title is None:
        await chat.send_message(**_as_kwargs(screens.home(lang, t(lang, "expired"))))
        return
    username = context.bot.username
    if not username:
        await chat.send_message(t(lang, "share.unavailable"))
        return
    url = share_link(username, link)
    caption = t(lang, "share.caption", title=render.esc(title), link=render.esc(url))
    await chat.send_photo(photo=qr_png(url), caption=caption)


def _as_kwargs(screen: screens.Screen) -> dict:
    return {"text": screen.text, "reply_markup": screen.markup}


@guarded
async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot words` in any chat: entry cards to send, each with a button into the bot."""
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    lang = svc.language(query.from_user.id, query.from_user.language_code, touch=False)
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
