"""The emulator's view of Telegram: users, chats, messages and uploaded files."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.html import Entity

Sender = Literal["bot", "user"]
Button = tuple[str, str | None]


class APIError(Exception):
    """A call Telegram would refuse; becomes {"ok": false, "error_code", "description"}."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.data)} bytes)"


@dataclass
class EmuUser:
    """A Telegram user who talks to the bot."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class EmuChat:
    """A private chat (id == the user's id), a group or a channel (negative ids)."""

    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    user: EmuUser | None = None
    # Channels: whether the bot is an admin that may post (else sending is refused, 403).
    bot_can_post: bool = True

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or ""
            if self.username:
                data["username"] = self.username
        else:
            data["title"] = self.title or ""
        return data


@dataclass
class EmuMessage:
    """One message in a chat, as it stands (or as it stood, for snapshots).

    `text` is what the user sees (markup parsed away; the caption for media), `html` the
    text exactly as the bot sent it.
    """

    message_id: int
    chat: EmuChat
    sender: Sender
    date: int
    text: str = ""
    html: str = ""
    parse_mode: str | None = None
    entities: tuple[Entity, ...] = ()
    reply_markup: dict[str, Any] | None = None
    from_user: EmuUser | None = None
    kind: Literal["text", "photo", "document"] = "text"
    file: UploadedFile | str | None = None
    file_id: str | None = None
    deleted: bool = False
    edited: bool = False
    edit_date: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    protect_content: bool = False  # sent with protect_content: no forwarding or saving

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def caption(self) -> str | None:
        return None if self.kind == "text" else self.text

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows as (text, callback_data or url); empty without a keyboard."""
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
            for row in self.keyboard()
        ]

    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The raw InlineKeyboardButton dicts, row by row."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    def find_button(self, text_or_data: str) -> dict[str, Any] | None:
        """The first button whose callback_data, or else whose text, is `text_or_data`."""
        flat = [b for row in self.keyboard() for b in row if isinstance(b, dict)]
        for key in ("callback_data", "text"):
            for button in flat:
                if button.get(key) == text_or_data:
                    return button
        return None

    def snapshot(self) -> EmuMessage:
        """A copy that later edits will not change."""
        return copy.deepcopy(self)

    def to_api(self, bot_user: dict[str, Any]) -> dict[str, Any]:
        """The Bot API Message object."""
        author = self.from_user.to_api() if self.from_user is not None else bot_user
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
            "from": bot_user if self.sender == "bot" else author,
        }
        if self.chat.type == "channel":
            # A channel post has no sender user; the channel itself is the sender.
            del data["from"]
            data["sender_chat"] = self.chat.to_api()
        if self.protect_content:
            data["has_protected_content"] = True
        entities = [e.to_api(self.text) for e in self.entities]
        if self.kind == "text":
            data["text"] = self.text
            if entities:
                data["entities"] = entities
        else:
            data.update(self.extra)
            if self.text:
                data["caption"] = self.text
                if entities:
                    data["caption_entities"] = entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        return data
