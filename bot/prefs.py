"""Per-user choices (language, region): memory only, bounded, forgotten after an idle hour.

Keys are a keyed hash of the Telegram user id with a salt made fresh at every start, so
even this process's memory holds no list of who used the bot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

IDLE_SECONDS = 3600.0
MAX_USERS = 20_000
_UNSET = object()


@dataclass(slots=True)
class Pref:
    lang: str | None = None
    region: str | None = None
    discreet: bool = False
    vanish_minutes: int | None = None
    touched: float = 0.0


class Preferences:
    def __init__(
        self,
        *,
        max_users: int = MAX_USERS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._salt = secrets.token_bytes(32)
        self._items: OrderedDict[bytes, Pref] = OrderedDict()
        self.max_users = max_users
        self.idle_seconds = idle_seconds
        self._clock = clock

    def _key(self, user_id: int) -> bytes:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).digest()[:16]

    def _expire(self, now: float) -> None:
        while self._items:
            key, pref = next(iter(self._items.items()))
            if now - pref.touched < self.idle_seconds:
                break
            del self._items[key]

    def get(self, user_id: int) -> Pref | None:
        now = self._clock()
        self._expire(now)
        key = self._key(user_id)
        pref = self._items.get(key)
        if pref is not None:
            pref.touched = now
            self._items.move_to_end(key)
        return pref

    def peek(self, user_id: int) -> Pref | None:
        """Like get, without counting as activity."""
        pref = self._items.get(self._key(user_id))
        if pref is not None and self._clock() - pref.touched >= self.idle_seconds:
            return None
        return pref

    def set(
        self,
        user_id: int,
        *,
        lang: object = _UNSET,
        region: object = _UNSET,
        discreet: object = _UNSET,
        vanish_minutes: object = _UNSET,
    ) -> Pref:
        now = self._clock()
        self._expire(now)
        key = self._key(user_id)
        pref = self._items.pop(key, None) or Pref()
        if lang is not _UNSET:
            pref.lang = lang  # type: ignore[assignment]
        if region is not _UNSET:
            pref.region = region  # type: ignore[assignment]
        if discreet is not _UNSET:
            pref.discreet = bool(discreet)
        if vanish_minutes is not _UNSET:
            pref.vanish_minutes = vanish_minutes  # type: ignore[assignment]
        pref.touched = now
        self._items[key] = pref
        while len(self._items) > self.max_users:
            self._items.popitem(last=False)
        return pref

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._items)
