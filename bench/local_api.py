"""A lean Bot API on 127.0.0.1, for the update path over real HTTP (bench/updates_bench.py).

It answers every method as the in-process stub does (`emulator.stub.InstantRequest`
builds the answers, so both runs get the same bytes back) and serves the prepared
updates to getUpdates in batches of 100, from the offset the bot confirms. It checks
nothing and records only a count per method: the project's emulator
(`emulator/server.py`) checks every call against the Bot API spec and Lantern's rules,
keeps every chat's history and refuses chats it was not told about, which would measure
the emulator rather than the bot. No access log (request lines carry the token), and
nothing else is logged.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import socket
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from emulator.stub import NO_UPDATES, InstantRequest

EMPTY_POLL_WAIT = 0.02  # as the stub: a long poll with nothing new, briefly


class LocalBotAPI:
    """Serves `batches` (getUpdates answers, in order) and answers everything else."""

    def __init__(self, batches: Sequence[bytes], *, bot_id: int, username: str) -> None:
        self._batches = list(batches)
        self._last_ids = [json.loads(b)["result"][-1]["update_id"] for b in self._batches]
        self._answers = InstantRequest(bot_id=bot_id, username=username)
        self._runner: web.AppRunner | None = None
        self.calls: Counter[str] = Counter()
        self.first_batch_at: float | None = None
        self.api_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, handler_cancellation=True
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.api_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        self.calls[name] += 1
        form = await request.post()
        if name == "getUpdates":
            return web.Response(body=await self._updates(form), content_type="application/json")
        params: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        for key in ("chat_id", "message_id"):
            if params.get(key, "").lstrip("-").isdigit():
                params[key] = int(params[key])
        if "reply_markup" in params:
            params["reply_markup"] = json.loads(params["reply_markup"])
        body = json.dumps({"ok": True, "result": self._answers.result(name, params)})
        return web.Response(body=body.encode(), content_type="application/json")

    async def _updates(self, form: Any) -> bytes:
        offset = int(form.get("offset") or 0)
        at = bisect.bisect_left(self._last_ids, offset)  # first batch not yet confirmed
        if at < len(self._batches):
            if self.first_batch_at is None:
                self.first_batch_at = time.perf_counter()
            return self._batches[at]
        await asyncio.sleep(EMPTY_POLL_WAIT)
        return NO_UPDATES
