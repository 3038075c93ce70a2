"""Webhook mode: Telegram posts updates to us instead of us asking for them.

- The path is random for each start (never the token), and every request must carry
  Telegram's secret_token header; anything else gets 403 and is forgotten.
- No request body, header or client address is logged (the access log is off).
- GET /healthz answers "ok" for container health checks, with the number of active
  check-ins (a count only) in the X-Lantern-Checkins header.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import stop_application

log = logging.getLogger("lantern.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


def make_path() -> str:
    return "/telegram/" + secrets.token_urlsafe(24)


def web_app(application: Application, path: str, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return web.Response(status=413)
        try:
            data = json.loads(raw)
            # Valid JSON that is not an object ([], "x", 1) is no update either.
            if not isinstance(data, dict):
                return web.Response(status=400)
            update = Update.de_json(data, application.bot)
        except Exception as exc:
            # Whatever the body holds, a malformed update is the sender's fault: a 400, and
            # no traceback (a traceback's locals and messages could quote the update). The
            # type alone tells an operator what happened.
            log.warning("webhook: unreadable update (%s)", type(exc).__name__)
            return web.Response(status=400)
        if update is not None:
            await application.update_queue.put(update)
        return web.Response(text="ok")

    async def healthz(request: web.Request) -> web.Response:
        # A count only (check-ins live in this process's memory; `lantern doctor`, a
        # separate process, cannot see them): say how many a restart would cancel.
        services = application.bot_data.get("lantern")
        count = services.checkins.running() if services is not None else 0
        return web.Response(
            text="ok" if application.running else "starting",
            status=200 if application.running else 503,
            headers={"X-Lantern-Checkins": str(count)},
        )

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app


async def serve(
    application: Application,
    *,
    public_url: str,
    listen_host: str,
    listen_port: int,
    secret: str,
    allowed_updates: list[str],
    until: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run the bot behind a webhook until `until` returns (default: SIGTERM or SIGINT)."""
    path = make_path()
    runner = web.AppRunner(web_app(application, path, secret), access_log=None)
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.bot.set_webhook(
        url=public_url.rstrip("/") + path,
        secret_token=secret,
        allowed_updates=allowed_updates,
        drop_pending_updates=False,
    )
    await application.start()
    await runner.setup()
    site = web.TCPSite(runner, listen_host, listen_port)
    await site.start()
    log.info("webhook listening on port %s", listen_port)
    try:
        await (until() if until is not None else _signal())
    finally:
        await runner.cleanup()
        await stop_application(application)


async def _signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
