"""Per-user choices: memory only, under salted keys, bounded by bytes and by idle time.

Language and region are forgotten after an idle hour: losing them costs nothing worse than
a menu in Telegram's language. Discreet and disappearing mode are kept for 48 hours after
the person's last message, because forgetting them is a safety failure (a preview on the
lock screen, a conversation left on the phone), and 48 hours is also how long /wipe and
disappearing mode can act at all (Telegram's limit), so after that Lantern holds nothing
about anyone. Neither is ever dropped because other people came: each kind has a byte
budget, and when it is full a new setting is refused and the person is told.

Each kind is one small int per person: 80 to 110 bytes with its key as measured with
tracemalloc, 144 as the budget counts it. Language and region, kept an idle hour, have
64 MB: at least 466,000 people an hour. Discreet and disappearing mode, kept 48 hours, have
144 MB: at least 1,048,000 people in 48 hours (tests/test_safety_state.py checks the count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.remembered.memory import AgedMap, SaltedKeys

IDLE_SECONDS = 3600.0  # language and region
SAFETY_SECONDS = 48 * 3600.0  # discreet and disappearing mode
CHOICE_BYTES = 64 * 2**20
SAFETY_BYTES = 144 * 2**20
MAX_NAMES = 4095  # distinct languages and regions: a few dozen in any real deployment
_UNSET = object()


@dataclass(slots=True)
class Pref:
    lang: str | None = None
    region: str | None = None
    discreet: bool = False
    vanish_minutes: int | None = None
    kept: bool = True  # False when the budget was full and the last change was not kept


class Preferences:
    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        safety_seconds: float = SAFETY_SECONDS,
        choice_bytes: int = CHOICE_BYTES,
        safety_bytes: int = SAFETY_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        keys = SaltedKeys()
        # (language code index + 1) | (region index + 1) << 12; 0 means not chosen.
        self._choices: AgedMap[int] = AgedMap(
            idle_seconds=idle_seconds, max_bytes=choice_bytes, clock=clock, keys=keys
        )
        # discreet | minutes << 1
        self._safety: AgedMap[int] = AgedMap(
            idle_seconds=safety_seconds, max_bytes=safety_bytes, clock=clock, keys=keys
        )
        # Language codes and region slugs, each stored once, so a person's record is an int.
        self._names: list[str] = []
        self._codes: dict[str, int] = {}

    def _code(self, name: str | None) -> int | None:
        if name is None:
            return 0
        code = self._codes.get(name)
        if code is None:
            if len(self._names) >= MAX_NAMES:
                return None
            self._names.append(name)
            code = self._codes[name] = len(self._names)
        return code

    def _name(self, code: int) -> str | None:
        return self._names[code - 1] if code else None

    def _read(self, user_id: int, touch: bool) -> Pref | None:
        choices = self._choices.get(user_id, touch=touch)
        safety = self._safety.get(user_id, touch=touch)
        if choices is None and safety is None:
            return None
        choices, safety = choices or 0, safety or 0
        return Pref(
            lang=self._name(choices & 0xFFF),
            region=self._name(choices >> 12),
            discreet=bool(safety & 1),
            vanish_minutes=(safety >> 1) or None,
        )

    def get(self, user_id: int) -> Pref | None:
        """The person's choices; counts as activity, so they are kept longer."""
        return self._read(user_id, True)

    def peek(self, user_id: int) -> Pref | None:
        """Like get, without counting as activity."""
        return self._read(user_id, False)

    def set(
        self,
        user_id: int,
        *,
        lang: object = _UNSET,
        region: object = _UNSET,
        discreet: object = _UNSET,
        vanish_minutes: object = _UNSET,
    ) -> Pref:
        """Change some choices; the result says whether they could be kept."""
        pref = self.get(user_id) or Pref()
        if lang is not _UNSET:
            pref.lang = lang  # type: ignore[assignment]
        if region is not _UNSET:
            pref.region = region  # type: ignore[assignment]
        if discreet is not _UNSET:
            pref.discreet = bool(discreet)
        if vanish_minutes is not _UNSET:
            pref.vanish_minutes = vanish_minutes  # type: ignore[assignment]
        kept = True
        if lang is not _UNSET or region is not _UNSET:
            lang_code, region_code = self._code(pref.lang), self._code(pref.region)
            if lang_code is None or region_code is None:
                kept = False
            else:
                kept = self._store(self._choices, user_id, lang_code | region_code << 12)
        if discreet is not _UNSET or vanish_minutes is not _UNSET:
            packed = int(pref.discreet) | (pref.vanish_minutes or 0) << 1
            kept = self._store(self._safety, user_id, packed) and kept
        if kept:
            return pref
        now = self.peek(user_id) or Pref()
        now.kept = False
        return now

    @staticmethod
    def _store(where: AgedMap[int], user_id: int, packed: int) -> bool:
        if packed == 0:
            where.pop(user_id)  # nothing chosen: nothing to remember
            return True
        return where.put(user_id, packed)

    def keys(self) -> list[bytes]:
        return sorted(set(self._choices.keys()) | set(self._safety.keys()))

    @property
    def bytes_used(self) -> int:
        return self._choices.bytes_used + self._safety.bytes_used

    def __len__(self) -> int:
        return len(self.keys())
