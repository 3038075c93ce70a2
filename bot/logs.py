"""Logging that cannot leak: third-party chatter capped, the token redacted everywhere.

Lantern's own code never logs message text, ids or names. Libraries might: PTB logs whole
updates at DEBUG and httpx logs request URLs (which contain the token) at INFO. So those
loggers are held at WARNING whatever level the operator picks, and every formatted line,
tracebacks included, passes through a redactor for the token.

Holding libraries at WARNING is not enough: PTB logs a whole unparseable batch of updates
at CRITICAL, and an exception's message can quote what caused it. So a record from any
logger outside Lantern is written without its arguments and without its exception's
message or traceback: its logger, its fixed message template and the exception's type.
"""

from __future__ import annotations

import logging
import re
import sys

QUIET_LIBRARIES = ("httpx", "httpcore", "telegram", "aiohttp", "asyncio", "hpack", "aiosqlite")
_MAX_LIBRARY_LINE = 160
_TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes the token and anything shaped like a bot token."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        if not _is_ours(record.name):
            _withhold(record)  # in case a record was made before the factory was in place
        return redact(super().format(record), self._secrets)


def _is_ours(name: str) -> bool:
    return name == "lantern" or name.startswith("lantern.")


def _withhold(record: logging.LogRecord) -> None:
    """Strip a library's record of anything that could carry data: keep its template and
    the type of its exception only."""
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    if record.args:
        template = f"{template} [details withheld]"
    else:
        # A message built before logging (asyncio's "Task exception was never retrieved")
        # puts what it quotes on later lines: keep the first line, and not all of it.
        first = template.split("\n", 1)[0]
        template = (
            first[:_MAX_LIBRARY_LINE]
            if first == template
            else f"{first[:_MAX_LIBRARY_LINE]} [details withheld]"
        )
    error = record.exc_info[1] if record.exc_info else None
    if error is not None:
        template = f"{template} ({type(error).__name__})"
    record.msg = template
    record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


_library_records_withheld = False


def withhold_library_details() -> None:
    """From now on, every log record made outside Lantern's own loggers is stripped as it
    is made, so no handler (ours, an operator's, a test's) can ever see its data."""
    global _library_records_withheld
    if _library_records_withheld:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if not _is_ours(record.name):
            _withhold(record)
        return record

    logging.setLogRecordFactory(factory)
    _library_records_withheld = True


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    return _TOKEN_SHAPE.sub("<token>", text)


def configure(level: str, token: str = "", stream=None) -> logging.Handler:
    """Install Lantern's single log handler on the root logger and return it."""
    withhold_library_details()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", [token])
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Warnings (e.g. "coroutine ... was never awaited") go through the same handler, not
    # straight to stderr.
    logging.captureWarnings(True)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
