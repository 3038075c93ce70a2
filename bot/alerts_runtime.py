"""Safety alerts at run time: the desk (moderation/alerts), the per-person limits kept in
memory only, and the background work (channel posts, expiry) the bot starts and stops.

Settings, per deployment (environment):
- LANTERN_ALERT_NUMBER_CHECK=1 turns on "check a number" (off by default). It also needs
  the moderator key (LANTERN_MODERATOR_KEY_FILE or LANTERN_MODERATOR_KEY), from which the
  number key is derived; a key kept in the data directory does not count.
- LANTERN_ALERT_EXPIRY_DAYS="365,182,30": days an alert lives, for high (violence, sexual
  assault), medium (robbery, blackmail, fraud, stalking, police) and low (time-wasters).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from moderation.alerts import AlertDesk, AlertSettings
from moderation.alerts.model import HIGH, LOW, MEDIUM
from moderation.limits import DailyLimiter
from moderation.store import Store

REPORTS_PER_DAY = 3
LOOKUPS_PER_DAY = 30
SWEEP_SECONDS = 3600.0
log = logging.getLogger("lantern.alerts")


@dataclass
class AlertRuntime:
    desk: AlertDesk
    # Per person, in memory only, under a key that changes every day (moderation/limits).
    reports: DailyLimiter = field(default_factory=lambda: DailyLimiter(REPORTS_PER_DAY))
    lookups: DailyLimiter = field(default_factory=lambda: DailyLimiter(LOOKUPS_PER_DAY))
    sweep_seconds: float = SWEEP_SECONDS
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def poke(self) -> None:
        """Something was queued for a channel: the publisher looks now."""
        self.wake.set()

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks.clear()

    async def stopped(self) -> None:
        tasks, self.tasks = list(self.tasks), []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def settings_from(environ: Mapping[str, str]) -> AlertSettings:
    days = dict(AlertSettings().expiry_days)
    raw = environ.get("LANTERN_ALERT_EXPIRY_DAYS", "").strip()
    if raw:
        try:
            high, medium, low = (int(part) for part in raw.split(","))
            if min(high, medium, low) < 1:
                raise ValueError
            days = {HIGH: high, MEDIUM: medium, LOW: low}
        except ValueError:
            log.warning("LANTERN_ALERT_EXPIRY_DAYS is not three whole days; using the defaults")
    number_check = environ.get("LANTERN_ALERT_NUMBER_CHECK", "").strip().lower() in (
        "1",
        "yes",
        "true",
        "on",
    )
    return AlertSettings(expiry_days=days, number_check=number_check)


def number_key(data_dir: Path) -> bytes | None:
    """The moderator key, for deriving the number key; None if there is none, or if it
    sits in the data directory (where it would protect nothing)."""
    from bot.config import Config, ConfigError
    from moderation.identity import ModeratorKeyError

    try:
        found = Config.from_env().find_moderator_key(data_dir)
    except (ConfigError, ModeratorKeyError):
        return None
    if found is None or found.in_data_dir or found.legacy_file:
        return None
    return found.key


async def open_alerts(store: Store, data_dir: Path, now: Callable[[], datetime]) -> AlertRuntime:
    settings = settings_from(os.environ)
    key = number_key(data_dir) if settings.number_check else None
    if settings.number_check and key is None:
        log.warning(
            "LANTERN_ALERT_NUMBER_CHECK is on but no moderator key is configured outside the "
            "data directory: 'check a number' stays off"
        )
    desk = AlertDesk(store, settings=settings, number_key=key, now=now)
    await desk.load()
    return AlertRuntime(desk)
