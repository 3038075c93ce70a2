"""The gate every update passes before it waits for its turn (bot.updates): remember the
ids /wipe must delete, and hold back floods."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.callbacks import Op, decode
from bot.i18n import t
from bot.services import Services
from bot.updates import INLINE, OTHER, WIPE

log = logging.getLogger("lantern.gate")


def _is_wipe(update: Update) -> bool:
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return False  # /wipe acts in private chats only; elsewhere it is any other command
    message = update.message
    if message is not None and message.text:
        # split() of a text that is all whitespace to Python (U+3000, U+2028...) is empty.
        words = message.text.split(maxsplit=1)
        return bool(words) and words[0].split("@")[0].lower() == "/wipe"
    if update.callback_query is not None:
        action = decode(update.callback_query.data)
        return action is not None and action.op is Op.WIPE
    return False


def _remember_ids(svc: Services, update: Update) -> None:
    """Ids /wipe must delete: a private message, and the menu a button press belongs to
    (after a restart that menu was sent by an earlier process, and is edited from now on)."""
    message = update.message
    if message is not None and message.chat.type == message.chat.PRIVATE:
        svc.outgoing.seen(message.chat.id, message.message_id)
    query = update.callback_query
    if query is not None and query.message is not None:
        pressed = query.message
        if pressed.chat.type == pressed.chat.PRIVATE:
            svc.outgoing.seen(pressed.chat.id, pressed.message_id)


async def admit(svc: Services, bot: Bot, update: object) -> str | None:
    """Before an update waits for its turn: remember ids (for /wipe), hold back floods.

    Returns the update's kind for its chat's line (bot.updates), or None to drop it. Every
    person is under flood control, in private chats, groups and inline mode alike: a burst
    gets one polite notice (in a private chat), then silence until they slow down. /wipe is
    never refused; repeated ones are coalesced in the line. A failure here admits the
    update rather than lose it.
    """
    if not isinstance(update, Update):
        return OTHER
    try:
        _remember_ids(svc, update)
        if _is_wipe(update):
            return WIPE
        kind = INLINE if update.inline_query is not None else OTHER
        user = update.effective_user
        if user is None:
            return kind
        verdict = svc.flood.check(user.id)
        chat = update.effective_chat
        if verdict == "ok" and chat is not None and chat.type != chat.PRIVATE:
            # In a group, answers go out at the group's rate, whoever asks: no more in.
            return kind if svc.group_flood.check(chat.id) == "ok" else None
        if verdict == "ok":
            return kind
        if verdict == "warn" and chat is not None and chat.type == chat.PRIVATE:
            lang = svc.language(user.id, user.language_code, touch=False)
            with contextlib.suppress(TelegramError):
                await bot.send_message(chat.id, t(lang, "flood.notice"))
        return None
    except Exception as exc:  # the gate must never lose an update
        log.error("gate failed: %s", type(exc).__name__)
        return OTHER
