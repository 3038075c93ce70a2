"""Check-ins without Telegram: the state machine, the scheduler, and the bounds."""

from __future__ import annotations

import asyncio

import pytest

from bot.checkin import plan
from bot.checkin.plan import CheckIn, PinCheck, State, Timer
from bot.checkin.scheduler import Scheduler
from bot.remembered import checkins as kept
from bot.remembered.checkins import CheckIns

SALT = b"s" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def armed(minutes: int = 60, now: float = 0.0) -> CheckIn:
    checkin = CheckIn("abc", 1, "en", minutes=minutes)
    checkin.arm(now)
    return checkin


def test_arming_sets_the_warning_the_alarm_and_the_cap():
    checkin = CheckIn("abc", 1, "en", minutes=60)
    assert checkin.timers() == {Timer.WARN: None, Timer.ALARM: None, Timer.CAP: None}
    checkin.arm(100.0)
    assert checkin.state is State.RUNNING and checkin.due == 100.0 + 3600
    assert checkin.timers() == {
        Timer.WARN: checkin.due - plan.WARN_BEFORE,
        Timer.ALARM: checkin.due + plan.GRACE,
        Timer.CAP: checkin.due + plan.HARD_CAP,
    }
    with pytest.raises(ValueError):
        checkin.arm(200.0)  # once


def test_a_short_check_in_is_warned_half_way():
    checkin = armed(minutes=10)
    assert checkin.timers()[Timer.WARN] == checkin.due - 300


@pytest.mark.parametrize("minutes", [0, plan.MAX_MINUTES + 1])
def test_durations_are_bounded(minutes):
    with pytest.raises(ValueError):
        CheckIn("abc", 1, "en", minutes=minutes).arm(0.0)


def test_extending_moves_the_due_time_and_warns_again():
    checkin = armed(minutes=30)
    checkin.warned = True
    checkin.extend(15, now=10.0)
    assert checkin.due == 45 * 60 and not checkin.warned
    checkin.extend(30, now=10_000.0)  # past due: from now
    assert checkin.due == 10_000.0 + 1800
    with pytest.raises(ValueError):
        checkin.extend(45, now=0.0)  # only +15 and +30


def test_the_alarm_is_raised_once_then_repeats_until_handled():
    checkin = armed()
    assert checkin.alarm() and not checkin.alarm()
    assert checkin.timers()[Timer.ALARM] is None and checkin.timers()[Timer.WARN] is None
    checkin.rounds = 1
    assert checkin.repeat_at(50.0) == 50.0 + plan.REPEAT_EVERY
    checkin.rounds = plan.REPEATS + 1
    assert checkin.repeat_at(50.0) is None  # the first alert and REPEATS reminders
    checkin.rounds = 1
    assert checkin.handle(7) and not checkin.handle(8)
    assert checkin.handled_by == 7 and checkin.repeat_at(50.0) is None
    assert checkin.still_to_answer([7, 8, 9]) == [8, 9]
    checkin.unreachable.add(9)
    assert checkin.still_to_answer([7, 8, 9]) == [8]


def test_nothing_to_raise_while_setting_up():
    with pytest.raises(ValueError):
        CheckIn("abc", 1, "en", minutes=30).alarm()


def test_pins_and_the_duress_pin():
    checkin = CheckIn("abc", 1, "en", minutes=30)
    assert not checkin.set_pin("5555", SALT, duress=True)  # a duress PIN needs a PIN
    assert not checkin.set_pin("12", SALT) and not checkin.set_pin("１２３４", SALT)
    assert checkin.set_pin("1234", SALT)
    assert not checkin.set_pin("1234", SALT, duress=True)  # must differ
    assert checkin.set_pin("9876", SALT, duress=True)
    assert checkin.pin != b"1234" and b"1234" not in (checkin.pin or b"")
    assert checkin.check_pin("0000", SALT) is PinCheck.WRONG and checkin.pin_tries == 1
    assert checkin.check_pin(" 1234 ", SALT) is PinCheck.SAFE and checkin.pin_tries == 0
    assert checkin.check_pin("9876", SALT) is PinCheck.DURESS


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("45", 45), ("2h", 120), ("1h30", 90), ("90 min", 90), ("720", 720), ("3 minutos", 3)],
)
def test_typed_durations(typed, minutes):
    assert plan.minutes_from(typed) == minutes


@pytest.mark.parametrize("typed", ["", "soon", "0", "721", "13h", "-5", "1h99x"])
def test_typed_durations_refused(typed):
    assert plan.minutes_from(typed) is None


# ----- the scheduler ---------------------------------------------------------------------


def test_the_heap_fires_in_order_once_and_skips_what_was_moved_or_cancelled():
    clock = Clock()
    scheduler = Scheduler(clock=clock)
    scheduler.at("a", "alarm", 1010.0)
    scheduler.at("b", "alarm", 1005.0)
    scheduler.at("c", "warn", 1001.0)
    scheduler.at("a", "alarm", 1020.0)  # moved: the first entry goes stale
    scheduler.cancel("c", "warn")
    clock.now = 1015.0
    assert [(d.key, d.kind) for d in scheduler.due()] == [("b", "alarm")]
    assert scheduler.next_in() == 5.0
    clock.now = 1020.0
    assert [(d.key, d.kind) for d in scheduler.due()] == [("a", "alarm")]
    assert scheduler.due() == [] and len(scheduler) == 0 and scheduler.next_in() is None


