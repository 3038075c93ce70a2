"""The last line of defence: log a failure without a trace of who or what caused it."""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.handlers.common import new_incident

log = logging.getLogger("lantern.errors")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs for errors outside handlers (network, polling); never logs the update."""
    error = context.error
    log.error(
        "incident=%s handler=%s error=%s",
        new_incident(),
        "application" if update is None else "update",
        type(error).__name__ if error is not None else "unknown",
    )
