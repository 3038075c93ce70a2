"""Per-user choices (language, region, privacy settings): memory only, bounded, forgotten
after an idle hour."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.memory import ExpiringMap

IDLE_SECONDS = 3600.0
MAX_USERS = 20_000
_UNSET = object()


@dataclass(slots=True)
class Pref:
    lang: str | None = None
    region: str | None = None
    discreet: bool = False
    vanish_minutes: int | None = None


class Preferences:
    def __init__(
        self,
        *,
        max_users: int = MAX_USERS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._map: ExpiringMap[Pref] = ExpiringMap(
            limit=max_users, idle_seconds=idle_seconds, clock=clock
        )

    def get(self, user_id: int) -> Pref | None:
        return self._map.get(user_id)

    def peek(self, user_id: int) -> Pref | None:
        """Like get, without counting as activity."""
        return self._map.get(user_id, touch=False)

    def set(
        self,
        user_id: int,
        *,
        lang: object = _UNSET,
        region: object = _UNSET,
        discreet: object = _UNSET,
        vanish_minutes: object = _UNSET,
    ) -> Pref:
        pref = self._map.get(user_id) or Pref()
        if lang is not _UNSET:
            pref.lang = lang  # type: ignore[assignment]
        if region is not _UNSET:
            pref.region = region  # type: ignore[assignment]
        if discreet is not _UNSET:
            pref.discreet = bool(discreet)
        if vanish_minutes is not _UNSET:
            pref.vanish_minutes = vanish_minutes  # type: ignore[assignment]
        return self._map.put(user_id, pref)

    def keys(self) -> list[bytes]:
        return self._map.keys()

    def __len__(self) -> int:
        return len(self._map)
