"""One Bot API call over HTTP, and what became of it.

Whether a failed call may be sent again depends on whether Telegram may have carried it
out, so every failure is sorted here, from what the connection and the answer show:

- `NotSent`: the request never reached the server (connection refused, connect or pool
  timeout). Sending it again cannot make a duplicate.
- `FateUnknown`: the connection failed after the request went out (reset, dropped, read
  timeout). Telegram may have carried it out; only the caller knows whether a duplicate
  is worse than a loss (bot.transport decides).
- `ServerError`: a 5xx answer: not carried out.
- `MethodNotFound`: 404 for a method (Telegram's answer to a method it does not have), not
  an invalid token, which is what PTB would call it.
- `AnswerUnreadable`: the call was carried out, but its answer cannot be read (not JSON,
  or not what the Bot API describes). A message may well have been sent.
- Any `"ok": false` is the error it says, whatever the HTTP status (some servers answer
  errors with 200), instead of a KeyError deep in the library.

Messages name the method and what happened ("setMyCommands: 404 Not Found"), never the
library's guess, and never anything a person sent.
"""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

MAX_DESCRIPTION = 200

# What a successful answer about a message looks like to `on_message`: (method, result).
MessageHook = Callable[[str, dict[str, Any]], None]


class Named:
    """A failure whose message Lantern wrote: the method and what happened, nothing else."""


class NotSent(Named, NetworkError):
    """The request never reached the server: safe to send again."""


class FateUnknown(Named, NetworkError):
    """The connection failed after the request went out: it may have been carried out."""


class ServerError(Named, NetworkError):
    """A 5xx answer: the call was not carried out."""


class MethodNotFound(Named, BadRequest):
    """The server does not have this method (404)."""


class Refused(Named, BadRequest):
    """Any other error answer (400, or an `ok: false` without a usable code)."""


class Denied(Named, Forbidden):
    """403: the bot may not do this (e.g. the person blocked it)."""


class AnswerUnreadable(Named, TelegramError):
    """The call was carried out, but what the server answered cannot be read."""


def _phrase(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _description(data: object) -> str:
    """The server's own explanation, if it gave one (Telegram's `description`, or the
    `message` some servers use), cut short."""
    if not isinstance(data, dict):
        return ""
    text = data.get("description") or data.get("message") or ""
    return str(text)[:MAX_DESCRIPTION] if isinstance(text, str | int | float) else ""


def error_for(method: str, code: int, data: object) -> TelegramError:
    """The exception an error answer stands for, named after the method."""
    said = _description(data)
    text = f"{method}: {_phrase(code)}" + (f" ({said})" if said else "")
    parameters = data.get("parameters") if isinstance(data, dict) else None
    if code == HTTPStatus.TOO_MANY_REQUESTS and isinstance(parameters, dict):
        retry_after = parameters.get("retry_after")
        if isinstance(retry_after, int) and not isinstance(retry_after, bool):
            return RetryAfter(retry_after)
    if code == HTTPStatus.NOT_FOUND:
        return MethodNotFound(text)
    if code == HTTPStatus.FORBIDDEN:
        return Denied(text)
    if code >= 500:
        return ServerError(text)
    return Refused(text)


def method_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context, the one httpx would make, for every client of the process.

    Each makes its own otherwise, reading the CA certificates again (about 40 ms each,
    for the four a bot starts with).
    """
    return httpx.create_ssl_context()


class LanternRequest(HTTPXRequest):
    """HTTPX requests whose failures say whether the call may have been carried out.

    `on_message` hears of every message a successful answer describes, straight from the
    answer, before the library builds objects from it: if that building fails, /wipe still
    knows the message's id.
    """

    def __init__(self, *args: Any, on_message: MessageHook | None = None, **kwargs: Any):
        kwargs["httpx_kwargs"] = {"verify": tls_context(), **(kwargs.get("httpx_kwargs") or {})}
        super().__init__(*args, **kwargs)
        self.on_message = on_message

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = method_of(url)
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except TelegramError as exc:
            if name == "getUpdates":
                raise  # the library's polling loop knows its own timeouts and retries
            raise _sorted(name, exc) from None
        if name == "getUpdates" and HTTPStatus.OK <= code <= 299:
            return code, payload  # parsed update by update (bot.app.parse_updates)
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            if HTTPStatus.OK <= code <= 299:
                raise AnswerUnreadable(f"{name}: the answer is not JSON") from None
            raise error_for(name, code, None) from None
        if HTTPStatus.OK <= code <= 299:
            if not isinstance(data, dict):
                raise AnswerUnreadable(f"{name}: the answer is not a JSON object")
            if data.get("ok") is not True or "result" not in data:
                status = data.get("error_code")
                status = status if isinstance(status, int) and status >= 400 else 400
                raise error_for(name, status, data)
            result = data["result"]
            if self.on_message is not None and isinstance(result, dict):
                self.on_message(name, result)
            return code, payload
        if code == HTTPStatus.TOO_MANY_REQUESTS or (
            name == "getMe" and code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND)
        ):
            return code, payload  # RetryAfter, or InvalidToken: the library's words are right
        raise error_for(name, code, data)


def _sorted(name: str, exc: TelegramError) -> TelegramError:
    """A connection failure, sorted by whether the request can have reached the server."""
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return NotSent(f"{name}: not sent ({type(cause).__name__})")
    if isinstance(exc, TimedOut) or isinstance(cause, httpx.HTTPError):
        reason = type(cause).__name__ if cause is not None else type(exc).__name__
        return FateUnknown(f"{name}: no answer ({reason})")
    return exc
