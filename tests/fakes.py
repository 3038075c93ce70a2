"""A stand-in for PTB's HTTP layer: records every Bot API call and answers it plausibly,
and the application wired over it, as the handler tests run it."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import RequestData

from bot.app import build_application
from bot.config import Config, Secret
from bot.services import Services
from emulator.stub import InstantRequest

BOT_ID = 1000000001
BOT_USERNAME = "lantern_test_bot"
TOKEN = f"{BOT_ID}:handler-tests-token-abcdefghijklmnop"


# A test's own answer to a call: (HTTP status, body), or None to answer as usual.
Answer = Callable[[dict[str, Any]], tuple[int, bytes] | None]


def error_body(status: int, description: str) -> bytes:
    """An error answer as the Bot API words it (`ok: false` with HTTP 200 too, when asked)."""
    code = status if status >= 400 else 400
    return json.dumps({"ok": False, "error_code": code, "description": description}).encode()


class RecordingRequest(InstantRequest):
    """Answers like the Bot API would; `calls` holds (method, parameters) in order.

    `refuse` (or `answers`) makes a method fail the way some server would, so a test can
    say "deleteMessages answers 404".
    """

    def __init__(self) -> None:
        super().__init__(bot_id=BOT_ID, username=BOT_USERNAME)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Answer] = {}

    def on_call(self, name: str, params: dict[str, Any], request_data: RequestData | None) -> None:
        self.calls.append((name, params))

    def refuse(
        self,
        method: str,
        status: int = 404,
        description: str = "Not Found",
        *,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Every call of `method` (or those `when` picks) gets this error; status 200
        answers `ok: false` with HTTP 200."""

        def answer(params: dict[str, Any]) -> tuple[int, bytes] | None:
            if when is not None and not when(params):
                return None
            return status, error_body(status, description)

        self.answers[method] = answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        rule = self.answers.get(name)
        if rule is not None:
            params = dict(request_data.parameters) if request_data is not None else {}
            answered = rule(params)
            if answered is not None:
                self.on_call(name, params, request_data)
                return answered
        return await super().do_request(url, method, request_data, *args, **kwargs)

    def called(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of `method`, in order."""
        return [p for m, p in self.calls if m == method]

    def sent(self) -> list[dict[str, Any]]:
        """Messages sent or edited, in order."""
        return [p for m, p in self.calls if m in ("sendMessage", "editMessageText")]

    def last(self) -> dict[str, Any]:
        return self.sent()[-1]

    def clear(self) -> None:
        self.calls.clear()


@contextlib.asynccontextmanager
async def recorded_app(
    services: Services,
    *,
    request: RecordingRequest | None = None,
    data_dir: Path | None = None,
) -> AsyncIterator[tuple[Application, RecordingRequest]]:
    """The application over `request` (a new RecordingRequest unless given), initialized,
    with the calls made while starting cleared; shut down on the way out.

    With `data_dir`, the database there is attached before start and `services` closed
    after; without, no database, as in a deployment that has none."""
    request = RecordingRequest() if request is None else request
    config = Config(token=Secret(TOKEN))
    if data_dir is not None:
        config = Config(token=Secret(TOKEN), data_dir=data_dir)
    app = build_application(config, services, request=request)
    if data_dir is not None:
        await services.attach_store(data_dir)
    await app.initialize()
    request.clear()
    try:
        yield app, request
    finally:
        await app.shutdown()
        if data_dir is not None:
            await services.close()


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data or url) of every button of a sent message."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [
        (b["text"], b.get("callback_data") or b.get("url"))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(uid: int = 111, lang: str | None = "en", username: str | None = None) -> dict:
    data: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": "Canary"}
    if lang:
        data["language_code"] = lang
    if username:
        data["username"] = username
    return data


def private_chat(uid: int = 111) -> dict:
    return {"id": uid, "type": "private", "first_name": "Canary"}


def message_update(
    text: str | None,
    *,
    sender: dict | None = None,
    chat: dict | None = None,
    extra: dict | None = None,
    kind: str = "message",
) -> dict:
    sender = sender or user()
    chat = chat or private_chat(sender["id"])
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    message.update(extra or {})
    return {"update_id": next(_update_ids), kind: message}


def callback_update(data: str, *, sender: dict | None = None, chat: dict | None = None) -> dict:
    sender = sender or user()
    chat = chat or private_chat(sender["id"])
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lantern"},
                "text": "menu",
            },
        },
    }


async def feed(app, data: dict) -> None:
    await app.process_update(Update.de_json(data, app.bot))
