"""Commands in private chats: /start (with deep links), /help, /privacy, unknown ones."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import deeplinks, screens
from bot.handlers import moderators
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import languages, t
from knowledge.taxonomy import ALL_TOPICS
from moderation.workflow import INVITE_PREFIX


@guarded
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, or /start <payload> from a shared link: open that entry or topic."""
    svc = services(context)
    if update.effective_user is not None:
        svc.flows.end(update.effective_user.id)
    invite = context.args[0] if context.args and context.args[0].startswith(INVITE_PREFIX) else None
    if invite is not None and await moderators.start_invite(update, context, invite):
        return
    link = deeplinks.decode(context.args[0]) if context.args else None
    if link is not None and update.effective_user is not None:
        user_id = update.effective_user.id
        if link.lang in languages():
            svc.prefs.set(user_id, lang=link.lang)
        if link.region and svc.kb.snapshot.region(link.region):
            svc.prefs.set(user_id, region=link.region)
    lang = user_lang(update, context)
    region = user_region(update, context)
    screen = None
    if link is not None and link.kind == "entry":
        screen = screens.entry(svc.kb, lang, region, link.target, None, svc.today())
    elif link is not None and link.target in ALL_TOPICS:
        screen = screens.topic(svc.kb, lang, region, link.target, 0)
    await send(update, screen or screens.welcome(lang))


@guarded
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to browse and search."""
    await send(update, screens.simple(user_lang(update, context), "help"))


@guarded
async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is kept (nothing about the person) and how to delete the chat."""
    await send(update, screens.simple(user_lang(update, context), "privacy"))


@guarded
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command: say so and show the menu, revealing nothing else."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "unknown_command")))
