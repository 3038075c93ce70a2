"""The Bot API methods the emulator implements, on top of its in-memory state.

Each handler gets the call's decoded parameters after validation and returns the `result`
of the answer, or raises APIError the way Telegram refuses a call (chat not found, message
not modified, ...). Methods of the spec without a handler here answer True.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable, Container, Mapping
from functools import partial
from typing import Any, Literal

from emulator.html import Entity, HTMLError, ParsedText
from emulator.models import APIError, EmuChat, EmuMessage, UploadedFile
from emulator.rules import parse_text
from emulator.state import EmulatorState

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
# Delivered unless allowed_updates names them (Telegram's default).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Without the spec, these at least are checked before a handler relies on them.
REQUIRED_WITHOUT_SPEC: dict[str, tuple[str, ...]] = {
    "sendMessage": ("chat_id", "text"),
    "sendPhoto": ("chat_id", "photo"),
    "sendDocument": ("chat_id", "document"),
    "editMessageText": ("text",),
    "deleteMessage": ("chat_id", "message_id"),
    "deleteMessages": ("chat_id", "message_ids"),
    "answerCallbackQuery": ("callback_query_id",),
    "answerInlineQuery": ("inline_query_id", "results"),
    "setMyCommands": ("commands",),
    "getFile": ("file_id",),
    "sendChatAction": ("chat_id", "action"),
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class BotMethods(EmulatorState):
    """Bot API method handlers over the emulator state."""

    def _handler_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._generic,
            "close": self._generic,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyName": partial(self._set_profile, "name"),
            "getMyName": partial(self._get_profile, "name"),
            "setMyDescription": partial(self._set_profile, "description"),
            "getMyDescription": partial(self._get_profile, "description"),
            "setMyShortDescription": partial(self._set_profile, "short_description"),
            "getMyShortDescription": partial(self._get_profile, "short_description"),
            "sendMessage": self._send_message,
            "sendPhoto": partial(self._send_media, "photo"),
            "sendDocument": partial(self._send_media, "document"),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
        }

    async def _generic(self, params: dict[str, Any]) -> Any:
        return True

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise APIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        waiting = len(self._updates)
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        if len(self._updates) != waiting:
            # Confirming updates is the bot taking them: idle() waits from here. An empty
            # poll is not activity, or a bot polling without pause would never look idle.
            self._touch()
        limit = params.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
            self._allowed_updates = params["allowed_updates"]
        timeout = params.get("timeout", 0)
        timeout = timeout if isinstance(timeout, int | float) and self.long_polling else 0
        self._poll_generation += 1
        generation = self._poll_generation
        self.signal.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                batch = []  # a newer getUpdates took over, as on Telegram
                break
            batch = self._deliverable(limit)
            if batch or self._closing or loop.time() >= deadline:
                break
            await self.signal.wait(deadline - loop.time())
        self.delivered.extend(u["update_id"] for u in batch)
        self.polls += 1
        if batch:
            self._touch()
        else:
            self.empty_polls += 1
        return batch

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        kept: list[dict[str, Any]] = []
        for update in self._updates:
            kind = next((k for k in update if k != "update_id"), "")
            wanted = kind in allowed if allowed else kind not in DEFAULT_EXCLUDED_UPDATES
            if wanted:
                kept.append(update)
            else:
                self.dropped_updates.append(update["update_id"])
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.signal.notify()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _scope_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        self.commands[self._scope_key(params)] = list(params.get("commands", []))
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands stored by setMyCommands for a scope and language."""
        return self.commands.get(
            self._scope_key({"scope": scope, "language_code": language_code}), []
        )

    async def _set_profile(self, key: str, params: dict[str, Any]) -> Any:
        lang = str(params.get("language_code") or "")
        value = params.get(key) or ""
        if value:
            self.profile[key][lang] = str(value)
        else:
            self.profile[key].pop(lang, None)
        return True

    async def _get_profile(self, key: str, params: dict[str, Any]) -> Any:
        lang = str(params.get("language_code") or "")
        return {key: self.profile[key].get(lang, self.profile[key].get("", ""))}

    def _target_chat(self, params: Mapping[str, Any]) -> EmuChat:
        chat_id = params.get("chat_id")
        chat: EmuChat | None = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            chat = next((c for c in self.chats.values() if c.username == chat_id[1:]), None)
        elif isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat = self.chats.get(int(chat_id))
        if chat is None:
            raise APIError(400, "Bad Request: chat not found")
        if chat.user is not None and chat.user.blocked_bot:
            raise APIError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _check_reply(self, chat: EmuChat, params: Mapping[str, Any]) -> None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict) or reply.get("allow_sending_without_reply"):
            return
        target = self._find(chat.id, reply.get("message_id", 0))
        if target is None or target.deleted:
            raise APIError(400, "Bad Request: message to be replied not found")

    @staticmethod
    def _parse(text: str, params: Mapping[str, Any], entities_key: str) -> ParsedText:
        try:
            return parse_text(text, params.get("parse_mode"), params.get(entities_key))
        except HTMLError as exc:  # only reachable when the checks let it through
            raise APIError(400, f"Bad Request: {exc}") from exc

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_channel(chat)
        self._check_reply(chat, params)
        text = str(params["text"])
        parsed = self._parse(text, params, "entities")
        message = self._store(
            EmuMessage(
                self._next_message_id(chat.id),
                chat,
                "bot",
                int(time.time()),
                text=parsed.text,
                html=text,
                parse_mode=params.get("parse_mode"),
                entities=parsed.entities,
                reply_markup=params.get("reply_markup"),
                protect_content=params.get("protect_content") is True,
            )
        )
        self._bot_event("message", message)
        return message.to_api(self.bot_user())

    @staticmethod
    def _check_channel(chat: EmuChat) -> None:
        """Only an admin that may post can send to a channel, as in Telegram."""
        if chat.type == "channel" and not chat.bot_can_post:
            raise APIError(403, "Forbidden: bot is not a member of the channel chat")

    async def _send_media(self, kind: Literal["photo", "document"], params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_reply(chat, params)
        source = params.get(kind)
        file_id = self._file_id_for(source)
        caption = str(params.get("caption") or "")
        parsed = self._parse(caption, params, "caption_entities")
        uploaded = self.files.get(file_id)
        size = len(uploaded.data) if uploaded else 0
        if kind == "photo":
            extra: dict[str, Any] = {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}",
                        "width": 800,
                        "height": 600,
                        "file_size": size,
                    }
                ]
            }
        else:
            extra = {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": uploaded.filename if uploaded else "file",
                    "mime_type": uploaded.content_type if uploaded else "application/octet-stream",
                    "file_size": size,
                }
            }
        message = self._store(
            EmuMessage(
                self._next_message_id(chat.id),
                chat,
                "bot",
                int(time.time()),
                text=parsed.text,
                html=caption,
                parse_mode=params.get("parse_mode"),
                entities=parsed.entities,
                reply_markup=params.get("reply_markup"),
                kind=kind,
                file=source,
                file_id=file_id,
                extra=extra,
            )
        )
        self._bot_event("message", message)
        return message.to_api(self.bot_user())

    def _file_id_for(self, source: Any) -> str:
        if isinstance(source, UploadedFile):
            file_id = f"file{next(self._file_ids)}"
            self.files[file_id] = source
            return file_id
        if isinstance(source, str) and source.startswith("attach://"):
            raise APIError(400, "Bad Request: attach:// is only for media groups")
        return str(source)

    def _editable(self, params: Mapping[str, Any]) -> EmuMessage | None:
        """The bot message an edit targets, or None for inline messages (not tracked)."""
        if "inline_message_id" in params:
            return None
        chat = self._target_chat(params)
        message = self._find(chat.id, params.get("message_id", 0))
        if message is None or message.deleted:
            raise APIError(400, "Bad Request: message to edit not found")
        if message.sender != "bot":
            raise APIError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(
        self,
        message: EmuMessage,
        *,
        text: str,
        html: str,
        parse_mode: Any,
        entities: tuple[Entity, ...],
        reply_markup: Any,
    ) -> Any:
        if (text, entities, reply_markup) == (
            message.text,
            message.entities,
            message.reply_markup,
        ):
            raise APIError(400, _NOT_MODIFIED)
        message.text, message.html, message.entities = text, html, entities
        message.parse_mode = parse_mode
        message.reply_markup = reply_markup
        message.edited = True
        message.edit_date = int(time.time())
        self._bot_event("edit", message)
        return message.to_api(self.bot_user())

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        return self._edit_words(params, "text", "entities", text_message=True)

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        return self._edit_words(params, "caption", "caption_entities", text_message=False)

    def _edit_words(
        self, params: dict[str, Any], field: str, entities: str, *, text_message: bool
    ) -> Any:
        """editMessageText and editMessageCaption: the same edit, on text or on media."""
        message = self._editable(params)
        words = str(params.get(field) or "")
        parsed = self._parse(words, params, entities)
        if message is None:
            return True
        if (message.kind == "text") != text_message:
            missing = "text" if text_message else "caption"
            raise APIError(400, f"Bad Request: there is no {missing} in the message to edit")
        return self._apply_edit(
            message,
            text=parsed.text,
            html=words,
            parse_mode=params.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=params.get("reply_markup"),
        )

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        if message is None:
            return True
        return self._apply_edit(
            message,
            text=message.text,
            html=message.html,
            parse_mode=message.parse_mode,
            entities=message.entities,
            reply_markup=params.get("reply_markup"),
        )

    def _delete(self, message: EmuMessage) -> None:
        message.deleted = True
        self.deleted.append((message.chat_id, message.message_id))
        self._bot_event("delete", message)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        message = self._find(chat.id, params.get("message_id", 0))
        if message is None or message.deleted:
            raise APIError(400, "Bad Request: message to delete not found")
        self._delete(message)
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        for message_id in params.get("message_ids", []):
            message = self._find(chat.id, message_id)
            # Telegram skips ids it cannot find in this chat, silently.
            if message is not None and not message.deleted:
                self._delete(message)
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id"))
        return self._answer_once(query_id, params, self.callback_queries, self.callback_answers)

    async def _answer_inline_query(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id"))
        return self._answer_once(query_id, params, self.inline_queries, self.inline_answers)

    def _answer_once(
        self, query_id: str, params: dict[str, Any], asked: Container[str], answers: dict[str, Any]
    ) -> bool:
        """A query is answered at most once, and only if it was asked (as Telegram does)."""
        if query_id not in asked or query_id in answers:
            raise APIError(400, _QUERY_INVALID)
        answers[query_id] = params
        self.signal.notify()
        return True

    async def _get_file(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        uploaded = self.files.get(file_id)
        if uploaded is None:
            raise APIError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(uploaded.data),
            "file_path": f"files/{file_id}",
        }

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True
