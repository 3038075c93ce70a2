"""Limits against flooding, and showing untrusted text safely to moderators."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime


class DailyLimiter:
    """At most `per_day` actions per person per day, remembered only in memory.

    People are counted under a keyed hash whose key is replaced every day, so yesterday's
    counts cannot be linked to today's, and nothing survives a restart.
    """

    def __init__(
        self,
        per_day: int,
        *,
        max_people: int = 50_000,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.per_day = per_day
        self.max_people = max_people
        self._today = today
        self._day: date | None = None
        self._salt = b""
        self._counts: dict[bytes, int] = {}

    def _rotate(self) -> None:
        day = self._today()
        if day != self._day:
            self._day = day
            self._salt = secrets.token_bytes(32)
            self._counts = {}

    def allow(self, user_id: int) -> bool:
        """Count one action; False once the day's allowance is used up."""
        self._rotate()
        key = hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).digest()[:16]
        count = self._counts.get(key, 0)
        if count >= self.per_day:
            return False
        if key not in self._counts and len(self._counts) >= self.max_people:
            return False  # a flood of new senders: refuse rather than grow without bound
        self._counts[key] = count + 1
        return True

    def __len__(self) -> int:
        self._rotate()
        return len(self._counts)


_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.I)


def defang(text: str) -> str:
    """Links in anonymous text made unclickable: 'https://x.org' -> 'hxxps://x[.]org'."""

    def neuter(match: re.Match[str]) -> str:
        link = match.group(0)
        link = re.sub(r"^http", "hxxp", link, flags=re.I)
        link = re.sub(r"^ftp", "fxp", link, flags=re.I)
        return link.replace(".", "[.]")

    return _URL.sub(neuter, text)
