"""What the bot reads of Telegram's answer to a message it sent or edited: the message's
id and chat, to delete it later. The rest (its text, formatting, keyboard, the bot's own
user) is not turned into objects, and an answer without them is read the same."""

from __future__ import annotations

import json
from typing import Any

from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import BOT_ID, RecordingRequest, private_chat, recorded_app


class TelegramLikeAnswers(RecordingRequest):
    """Answers a sent or edited message in full, as Telegram does."""

    def result(self, name: str, params: dict[str, Any]) -> Any:
        found = super().result(name, params)
        if not isinstance(found, dict) or "message_id" not in found:
            return found
        text = str(params.get("text", ""))
        return {
            **found,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lantern", "username": "x"},
            "chat": {**private_chat(int(params["chat_id"])), "first_name": "Someone"},
            "entities": [{"type": "bold", "offset": i, "length": 1} for i in range(len(text))],
            "link_preview_options": {"is_disabled": True},
            "reply_markup": json.loads(params["reply_markup"])
            if isinstance(params.get("reply_markup"), str)
            else params.get("reply_markup", {"inline_keyboard": []}),
        }


async def test_a_sent_message_is_read_for_its_id_and_chat_only(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services, request=TelegramLikeAnswers()) as (app, request):
        sent = await app.bot.send_message(4242, "<b>Hello</b> there")
        assert sent.message_id > 0 and sent.chat.id == 4242 and sent.chat.type == "private"
        assert sent.text is None and sent.entities == () and sent.from_user is None
        assert sent.reply_markup is None
        edited = await app.bot.edit_message_text("Again", chat_id=4242, message_id=sent.message_id)
        assert edited.message_id == sent.message_id
        # /wipe still knows both: the id was remembered from the answer as Telegram sent it.
        assert services.trail.take(4242).ids == [sent.message_id]
        assert [name for name, _ in request.calls] == ["sendMessage", "editMessageText"]
