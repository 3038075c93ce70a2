"""Logging that cannot leak: third-party chatter capped, the token redacted everywhere.

Lantern's own code never logs message text, ids or names. Libraries might: PTB logs whole
updates at DEBUG and httpx logs request URLs (which contain the token) at INFO. So those
loggers are held at WARNING whatever level the operator picks, and every formatted line,
tracebacks included, passes through a redactor for the token.
"""

from __future__ import annotations

import logging
import re
import sys

QUIET_LIBRARIES = ("httpx", "httpcore", "telegram", "aiohttp", "asyncio", "hpack", "aiosqlite")
_TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes the token and anything shaped like a bot token."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    return _TOKEN_SHAPE.sub("<token>", text)


def configure(level: str, token: str = "", stream=None) -> logging.Handler:
    """Install Lantern's single log handler on the root logger and return it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", [token])
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
