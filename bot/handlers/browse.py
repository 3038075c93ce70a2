"""Buttons that show a screen, and the fresh menu for data that matches no button."""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import callbacks, keyboards, screens
from bot.callbacks import Op
from bot.handlers import help_now, search
from bot.handlers.common import send, services, user_lang, user_region
from bot.handlers.tips_and_reports import USER_FLOWS
from bot.i18n import languages, t
from bot.render import esc
from bot.services import Services
from knowledge.taxonomy import OTHER_REGION

log = logging.getLogger("lantern.handlers")


# The buttons that only show a screen (no database, photo or setting behind them).
SCREENS = (
    Op.HOME,
    Op.CATEGORY,
    Op.TOPIC,
    Op.ENTRY,
    Op.SEARCH_TIPS,
    Op.HELP,
    Op.HELP_NOW,
    Op.RESULTS,
    Op.EMERGENCY,
    Op.LANGUAGES,
    Op.SET_LANGUAGE,
    Op.REGIONS,
    Op.SET_REGION,
)


async def on_screen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action
) -> None:
    """A button that shows a screen: menus, topics, cards, languages, regions, help now.

    Going elsewhere leaves a half-written tip or report behind: words typed later are a
    search again, not a draft caught by a flow the person walked away from."""
    lang = user_lang(update, context)
    user = update.effective_user
    if user is not None:
        svc = services(context)
        flow = svc.flows.get(user.id)
        if flow is not None and flow.name in USER_FLOWS:
            svc.flows.end(user.id)
    screen = _screen_for(update, context, action, lang)
    await send(update, screen or screens.home(lang, t(lang, "expired")))


async def on_close(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action
) -> None:
    """Back on a card opened below search results: the card goes, the results show."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is not None:
        try:
            await context.bot.delete_message(message.chat.id, message.message_id)
            return
        except TelegramError:
            pass  # too old to delete (48 hours): show the menu in its place instead
    lang = user_lang(update, context)
    await send(update, screens.home(lang))


async def on_stale(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action
) -> None:
    """Data that matched no family (registered last): a fresh menu."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "expired")))


def _screen_for(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Action, lang: str
) -> screens.Screen | None:
    svc = services(context)
    kb = svc.kb
    region = user_region(update, context)
    user = update.effective_user
    args = action.args
    match action.op:
        case Op.HOME:
            return screens.home(lang)
        case Op.CATEGORY:
            return screens.category(kb, lang, region, args[0], int(args[1]))
        case Op.TOPIC:
            return screens.topic(kb, lang, region, callbacks.topic_at(args[0]), int(args[1]))
        case Op.ENTRY:
            from_topic = callbacks.topic_or_none(args[1])
            shown_in = args[2] if len(args) == 3 and args[2] in languages() else lang
            return screens.entry(
                kb, shown_in, region, args[0], from_topic, svc.today(), origin=args[1]
            )
        case Op.SEARCH_TIPS:
            return screens.simple(lang, "search.tips")
        case Op.HELP:
            return screens.simple(lang, "help")
        case Op.HELP_NOW:
            if args:
                shown_in = args[1] if args[1] in languages() else lang
                return help_now.help_now_screen(svc, shown_in, region, int(args[0]))
            return help_now.help_now_screen(svc, lang, region)
        case Op.RESULTS:
            return search.page_of_results(update, svc, lang, region, int(args[0]))
        case Op.EMERGENCY:
            return help_now.emergency_screen(lang)
        case Op.LANGUAGES:
            return screens.languages(lang)
        case Op.SET_LANGUAGE:
            if args[0] not in languages() or user is None:
                return None
            svc.prefs.set(user.id, lang=args[0])
            return screens.home(args[0], t(args[0], "language.set"))
        case Op.REGIONS:
            return screens.regions(kb, lang, region, int(args[0]))
        case Op.SET_REGION:
            return _set_region(svc, user, lang, args[0])
    return None


def _set_region(svc: Services, user: User | None, lang: str, slug: str) -> screens.Screen | None:
    if user is None:
        return None
    choosable = keyboards.choosable_regions(svc.kb.snapshot.regions, svc.kb.show_examples)
    if slug == "":
        svc.prefs.set(user.id, region=None)
        return screens.home(lang, t(lang, "region.set", region=t(lang, "region.none")))
    region = next((r for r in choosable if r.slug == slug), None)
    if region is None:
        return None
    svc.prefs.set(user.id, region=slug)
    if slug == OTHER_REGION:
        return screens.home(lang, esc(t(lang, "region.other_set")))
    return screens.home(lang, t(lang, "region.set", region=esc(region.name(lang))))
