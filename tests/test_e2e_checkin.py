"""End to end over HTTP against the emulator: 🤝 check-ins with trusted contacts.

A fake clock drives the check-in scheduler (moved, then `wake()`d: no sleeps). After each
check-in ends, canary strings from the plan, the nickname and the location are looked for
in everything reachable from the bot's services, in every log record at DEBUG and in every
file of the data directory.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time

import pytest

from bot import callbacks, logs
from bot.app import stop_application
from bot.callbacks import Op
from bot.remembered.checkins import CheckIns
from bot.remembered.flood import FloodGuard
from bot.services import Services
from emulator.models import EmuMessage
from tests.conftest import TODAY
from tests.live import live_bot
from tests.test_search_memory import reachable

TOKEN = "7000000017:e2e-checkin-token-0123456789abcdefgh"
NOTE = "CANARYNOTE4e1 at the Harbour Inn room 12, call me then come"
NICK = "Canarynick8b2"
LAT, LON = 51.123457, -0.987653
WHERE = "51.12346, -0.98765"  # as the alert shows it
CANARIES = ("CANARYNOTE4e1", "Harbour Inn", NICK, WHERE, "51.12346", "51.123457")


class FakeClock:
    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logs.configure("DEBUG", TOKEN, stream=stream)
    raw = io.StringIO()
    raw_handler = logging.StreamHandler(raw)
    raw_handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(raw_handler)
    yield stream, raw
    logging.getLogger().removeHandler(raw_handler)
    logging.getLogger().removeHandler(handler)


@pytest.fixture
async def live(shipped_kb, tmp_path, captured):
    clock = FakeClock()
    services = Services(
        shipped_kb,
        today=lambda: TODAY,
        checkins=CheckIns(clock=clock),
        flood=FloodGuard(burst=10**6),
    )
    async with live_bot(TOKEN, services, data_dir=tmp_path / "data") as running:
        yield running, clock, tmp_path / "data", captured


def data(action: str, *args: object) -> str:
    return callbacks.encode(Op.CHECKIN, action, *args)


async def shown(emu, user, needle: str, since: int = 0) -> EmuMessage:
    """The newest message or edit in the user's chat since `since` (a cursor) that
    contains `needle`, waiting for it."""
    events = emu._events.setdefault(user.id, [])

    def found() -> list[EmuMessage]:
        return [m for m in events[since:] if needle in m.text]

    assert await emu.wait_until(lambda: bool(found())), (
        f"no {needle!r}; last: {[m.text[:80] for m in events[-3:]]}"
    )
    return found()[-1]


async def say(emu, user, text: str, expect: str | None = None) -> EmuMessage | None:
    since = emu.cursor(user.id)
    sent = await emu.send_text(user, text)
    if expect is not None:
        await shown(emu, user, expect, since)
    return sent


async def press(emu, user, callback: str, expect: str | None = None) -> None:
    """Press the newest bot message's button with this data."""
    since = emu.cursor(user.id)
    for message in reversed(emu.bot_messages(user.id)):
        if message.find_button(callback) is not None:
            await emu.press(user, message, callback)
            break
    else:
        raise AssertionError(f"no button {callback!r}")
    if expect is not None:
        await shown(emu, user, expect, since)


async def send_location(emu, user) -> EmuMessage:
    chat = emu.private_chat(user)
    message = emu._store(
        EmuMessage(
            emu._next_message_id(chat.id),
            chat,
            "user",
            int(time.time()),
            kind="location",  # type: ignore[arg-type]
            from_user=user,
            extra={"location": {"latitude": LAT, "longitude": LON}},
        )
    )
    emu._user_update(user, {"message": message.to_api(emu.bot_user())})
    return message


async def pair(emu, person, friend, *, nick: str | None = NICK) -> str:
    """The person makes a link (choosing their nickname, or not); the friend opens it."""
    await say(emu, person, "/checkin", "Check-in")
    await press(emu, person, data("new"), "What name does your friend know you by")
    since = emu.cursor(person.id)
    if nick is None:
        await press(emu, person, data("nn"))
    else:
        await emu.send_text(person, nick)
    invite = await shown(emu, person, "Send this link to your friend", since)
    payload = re.search(r"start=(k_[A-Za-z0-9_-]+)", invite.text).group(1)
    since, heard = emu.cursor(person.id), emu.cursor(friend.id)
    if nick is None:
        await say(emu, friend, f"/start {payload}", "What do you call them")
        heard = emu.cursor(friend.id)
        await emu.send_text(friend, NICK)
    else:
        await emu.send_text(friend, f"/start {payload}")
    await shown(emu, friend, "Test message", heard)
    await shown(emu, person, "is paired", since)
    return payload


