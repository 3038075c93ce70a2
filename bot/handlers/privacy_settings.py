"""Privacy: what Lantern keeps (nothing about the person) and the settings it offers,
discreet mode and disappearing mode, on one screen (kept in memory only).

Lantern forgets settings 48 hours after someone's last message, and forgets the person
with them, so it cannot tell anyone a setting "lapsed". It says what holds now instead:
the Privacy screen shows each setting's state, /start offers discreet mode in one tap
when it is off, and the Privacy screen gives a link to bookmark (`/start z_...`, see
bot/deeplinks.py) that turns the same settings back on. The link carries the settings,
never the person.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import deeplinks, keyboards, screens
from bot.callbacks import Action, decode
from bot.handlers.common import answer_press, guarded, send, services, user_lang
from bot.i18n import t
from bot.screens import Screen
from bot.services import Services

log = logging.getLogger("lantern.handlers")


def bookmark_url(bot_username: str | None, discreet: bool, vanish: int | None) -> str | None:
    """The link that turns these settings back on, or None with nothing on (or no name)."""
    link = deeplinks.settings(discreet, vanish)
    if link is None or not bot_username:
        return None
    return f"https://t.me/{bot_username}?start={deeplinks.encode(link)}"


def settings_screen(
    svc: Services, user_id: int, lang: str, notice: str = "", bot_username: str | None = None
) -> Screen:
    """The Privacy screen: in short what is kept, each setting's state, the bookmark link."""
    pref = svc.prefs.peek(user_id)
    discreet = bool(pref and pref.discreet)
    vanish = pref.vanish_minutes if pref else None
    state = t(lang, "state.on" if discreet else "state.off")
    lines = [t(lang, "privacy"), "", t(lang, "privacy.discreet", state=state)]
    if vanish:
        lines.append(t(lang, "privacy.vanish_on", minutes=vanish))
    else:
        lines.append(t(lang, "privacy.vanish_off"))
    lines += [t(lang, "privacy.wipe"), t(lang, "privacy.checkin"), "", t(lang, "privacy.kept")]
    url = bookmark_url(bot_username, discreet, vanish)
    if url is not None:
        lines.append(t(lang, "privacy.bookmark", link=url))
    text = "\n".join(lines)
    if notice:
        text = f"{notice}\n\n{text}"
    return Screen(text, keyboards.settings_menu(lang, discreet, vanish))


def set_discreet(svc: Services, user_id: int, lang: str, on: bool) -> str:
    """Discreet mode on or off; the sentence that says what holds now."""
    if not svc.prefs.set(user_id, discreet=on).kept:
        return t(lang, "settings.not_kept")
    return t(lang, "settings.discreet_set", state=t(lang, "state.on" if on else "state.off"))


def set_vanish(svc: Services, user_id: int, chat_id: int, lang: str, minutes: int | None) -> str:
    """Disappearing mode for `minutes` (None: off); the sentence that says what holds now."""
    kept = svc.prefs.set(user_id, vanish_minutes=minutes).kept
    if minutes and kept:
        svc.vanisher.touch(chat_id, minutes)
        return t(lang, "settings.vanish_on", minutes=minutes)
    # Not remembered, so not armed: later messages could not push the timer back.
    svc.vanisher.cancel(chat_id)
    return t(lang, "settings.vanish_off") if kept else t(lang, "settings.not_kept")


def apply_link(svc: Services, user_id: int, chat_id: int, lang: str, link: deeplinks.Link) -> str:
    """`/start z_...`: turn on what the link carries, leave the rest as it is; what holds."""
    said = []
    if link.discreet:
        said.append(set_discreet(svc, user_id, lang, True))
    if link.vanish_minutes:
        said.append(set_vanish(svc, user_id, chat_id, lang, link.vanish_minutes))
    return " ".join(dict.fromkeys(said))  # "too busy" once, not twice


def _press(
    svc: Services, user_id: int, chat_id: int, lang: str, action: Action, username: str | None
) -> tuple[Screen, str | None]:
    """What a press on the Privacy screen changes: the screen to show, and a short answer
    to the press when it changed nothing (the screen would look the same, and an edit to
    the same text does nothing on the person's phone)."""
    pref = svc.prefs.peek(user_id)
    discreet = bool(pref and pref.discreet)
    vanish = pref.vanish_minutes if pref else None
    notice = ""
    unchanged = False
    if action.args[:1] == ("d",):
        # ("d",) is the toggle old messages' buttons carry; ("d", "1"|"0") says which.
        on = (not discreet) if len(action.args) == 1 else action.args[1] == "1"
        unchanged = on == discreet
        notice = set_discreet(svc, user_id, lang, on)
    elif action.args[:1] == ("v",):
        minutes = int(action.args[1]) or None
        unchanged = minutes == vanish
        notice = set_vanish(svc, user_id, chat_id, lang, minutes)
    screen = settings_screen(svc, user_id, lang, notice, username)
    return screen, notice if unchanged else None


@guarded
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """🔒 Privacy and its buttons (and old menus' Privacy and Privacy settings buttons).

    Like every button family (handlers.common.button): answered once, private chats only,
    data decoded and checked. Unlike the others, the change is made before the answer, so
    that a press that changes nothing is answered with a few words saying what holds."""
    query = update.callback_query
    if query is None:
        return
    chat, user = update.effective_chat, update.effective_user
    screen: Screen | None = None
    toast: str | None = None
    try:
        if chat is not None and user is not None and chat.type == chat.PRIVATE:
            lang = user_lang(update, context)
            action = decode(query.data)
            if action is None:
                screen = screens.home(lang, t(lang, "expired"))
            else:
                svc = services(context)
                username = context.bot.username
                screen, toast = _press(svc, user.id, chat.id, lang, action, username)
    finally:
        await _answer(update, toast)
    if screen is not None:
        await send(update, screen)


async def _answer(update: Update, toast: str | None) -> None:
    if toast is None:
        await answer_press(update)
        return
    try:
        await update.callback_query.answer(toast)  # type: ignore[union-attr]
    except Exception as exc:  # as answer_press: nothing here may stop the screen
        log.info("button not answered: %s", type(exc).__name__)
