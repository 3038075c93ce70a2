"""In-memory safety state: message ids for /wipe, disappearing timers, flood buckets."""

from __future__ import annotations

from bot.outgoing import Outgoing
from bot.remembered.flood import FloodGuard
from bot.remembered.prefs import Preferences
from bot.remembered.trail import KEEP_SECONDS, MessageTrail, Taken, Vanisher


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_trail_keeps_ids_only_under_hashed_keys_and_forgets_after_taking():
    trail = MessageTrail()
    for message_id in (5, 6, 7):
        trail.add(123456789, message_id)
    keys = trail.keys()
    assert keys and all(len(k) == 16 and b"123456789" not in k for k in keys)
    assert trail.take(123456789).ids == [5, 6, 7]
    assert trail.take(123456789).ids == []
    assert len(trail) == 0


def test_trail_drops_ids_too_old_to_delete_and_caps_one_chat_only():
    clock = Clock()
    trail = MessageTrail(clock=clock, per_chat=10)
    trail.add(1, 10)
    clock.now += KEEP_SECONDS + 1
    trail.add(1, 11)
    assert trail.take(1) == Taken([11], lost=False)
    trail.add(3, 99)
    for message_id in range(100, 120):
        trail.add(2, message_id)
    taken = trail.take(2)
    # The newest are kept, the oldest go, and /wipe will say so; other chats are untouched.
    assert taken.lost and taken.ids == list(range(120 - len(taken.ids), 120))
    assert 5 <= len(taken.ids) < 10
    assert trail.take(3) == Taken([99], lost=False)


def test_vanisher_fires_once_after_quiet_time():
    clock = Clock()
    vanisher = Vanisher(clock=clock)
    vanisher.touch(42, 5)
    clock.now += 299
    assert vanisher.due() == []
    vanisher.touch(42, 5)  # new activity pushes it back
    clock.now += 299
    assert vanisher.due() == []
    clock.now += 2
    assert vanisher.due() == [42]
    assert vanisher.due() == []


def test_flood_guard_warns_once_then_drops_then_recovers():
    clock = Clock()
    guard = FloodGuard(burst=3, per_second=1.0, clock=clock)
    verdicts = [guard.check(7) for _ in range(6)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert guard.check(8) == "ok"  # someone else is unaffected
    clock.now += 2
    assert guard.check(7) == "ok"
    keys = guard.keys()
    assert keys and all(len(k) == 16 for k in keys)  # hashed keys, not ids


def test_flood_guard_is_bounded():
    guard = FloodGuard(max_people=50)
    for user in range(1000):
        guard.check(user)
    assert len(guard) == 50


def test_discreet_line_only_for_people_who_chose_it():
    prefs = Preferences()
    outgoing = Outgoing(prefs, MessageTrail(), Vanisher())
    assert outgoing.text(5, "<b>Card</b>") == "<b>Card</b>"
    prefs.set(5, discreet=True, lang="es")
    assert outgoing.text(5, "<b>Card</b>") == "🗒 Nota\n\n<b>Card</b>"
    assert outgoing.text(5, "🗒 Nota\n\nx") == "🗒 Nota\n\nx"  # never twice
    assert outgoing.text(-100, "group text") == "group text"
