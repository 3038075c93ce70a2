"""What /wipe and disappearing mode need: message ids only, in memory, for 48 hours.

Telegram lets a bot delete messages in a private chat for 48 hours. Lantern remembers
which message ids it sent or received in each chat, never their content, under a salted
hash of the chat, so it can delete them on request. A restart forgets everything: after
one, only messages sent from then on can be deleted (and /privacy says so).

Kept compactly so that a busy bot never has to forget one person to make room for others:
each chat's ids are one packed `bytes` (4 bytes an id, plus one 4-byte time stamp per five
minutes in which the chat had messages), under a 16-byte salted key. A chat with ten
messages costs about 190 bytes, so 1,000,000 chats in 48 hours fit in the 200 MB budget
(tests/test_safety_state.py measures it). Nothing is evicted because other people came; if
the budget is ever full, new ids are refused, the chat is marked, and /wipe tells the
person that some messages could not be deleted.
"""

from __future__ import annotations

import struct
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from bot.remembered.memory import AgedMap, SaltedKeys

KEEP_SECONDS = 48 * 3600 - 600  # a little under Telegram's 48 h, so deletes still succeed
TICK_SECONDS = 300  # ids are stamped per five minutes: an id may be let go that much early
PER_CHAT = 2_000  # ids and stamps of one chat; beyond, its oldest go (and /wipe says so)
MAX_BYTES = 200 * 2**20
LOST_BYTES = 4 * 2**20  # chats marked as having lost ids to the budget

# A record is 32-bit words: a header (the lost flag, and the tick of the newest stamp), then
# stamps (high bit set, the tick) each followed by the ids of that tick. Telegram message
# ids are positive 32-bit signed numbers, so the high bit is free.
_STAMP = 0x80000000
_TICK = 0x7FFFFFFF
_WORD = struct.Struct("=I")
_PAIR = struct.Struct("=II")
_NEW = struct.Struct("=III")


@dataclass(frozen=True, slots=True)
class Taken:
    """What /wipe can delete, and whether some of the chat's ids could not be kept."""

    ids: list[int]
    lost: bool