async def start_checkin(emu, person, *, minutes: int = 30, note: bool = True) -> None:
    await say(emu, person, "/checkin", "Start a check-in")
    await press(emu, person, data("go"), "How long")
    await press(emu, person, data("d", minutes), "type your plan")
    if note:
        await say(emu, person, NOTE, "Plan: saved")
        since = emu.cursor(person.id)
        await send_location(emu, person)
        await shown(emu, person, "Got your location", since)


async def go(emu, person) -> None:
    await press(emu, person, data("st"), "Check-in started")


async def set_pins(emu, person, pin: str, duress: str | None) -> list[EmuMessage]:
    await press(emu, person, data("pin"), "Type a PIN")
    typed = [await say(emu, person, pin, "duress PIN")]
    if duress is None:
        await press(emu, person, data("sd"), "PIN: set")
    else:
        typed.append(await say(emu, person, duress, "Duress PIN set"))
    return typed


async def advance(live, clock, seconds: float) -> None:
    """Move the fake clock, let the scheduler take what is due, wait for it to be done."""
    clock.now += seconds
    scheduler = live.services.checkins.scheduler
    scheduler.wake()
    await asyncio.sleep(0.02)  # the scheduler's task runs (emu.idle() may not yield)
    await scheduler.settle()
    await live.emu.idle()


def assert_forgotten(live, data_dir, captured, *, nick_too: bool = False) -> None:
    """Nothing of the check-in is left: memory, logs at DEBUG, the data directory."""
    services = live.services
    assert services.checkins.all_active() == []
    assert len(services.checkins.scheduler) == 0
    strings, _ = reachable(services)
    strings |= reachable(live.app.bot_data)[0]
    canaries = [c for c in CANARIES if nick_too or c != NICK]
    for canary in canaries:
        assert not [s for s in strings if canary in s], f"{canary!r} still in memory"
    logged = captured[0].getvalue() + captured[1].getvalue()
    for canary in CANARIES:
        assert canary not in logged
    for path in data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            for canary in CANARIES:
                assert canary.encode() not in raw, path


def deleted(emu, user, message_id: int) -> bool:
    return any(m.message_id == message_id and m.deleted for m in emu.messages(user.id))


# ----- the tests -------------------------------------------------------------------------


def alerts_in(emu, user, needle: str = "didn't check in") -> list[EmuMessage]:
    return [m for m in emu.messages(user.id) if m.sender == "bot" and needle in m.text]


async def test_pairing_sends_a_test_message_and_the_link_works_once(live):
    running, _clock, data_dir, captured = live
    emu, checkins = running.emu, running.services.checkins
    ana, sam, eve = emu.new_user("Ana"), emu.new_user("Sam"), emu.new_user("Eve")
    payload = await pair(emu, ana, sam)
    test = await shown(emu, sam, "Test message")
    assert NICK in test.text
    assert test.find_button("Stop being their contact") is not None
    # Single use: a second friend gets "doesn't work", and nothing is paired.
    await say(emu, eve, f"/start {payload}", "doesn't work any more")
    assert [p.slot for p in checkins.contacts(ana.id)] == [1]
    # A friend who chooses the nickname themselves.
    await pair(emu, ana, eve, nick=None)
    assert [p.slot for p in checkins.contacts(ana.id)] == [1, 2]
    # Either side can unpair: Sam leaves (Ana is told), Ana removes Eve (Eve is told).
    since = emu.cursor(ana.id)
    await press(emu, sam, data("cu", checkins.contacts(ana.id)[0].handle), "no longer their")
    await shown(emu, ana, "Contact 1 stopped being your check-in contact", since)
    handle = checkins.contacts(ana.id)[0].handle
    await say(emu, ana, "/checkin", "Your contacts: Contact 2")
    await press(emu, ana, data("ls"), "Your contacts")
    since = emu.cursor(eve.id)
    await press(emu, ana, data("up", handle))
    await shown(emu, eve, "removed you as their check-in contact", since)
    assert checkins.contacts(ana.id) == []
    assert_forgotten(running, data_dir, captured, nick_too=True)


