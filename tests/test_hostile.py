"""The real bot, over real HTTP, against a server that departs from the Bot API.

Each test turns on one way a server was seen to misbehave (emulator/faults.py) and
checks what the person sees: their answer, once, and a chat /wipe can still empty.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.i18n import t
from bot.services import Services
from emulator import Fault
from emulator.faults import for_methods
from tests.conftest import TODAY
from tests.live import live_bot

TOKEN = "7000000014:hostile-token-0123456789abcdefghijk"


@pytest.fixture
async def live(shipped_kb):
    # Paced: retries after dropped connections and 5xx are the limiter's.
    services = Services(shipped_kb, today=lambda: TODAY)
    async with live_bot(TOKEN, services, paced=True) as running:
        yield running.emu


def _ids(params) -> set[int]:
    value = params.get("message_ids")
    if isinstance(value, str):
        value = json.loads(value)
    return {int(v) for v in value or ()}


async def _wiped(emu, person) -> set[int]:
    since = len(emu.calls)
    await emu.send_text(person, "/wipe")
    await emu.wait_until(
        lambda: any(n in ("deleteMessages", "deleteMessage") for n, _ in emu.calls[since:]),
        timeout=5,
    )
    await emu.idle()
    asked: set[int] = set()
    for name, params in emu.calls[since:]:
        if name == "deleteMessages":
            asked |= _ids(params)
        elif name == "deleteMessage":
            asked.add(int(params["message_id"]))
    return asked


async def test_ok_false_with_http_200_for_button_answers_leaves_buttons_working(live):
    emu = live
    emu.fault_plan = for_methods(Fault.ok_false(), "answerCallbackQuery")
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "/start")
    (menu,) = await emu.wait_for_bot_messages(ana)
    await emu.press(ana, menu, t("en", "btn.safety"))
    (screen,) = await emu.wait_for_bot_messages(ana)
    assert screen.message_id == menu.message_id and screen.text.startswith("Safety")
    await emu.idle()
    texts = [m.text for m in emu.bot_messages(ana)]
    assert not any(t("en", "error") in text for text in texts), "no apology"


async def test_an_answer_that_cannot_be_parsed_is_not_followed_by_an_apology(live):
    emu = live
    emu.fault_plan = for_methods(Fault.garbled(), "sendMessage")
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "/start")
    (menu,) = await emu.wait_for_bot_messages(ana)
    assert menu.text == t("en", "start")
    await emu.idle()
    assert len(emu.bot_messages(ana)) == 1, "one answer, no apology on top"


async def test_an_answer_the_library_cannot_read_keeps_its_id_for_wipe(live):
    """A server describing a sent message wrongly (its date in milliseconds)."""
    emu = live
    send = emu._handlers["sendMessage"]

    async def in_milliseconds(params):
        result = dict(await send(params))
        result["date"] = result["date"] * 1000
        return result

    emu._handlers["sendMessage"] = in_milliseconds
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "/start")
    (menu,) = await emu.wait_for_bot_messages(ana)
    await emu.idle()
    assert len(emu.bot_messages(ana)) == 1, "no apology for an answer that arrived"
    emu._handlers["sendMessage"] = send
    assert menu.message_id in await _wiped(emu, ana)


async def test_a_dropped_reply_is_sent_again_and_wipe_still_finds_it(live):
    emu = live
    emu.fault_plan = for_methods(Fault.drop_before(), "sendMessage")
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "need pep")
    await asyncio.sleep(0.3)
    emu.fault_plan = None  # the retry gets through
    (reply,) = await emu.wait_for_bot_messages(ana, timeout=10)
    assert reply.text.startswith("🔎 “")
    assert reply.message_id in await _wiped(emu, ana)


async def test_polling_does_not_spin_against_a_server_that_answers_at_once(shipped_kb):
    services = Services(shipped_kb, today=lambda: TODAY)
    async with live_bot(TOKEN, services, long_polling=False, poll_timeout=10) as running:
        emu = running.emu
        start = emu.polls
        await asyncio.sleep(4)
        polls = emu.polls - start
        # Spinning was hundreds a second; pacing stays at a few a second at most.
        assert polls <= 4 * 4, polls
        ana = emu.new_user("Ana")
        await emu.send_text(ana, "/start")
        (menu,) = await emu.wait_for_bot_messages(ana, timeout=5)
        assert menu.text == t("en", "start")
