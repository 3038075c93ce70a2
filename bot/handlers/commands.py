"""Commands in private chats: /start (with deep links), /help, /privacy, unknown ones."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import deeplinks, screens
from bot.handlers import alerts, checkin_contacts, moderators, privacy_settings
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import languages, t
from bot.screens import Screen
from knowledge.taxonomy import ALL_TOPICS
from moderation.workflow import INVITE_PREFIX


@guarded
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, or /start <payload> from a link: open that entry or topic, turn on the
    privacy settings a bookmarked link carries, or begin joining as a moderator. A link
    that no longer leads anywhere says so above the menu."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    if user is not None:
        svc.flows.end(user.id)
    payload = context.args[0] if context.args else None
    if payload is not None and payload.startswith(checkin_contacts.INVITE_HEAD):
        await checkin_contacts.start_invite(update, context, payload[2:])  # 🤝 a friend pairs
        return
    if payload is not None and payload.startswith(alerts.SEEN_HEAD):
        await alerts.start_seen(update, context, payload[len(alerts.SEEN_HEAD) :])  # ⚠️ seen too
        return
    if payload is not None and payload.startswith(INVITE_PREFIX):
        if await moderators.start_invite(update, context, payload):
            return
        lang = user_lang(update, context)
        await send(update, screens.home(lang, t(lang, "start.invite_invalid")))
        return
    link = deeplinks.resolve(deeplinks.decode(payload), svc.kb.snapshot.by_id)
    if link is not None and user is not None:
        if link.lang in languages():
            svc.prefs.set(user.id, lang=link.lang)
        if link.region and svc.kb.snapshot.region(link.region):
            svc.prefs.set(user.id, region=link.region)
    lang = user_lang(update, context)
    region = user_region(update, context)
    screen: Screen | None = None
    if link is not None and link.kind == "settings" and user is not None and chat is not None:
        screen = screens.home(lang, privacy_settings.apply_link(svc, user.id, chat.id, lang, link))
    elif link is not None and link.kind == "entry":
        screen = screens.entry(svc.kb, lang, region, link.target, None, svc.today())
    elif link is not None and link.kind == "topic" and link.target in ALL_TOPICS:
        screen = screens.topic(svc.kb, lang, region, link.target, 0)
    if screen is None and payload is not None:
        screen = screens.home(lang, t(lang, "start.link_out_of_date"))
    if screen is None:
        pref = svc.prefs.peek(user.id) if user is not None else None
        screen = screens.welcome(lang, discreet_off=not (pref and pref.discreet))
    await send(update, screen)


@guarded
async def menu_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/menu: what people type when they want the menu (as "menu" typed is)."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "talk.menu")))


@guarded
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to browse and search."""
    await send(update, screens.simple(user_lang(update, context), "help"))


@guarded
async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is kept (nothing about the person), the privacy settings and wipe."""
    user = update.effective_user
    if user is None:
        return
    svc = services(context)
    lang = user_lang(update, context)
    username = context.bot.username
    await send(update, privacy_settings.settings_screen(svc, user.id, lang, bot_username=username))


@guarded
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command: say so and show the menu, revealing nothing else."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "unknown_command")))
