"""Every message the bot sends passes here: discreet first line, and its id remembered."""

from __future__ import annotations

from telegram import Message

from bot.i18n import t
from bot.remembered.prefs import Preferences
from bot.remembered.trail import MessageTrail, Vanisher


class Outgoing:
    def __init__(self, prefs: Preferences, trail: MessageTrail, vanisher: Vanisher) -> None:
        self.prefs = prefs
        self.trail = trail
        self.vanisher = vanisher

    def text(self, chat_id: object, text: str) -> str:
        """In discreet mode, a neutral first line so lock-screen previews show nothing."""
        if not isinstance(chat_id, int) or chat_id <= 0:
            return text
        pref = self.prefs.peek(chat_id)
        if pref is None or not pref.discreet:
            return text
        line = t(pref.lang or "en", "discreet.line")
        return text if text.startswith(line) else f"{line}\n\n{text}"

    def answered(self, method: str, result: dict) -> None:
        """A message straight from a Bot API answer (before the library reads it): if the
        library then cannot read it, /wipe still knows the message is there."""
        if not method.startswith(("send", "edit", "copy", "forward")):
            return
        chat = result.get("chat")
        message_id = result.get("message_id")
        if (
            isinstance(chat, dict)
            and chat.get("type") == "private"
            and isinstance(chat.get("id"), int)
            and isinstance(message_id, int)
            and not isinstance(message_id, bool)
        ):
            self.seen(chat["id"], message_id)

    def sent(self, message: object) -> None:
        if not isinstance(message, Message) or message.chat.type != message.chat.PRIVATE:
            return
        self.seen(message.chat.id, message.message_id)

    def seen(self, chat_id: int, message_id: int) -> None:
        """A message in a private chat, either way: remember its id for /wipe."""
        self.trail.add(chat_id, message_id)
        pref = self.prefs.peek(chat_id)
        if pref is not None and pref.vanish_minutes:
            self.vanisher.touch(chat_id, pref.vanish_minutes)
