"""Button presses: decode the callback data, check it, show the screen it names."""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.ext import ContextTypes

from bot import callbacks, keyboards, screens
from bot.callbacks import Op
from bot.handlers import contribute, moderate, safety, sharing
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import languages, t
from bot.render import esc
from bot.services import Services

log = logging.getLogger("lantern.handlers")


@guarded
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs for every inline button press in a private chat."""
    query = update.callback_query
    if query is None:
        return
    # The one answer to this press: every button is answered here, before anything else,
    # and nowhere else (Telegram refuses a second answer, and it costs a call). Whatever
    # goes wrong with it (an error, an answer that cannot be read), the spinner stops by
    # itself; showing the screen matters more.
    try:
        await query.answer()
    except Exception as exc:  # nothing here may stop the screen
        log.info("button not answered: %s", type(exc).__name__)
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return  # Lantern's menus live only in private chats
    action = callbacks.decode(query.data)
    if action is not None and action.op is Op.WIPE:
        await safety.wipe(update, context)
        return
    route = _ROUTES.get(action.op) if action is not None else None
    if route is not None and action is not None:
        await route(update, context, action)
        return
    lang = user_lang(update, context)
    screen = _screen_for(update, context, action, lang) if action else None
    if screen is None:
        screen = screens.home(lang, t(lang, "expired"))
    await send(update, screen)


# Buttons whose handling needs more than a screen: the database, a photo, a setting.
_ROUTES = {
    Op.USER: contribute.on_action,
    Op.MOD: moderate.on_action,
    Op.SHARE: sharing.on_share,
    Op.SETTINGS: safety.on_settings,
}


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
            from_topic = callbacks.topic_at(args[1]) if args[1] else None
            return screens.entry(kb, lang, region, args[0], from_topic, svc.today())
        case Op.SEARCH_TIPS:
            return screens.simple(lang, "search.tips")
        case Op.PRIVACY:
            return screens.simple(lang, "privacy")
        case Op.HELP:
            return screens.simple(lang, "help")
        case Op.HELP_NOW:
            return safety.help_now_screen(svc, lang, region)
        case Op.EMERGENCY:
            return safety.emergency_screen(lang)
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
    return screens.home(lang, t(lang, "region.set", region=esc(region.name(lang))))
