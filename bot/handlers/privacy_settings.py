"""Privacy settings: discreet mode and disappearing mode (kept in memory only)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.callbacks import Action
from bot.handlers.common import send, services, user_lang
from bot.i18n import t
from bot.screens import Screen
from bot.services import Services


def settings_screen(svc: Services, user_id: int, lang: str, notice: str = "") -> Screen:
    pref = svc.prefs.peek(user_id)
    discreet = bool(pref and pref.discreet)
    vanish = pref.vanish_minutes if pref else None
    text = t(lang, "settings.title")
    if notice:
        text = f"{notice}\n\n{text}"
    return Screen(text, keyboards.settings_menu(lang, discreet, vanish))


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    lang = user_lang(update, context)
    if user is None or chat is None:
        return
    notice = ""
    if action.args == ("d",):
        pref = svc.prefs.peek(user.id)
        now_on = not (pref and pref.discreet)
        if svc.prefs.set(user.id, discreet=now_on).kept:
            state = t(lang, "state.on" if now_on else "state.off")
            notice = t(lang, "settings.discreet_set", state=state)
        else:
            notice = t(lang, "settings.not_kept")
    elif len(action.args) == 2:
        minutes = int(action.args[1]) or None
        kept = svc.prefs.set(user.id, vanish_minutes=minutes).kept
        if minutes and kept:
            svc.vanisher.touch(chat.id, minutes)
            state = t(lang, "vanish.minutes", minutes=minutes)
        else:
            # Not remembered, so not armed: later messages could not push the timer back.
            svc.vanisher.cancel(chat.id)
            state = t(lang, "vanish.off")
        notice = t(lang, "settings.vanish_set", state=state)
        if not kept:
            notice = t(lang, "settings.not_kept")
    await send(update, settings_screen(svc, user.id, lang, notice))
