"""The Bot API answered at once, in process: for handler tests and benchmarks.

No network and no checks (the HTTP emulator does those); every call gets the answer
Telegram would plausibly give, so PTB can carry on. Subclasses choose what to record and
what getUpdates returns.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

NO_UPDATES = b'{"ok":true,"result":[]}'


class InstantRequest(BaseRequest):
    def __init__(self, *, bot_id: int = 1000000001, username: str = "lantern_test_bot") -> None:
        self.bot_id = bot_id
        self.username = username
        self._ids = itertools.count(100)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def on_call(self, name: str, params: dict[str, Any], request_data: RequestData | None) -> None:
        """Hook: see every call before it is answered."""

    async def updates(self) -> bytes:
        """Hook: the body getUpdates answers with."""
        return NO_UPDATES

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.on_call(name, params, request_data)
        if name == "getUpdates":
            return 200, await self.updates()
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Lantern",
                "username": self.username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if name.startswith(("send", "edit")) and "chat_id" in params:
            message = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private"},
                "text": str(params.get("text", "")),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True