async def test_a_safe_check_in_with_a_pin_deletes_the_typed_pin(live):
    running, clock, data_dir, captured = live
    emu, checkins = running.emu, running.services.checkins
    ana, sam = emu.new_user("Ana"), emu.new_user("Sam")
    await pair(emu, ana, sam)
    await start_checkin(emu, ana)
    typed = await set_pins(emu, ana, "4321", None)
    await go(emu, ana)
    since = emu.cursor(ana.id)
    await advance(running, clock, 20 * 60)  # "Still OK?" ten minutes before the end
    await shown(emu, ana, "Still OK?", since)
    await press(emu, ana, data("ok", checkins.active(ana.id).ident), "Type your PIN")
    wrong = await say(emu, ana, "9999", "isn't right")
    right = await say(emu, ana, "4321", "Checked in. Glad you're OK")
    for message in [*typed, wrong, right]:
        assert deleted(emu, ana, message.message_id), "a typed PIN is deleted at once"
    # The plan and the location the person sent are deleted too; Sam was never alerted.
    assert all(m.deleted for m in emu.messages(ana.id) if m.sender == "user" and NOTE in m.text)
    await advance(running, clock, 3600)
    assert alerts_in(emu, sam) == []
    assert_forgotten(running, data_dir, captured)


async def test_a_missed_check_in_alerts_two_contacts_and_one_handles_it(live):
    running, clock, data_dir, captured = live
    emu, checkins = running.emu, running.services.checkins
    ana, sam, eve = emu.new_user("Ana"), emu.new_user("Sam"), emu.new_user("Eve")
    await pair(emu, ana, sam)
    await pair(emu, ana, eve)
    await start_checkin(emu, ana)
    await go(emu, ana)
    await advance(running, clock, 30 * 60)
    assert alerts_in(emu, sam) == []  # due, but within the grace
    since = emu.cursor(ana.id)
    await advance(running, clock, 5 * 60)  # due + grace
    alerts = [await shown(emu, who, "didn't check in") for who in (sam, eve)]
    for alert in alerts:
        assert NICK in alert.text and "CANARYNOTE4e1" in alert.text and WHERE in alert.text
        assert "openstreetmap.org" in alert.html
        assert alert.text.index("Call or message them") < alert.text.index("police")
    await shown(emu, ana, "Your contacts were alerted (2 reached)", since)
    ident = checkins.active(ana.id).ident
    since, other = emu.cursor(ana.id), emu.cursor(eve.id)
    await emu.press(sam, alerts[0].message_id, data("h", ident))
    await shown(emu, sam, "other contacts were told you are on it")
    await shown(emu, eve, "contacts is handling it", other)
    await shown(emu, ana, "Contact 1 is handling it", since)
    # Nobody is reminded once someone handles it.
    await advance(running, clock, 6 * 60)
    assert len(alerts_in(emu, eve)) == 1
    since = emu.cursor(ana.id)
    await emu.press(eve, alerts[1].message_id, data("r", ident))
    await shown(emu, ana, "A contact marked you safe", since)
    await shown(emu, sam, "was marked safe. The alert was deleted")
    await shown(emu, eve, "was marked safe. The alert was deleted")
    for who, alert in zip((sam, eve), alerts, strict=True):
        assert deleted(emu, who, alert.message_id), "the alert carrying the plan is deleted"
    assert all(m.deleted for m in emu.messages(ana.id) if m.sender == "user" and NOTE in m.text)
    assert [m.deleted for m in emu.messages(ana.id) if m.extra.get("location")] == [True]
    assert_forgotten(running, data_dir, captured)


async def test_unanswered_alerts_are_repeated_a_few_times_then_the_cap_ends_it(live):
    running, clock, data_dir, captured = live
    emu = running.emu
    ana, sam = emu.new_user("Ana"), emu.new_user("Sam")
    await pair(emu, ana, sam)
    await start_checkin(emu, ana)
    await go(emu, ana)
    await advance(running, clock, 35 * 60)
    for _ in range(5):
        await advance(running, clock, 5 * 60)
    alerts = alerts_in(emu, sam)
    assert len(alerts) == 4  # the first and three reminders
    await advance(running, clock, 12 * 3600)
    await shown(emu, ana, "ended 12 hours after it was due")
    await shown(emu, sam, "ended after 12 hours and was deleted")
    assert all(m.deleted for m in alerts_in(emu, sam))
    assert_forgotten(running, data_dir, captured)