def test_stale_entries_do_not_pile_up():
    scheduler = Scheduler(clock=Clock())
    for i in range(50_000):
        scheduler.at("one", "alarm", 2000.0 + i)
    assert len(scheduler) == 1 and len(scheduler._heap) < 2_100


async def test_one_task_fires_due_timers_and_stops():
    clock = Clock()
    scheduler = Scheduler(clock=clock)
    fired: list[str] = []

    async def fire(due):
        fired.append(due.key)
        if due.key == "x":
            raise RuntimeError("a failure does not stop the others")

    scheduler.fire = fire
    for key in ("x", "y"):
        scheduler.at(key, "alarm", 1100.0)
    scheduler.start()
    scheduler.start()  # still one task
    clock.now = 1100.0
    scheduler.wake()
    await asyncio.sleep(0.02)
    await scheduler.settle()
    assert sorted(fired) == ["x", "y"]
    await scheduler.stop()
    assert not scheduler.running


# ----- what is kept, and its bounds --------------------------------------------------------


def test_invitations_are_random_single_use_and_expire():
    clock = Clock()
    store = CheckIns(clock=clock)
    token = store.invite(42, "en", "Sam")
    assert token is not None and "42" not in token and len(token) >= 22
    assert store.redeem(token, 42) == "self"  # one's own link: refused, still usable
    found = store.redeem(token, 7)
    assert found is not None and found.person == 42
    assert store.redeem(token, 8) is None  # once
    late = store.invite(42, "en", "")
    clock.now += kept.INVITE_SECONDS
    assert store.redeem(late, 7) is None  # 24 hours


def test_invitations_and_contacts_are_bounded_per_person():
    store = CheckIns(clock=Clock())
    tokens = [store.invite(1, "en", "") for _ in range(kept.INVITES_PER_PERSON)]
    assert None not in tokens and store.invite(1, "en", "") is None
    for contact, token in enumerate(tokens, start=100):
        made = store.pair(store.redeem(token, contact), contact, "nick", "en")
        assert not isinstance(made, str)
    assert [p.slot for p in store.contacts(1)] == [1, 2, 3]
    for _ in range(2):
        made = store.pair(store.redeem(store.invite(1, "en", ""), 200 + _), 200 + _, "n", "en")
        assert not isinstance(made, str)
    assert store.invite(1, "en", "") is None  # five contacts at most
    store.unpair(store.contacts(1)[1].handle)
    assert [p.slot for p in store.contacts(1)] == [1, 3, 4, 5]
    again = store.pair(store.redeem(store.invite(1, "en", ""), 300), 300, "n", "en")
    assert again.slot == 2  # the free slot is reused


def test_a_contact_cannot_be_paired_twice_or_with_themselves():
    store = CheckIns(clock=Clock())
    invite = store.redeem(store.invite(1, "en", ""), 2)
    assert not isinstance(store.pair(invite, 2, "n", "en"), str)
    assert store.pair(invite, 2, "n", "en") == "already"
    assert store.pair(invite, 1, "n", "en") == "self"


def test_idle_pairs_are_forgotten_after_30_days():
    clock = Clock()
    store = CheckIns(clock=clock)
    store.pair(store.redeem(store.invite(1, "en", ""), 2), 2, "nick", "en")
    clock.now += kept.PAIR_IDLE_SECONDS - 1
    assert store.expire_pairs() == 0
    clock.now += 2
    assert store.expire_pairs() == 1 and store.contacts(1) == [] and store.people_of(2) == []


def test_active_check_ins_are_bounded_and_forgotten_whole(monkeypatch):
    monkeypatch.setattr(kept, "MAX_ACTIVE", 3)
    store = CheckIns(clock=Clock())
    drafts = [store.draft(person, "en", 30) for person in range(3)]
    assert None not in drafts and store.draft(99, "en", 30) is None  # full: refused
    assert store.draft(0, "en", 60) is drafts[0]  # a draft is updated in place
    checkin = drafts[0]
    checkin.note, checkin.location = "the plan", (1.0, 2.0)
    checkin.set_pin("1234", store.pin_salt)
    checkin.arm(store.clock())
    store.schedule(checkin)
    assert store.draft(0, "en", 30) is None  # one running at a time
    assert store.running() == 1 and len(store.scheduler) == 3
    store.forget(checkin)
    assert store.active(0) is None and store.by_ident(checkin.ident) is None
    assert len(store.scheduler) == 0
    assert checkin.note == "" and checkin.location is None and checkin.pin is None
    assert store.draft(99, "en", 30) is not None  # room again


def test_keys_are_salted_hashes_not_ids():
    store = CheckIns(clock=Clock())
    store.pair(store.redeem(store.invite(123456789, "en", ""), 987654321), 987654321, "n", "en")
    store.draft(123456789, "en", 30)
    keys = store.keys()
    for key in keys:
        assert b"123456789" not in key and b"987654321" not in key and len(key) == 16