class MessageTrail:
    def __init__(
        self,
        *,
        keep_seconds: float = KEEP_SECONDS,
        per_chat: int = PER_CHAT,
        max_bytes: int = MAX_BYTES,
        lost_bytes: int = LOST_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        keys = SaltedKeys()
        # Monotonic by default: a wall-clock jump must not silently age every id out.
        self._clock = clock
        self._epoch = clock()
        self._chats: AgedMap[bytes] = AgedMap(
            idle_seconds=keep_seconds, max_bytes=max_bytes, clock=clock, keys=keys
        )
        # Chats that lost ids to the budget, with no record of their own to carry the flag.
        self._lost: AgedMap[bool] = AgedMap(
            idle_seconds=keep_seconds, max_bytes=lost_bytes, clock=clock, keys=keys
        )
        # If even that is full, everyone who wipes in the next 48 hours is told.
        self._overflow_until = float("-inf")
        self.keep_seconds = keep_seconds
        self.per_chat = per_chat

    def _tick(self, now: float) -> int:
        return int((now - self._epoch) // TICK_SECONDS) & _TICK

    def _alive_from(self, now: float) -> int:
        """The oldest tick whose ids are all still deletable."""
        return int((now - self.keep_seconds - self._epoch) // TICK_SECONDS) + 1

    def add(self, chat_id: int, message_id: int) -> None:
        if not 0 < message_id < _STAMP:
            return  # not a Telegram message id
        now = self._clock()
        tick = self._tick(now)

        alive_from = self._alive_from(now)

        def added(record: bytes | None) -> bytes:
            if record is None:
                record = _NEW.pack(tick, _STAMP | tick, message_id)
            else:
                recent = record[max(4, len(record) - 16) :]
                if message_id in array("I", recent):
                    # A menu edited again and again (each button press): keep it once, so a
                    # long browse cannot fill the per-chat cap with copies of one id.
                    return record
                header = _WORD.unpack_from(record)[0]
                if header & _TICK == tick:  # the common case: one more id in this block
                    record += _WORD.pack(message_id)
                else:
                    head = _WORD.pack((header & _STAMP) | tick)
                    record = head + record[4:] + _PAIR.pack(_STAMP | tick, message_id)
            first = _WORD.unpack_from(record, 4)[0] & _TICK
            if first < alive_from or len(record) // 4 - 1 > self.per_chat:
                record = self._trimmed(array("I", record), now).tobytes()
            return record

        if not self._chats.update(chat_id, added):
            self.mark_lost(chat_id)

    def _trimmed(self, words: array[int], now: float) -> array[int]:
        """Without the ids too old to delete; over the cap, without the chat's oldest.

        Over the cap it trims to nine tenths, so a long chat is not re-packed at every
        message; the chat is marked, so /wipe tells the person.
        """
        header = words[0]
        blocks = [b for b in _blocks(words) if b[0] >= self._alive_from(now)]
        size = sum(1 + len(ids) for _, ids in blocks)
        if size > self.per_chat:
            header |= _STAMP
            while blocks and size > self.per_chat * 9 // 10:
                tick, ids = blocks[0]
                drop = min(len(ids), size - self.per_chat * 9 // 10)
                if drop == len(ids):
                    blocks.pop(0)
                    size -= 1 + drop
                else:
                    blocks[0] = (tick, ids[drop:])
                    size -= drop
        out = array("I", [header])
        for tick, ids in blocks:
            out.append(_STAMP | tick)
            out.extend(ids)
        return out

    def mark_lost(self, chat_id: int) -> None:
        """Remember that some of this chat's ids could not be kept, to say so at /wipe."""
        record = self._chats.get(chat_id, touch=False)
        if record is not None:
            words = array("I", record)
            words[0] |= _STAMP
            if self._chats.put(chat_id, words.tobytes()):  # same size: always fits
                return
        if not self._lost.put(chat_id, True):
            self._overflow_until = self._clock() + self.keep_seconds

    def take(self, chat_id: int) -> Taken:
        """Every id still deletable in the chat; the chat is forgotten."""
        now = self._clock()
        record = self._chats.pop(chat_id)
        lost = self._lost.pop(chat_id) is not None or now < self._overflow_until
        if record is None:
            return Taken([], lost)
        words = array("I", record)
        alive_from = self._alive_from(now)
        ids = {i for tick, block in _blocks(words) if tick >= alive_from for i in block}
        return Taken(sorted(ids), lost or bool(words[0] & _STAMP))

    def keys(self) -> list[bytes]:
        return self._chats.keys() + self._lost.keys()

    @property
    def bytes_used(self) -> int:
        return self._chats.bytes_used + self._lost.bytes_used

    def __len__(self) -> int:
        return len(self._chats)


def _blocks(words: array[int]) -> list[tuple[int, array[int]]]:
    """(tick, ids) of each stamped block of a record, oldest first."""
    stamps = [i for i in range(1, len(words)) if words[i] & _STAMP]
    ends = [*stamps[1:], len(words)]
    return [(words[s] & _TICK, words[s + 1 : e]) for s, e in zip(stamps, ends, strict=True)]


class Vanisher:
    """Disappearing mode: which chats to wipe when, for the people who turned it on.

    To delete without a new message from the person, the chat id itself must be kept,
    in memory, only while their timer runs.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._due: dict[int, float] = {}
        self._clock = clock

    def touch(self, chat_id: int, minutes: int) -> None:
        self._due[chat_id] = self._clock() + minutes * 60

    def cancel(self, chat_id: int) -> None:
        self._due.pop(chat_id, None)

    def due(self) -> list[int]:
        now = self._clock()
        ready = [chat for chat, at in self._due.items() if at <= now]
        for chat in ready:
            del self._due[chat]
        return ready

    def __len__(self) -> int:
        return len(self._due)