async def test_the_duress_pin_looks_like_a_safe_end_and_raises_the_alarm(live):
    running, _clock, data_dir, captured = live
    emu, checkins = running.emu, running.services.checkins
    ana, sam = emu.new_user("Ana"), emu.new_user("Sam")
    await pair(emu, ana, sam)
    await start_checkin(emu, ana)
    await set_pins(emu, ana, "1234", "7777")
    await go(emu, ana)
    ident = checkins.active(ana.id).ident
    await press(emu, ana, data("ok", ident), "Type your PIN")
    since = emu.cursor(ana.id)
    duress = await emu.send_text(ana, "7777")
    done = await shown(emu, ana, "Checked in. Glad you're OK", since)
    assert deleted(emu, ana, duress.message_id)
    alert = await shown(emu, sam, "asked for help just now")
    assert "CANARYNOTE4e1" in alert.text and WHERE in alert.text
    # Ana's chat looks exactly like a safe end: nothing about the alarm is said there.
    await emu.idle()
    assert emu.bot_messages(ana.id)[-1].text == done.text
    await emu.press(sam, alert.message_id, data("h", ident))
    await shown(emu, sam, "other contacts were told you are on it")
    await emu.idle()
    assert emu.bot_messages(ana.id)[-1].text == done.text, "nothing said to the person"
    await say(emu, ana, "/checkin", "Start a check-in")  # as if no check-in ran
    await emu.press(sam, alert.message_id, data("r", ident))
    await shown(emu, sam, "was marked safe")
    assert_forgotten(running, data_dir, captured)


async def test_a_contact_who_blocked_lantern_is_skipped(live):
    running, clock, data_dir, captured = live
    emu, checkins = running.emu, running.services.checkins
    ana, sam, eve = emu.new_user("Ana"), emu.new_user("Sam"), emu.new_user("Eve")
    await pair(emu, ana, sam)
    await pair(emu, ana, eve)
    sam.blocked_bot = True
    await start_checkin(emu, ana)
    await go(emu, ana)
    ident = checkins.active(ana.id).ident
    await press(emu, ana, data("sos", ident))
    alert = await shown(emu, eve, "asked for help just now")
    await shown(emu, ana, "Your contacts were alerted (1 reached)")
    assert alerts_in(emu, sam, "asked for help") == []
    await advance(running, clock, 5 * 60)  # the reminder goes to Eve only
    assert len(alerts_in(emu, eve, "asked for help")) == 2
    since = emu.cursor(ana.id)
    await emu.press(eve, alert.message_id, data("r", ident))
    await shown(emu, ana, "A contact marked you safe", since)
    assert_forgotten(running, data_dir, captured)


async def test_sos_without_a_check_in_shows_help_now(live):
    running, _, _, _ = live
    ana = running.emu.new_user("Ana")
    await say(running.emu, ana, "/sos", "no check-in running")


async def test_a_graceful_stop_tells_everyone_affected(live):
    running, _clock, data_dir, captured = live
    emu = running.emu
    ana, sam, eve = emu.new_user("Ana"), emu.new_user("Sam"), emu.new_user("Eve")
    bea, kim = emu.new_user("Bea"), emu.new_user("Kim")
    await pair(emu, ana, sam)
    await pair(emu, ana, eve)
    await pair(emu, bea, kim)
    await start_checkin(emu, ana)
    await go(emu, ana)
    await start_checkin(emu, bea, note=False)  # still being set up: nobody to tell
    assert running.services.checkins.running() == 1
    await stop_application(running.app)
    await shown(
        emu, ana, "your check-in was <b>cancelled</b>".replace("<b>", "").replace("</b>", "")
    )
    for contact in (sam, eve):
        await shown(emu, contact, "check-in was cancelled")
    assert alerts_in(emu, kim, "cancelled") == []
    assert alerts_in(emu, bea, "cancelled") == []
    assert all(m.deleted for m in emu.messages(ana.id) if m.sender == "user" and NOTE in m.text)
    assert not running.services.checkins.scheduler.running
    assert_forgotten(running, data_dir, captured)
