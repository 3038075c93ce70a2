"""📤 Share, on any card or topic: a deep link into the bot and its QR code, for outreach."""

from __future__ import annotations

import io

import segno
from telegram import Update
from telegram.ext import ContextTypes

from bot import deeplinks, render, screens
from bot.callbacks import Action
from bot.handlers.common import services, user_lang, user_region
from bot.i18n import t
from knowledge.taxonomy import ALL_TOPICS


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
