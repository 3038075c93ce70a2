"""The emulator as a hostile server: each fault kind, seen over real HTTP.

These tests show what the emulator does, not how Lantern copes (that is the end-to-end
tests' job): a raw aiohttp client where the bytes matter, a plain PTB Bot where what a
PTB bot would see matters.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, Update
from telegram.error import NetworkError, TelegramError

from bot.cli import _parser
from bot.console import run_console
from emulator import (
    TRANSIT_FAULTS,
    BotAPIEmulator,
    Fault,
    Hostile,
    SeededPlan,
    combine,
    fail_first,
    for_methods,
)
from tests.test_emulator import build_echo_app

TOKEN = "123456:TEST-hostile-emulator-token"


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url) as ptb_bot:
        yield ptb_bot


async def post(
    session: aiohttp.ClientSession, emu: BotAPIEmulator, method: str, **body: Any
) -> tuple[int, bytes]:
    """One call as raw bytes: (HTTP status, body)."""
    async with session.post(f"{emu.base_url}{emu.token}/{method}", json=body) as response:
        return response.status, await response.read()


# ----- 1. a malformed update inside a batch ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "missing", "error"),
    [("message", "date", KeyError), ("callback_query", "chat_instance", TypeError)],
)
async def test_a_malformed_update_sits_in_a_batch_between_good_ones(
    emu: BotAPIEmulator,
    session: aiohttp.ClientSession,
    bot: Bot,
    kind: str,
    missing: str,
    error: type[Exception],
) -> None:
    user = emu.new_user()
    await emu.send_text(user, "before")
    bad_id = await emu.push_malformed(user, kind, "CANARY")  # type: ignore[arg-type]
    await emu.send_text(user, "after")
    status, body = await post(session, emu, "getUpdates")
    batch = json.loads(body)["result"]
    assert status == 200
    assert [u["update_id"] for u in batch] == [bad_id - 1, bad_id, bad_id + 1]
    bad = batch[1][kind]
    assert missing not in bad
    assert "CANARY" in json.dumps(bad)
    # PTB parses the good ones and fails on the bad one.
    Update.de_json(batch[0], bot)
    Update.de_json(batch[2], bot)
    with pytest.raises(error):
        Update.de_json(batch[1], bot)


async def test_malformed_beside_puts_a_bad_update_before_every_user_action(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.new_user()
    emu.malformed_beside = "message"
    await emu.send_text(user, "hello")
    emu.malformed_beside = "callback_query"
    await emu.send_inline_query(user, "q")
    _, body = await post(session, emu, "getUpdates")
    batch = json.loads(body)["result"]
    shapes = [(next(k for k in u if k != "update_id"), u) for u in batch]
    assert [kind for kind, _ in shapes] == ["message", "message", "callback_query", "inline_query"]
    assert "date" not in shapes[0][1]["message"]
    assert shapes[1][1]["message"]["text"] == "hello" and "date" in shapes[1][1]["message"]
    assert "chat_instance" not in shapes[2][1]["callback_query"]


# ----- 2-4. refusals: ok:false with 200, 404, a 500 without ok or description ---------------


async def test_ok_false_with_http_200_for_a_chosen_method(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.new_user()
    emu.fault_plan = for_methods(
        Fault.ok_false("Bad Request: message to delete not found"), "deleteMessage"
    )
    status, body = await post(session, emu, "sendMessage", chat_id=user.id, text="stays")
    message_id = json.loads(body)["result"]["message_id"]
    status, body = await post(session, emu, "deleteMessage", chat_id=user.id, message_id=message_id)
    assert status == 200
    assert json.loads(body) == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message to delete not found",
    }
    assert [m.text for m in emu.bot_messages(user)] == ["stays"]  # not carried out
    assert emu.faults == [
        ("deleteMessage", Fault.ok_false("Bad Request: message to delete not found"))
    ]


async def test_404_not_found_for_a_chosen_method(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    emu.fault_plan = for_methods(Fault.not_found(), "setMyCommands")
    commands = [{"command": "start", "description": "Start"}]
    status, body = await post(session, emu, "setMyCommands", commands=commands)
    assert status == 404
    assert json.loads(body) == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert emu.commands == {}  # not carried out
    status, _ = await post(session, emu, "getMe")
    assert status == 200  # other methods answer as usual


async def test_500_without_ok_or_description(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.new_user()
    emu.fault_plan = for_methods(Fault.unsupported(), "sendMessage", "setMyCommands")
    status, body = await post(session, emu, "sendMessage", chat_id=user.id, text="lost")
    assert status == 500
    answer = json.loads(body)
    assert "ok" not in answer and "description" not in answer
    assert answer["message"].startswith("API method 'sendMessage' is not supported.")
    assert emu.bot_messages(user) == []  # not carried out


# ----- 5. answers whose JSON cannot be parsed --------------------------------------------------


async def test_garbled_answer_after_the_call_was_carried_out(
    emu: BotAPIEmulator, session: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.new_user()
    emu.fault_plan = for_methods(Fault.garbled(), "sendMessage")
    status, body = await post(session, emu, "sendMessage", chat_id=user.id, text="raw")
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)
    assert body.startswith(b'{"ok": true')  # the start of the real answer, cut short
    with pytest.raises(TelegramError, match="Invalid server response"):
        await bot.send_message(user.id, "via PTB")
    # Both were sent: the messages exist although neither answer could be read.
    assert [m.text for m in emu.bot_messages(user)] == ["raw", "via PTB"]


# ----- 6. no long polling, and polls counted ---------------------------------------------------


async def test_without_long_polling_get_updates_answers_at_once(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    emu.long_polling = False
    started = time.monotonic()
    for _ in range(20):
        # With long polling, each of these would wait its 10 s.
        status, body = await asyncio.wait_for(post(session, emu, "getUpdates", timeout=10), 1)
        assert status == 200 and json.loads(body)["result"] == []
    assert time.monotonic() - started < 3  # with long polling, one poll alone takes 10 s
    assert (emu.polls, emu.empty_polls) == (20, 20)

    # A bot polling without pause against it still lets idle() see the emulator quiet.
    async def spin() -> None:
        while True:
            await post(session, emu, "getUpdates", timeout=10)

    spinner = asyncio.create_task(spin())
    try:
        await emu.wait_until(lambda: emu.polls >= 60, timeout=5)
        await emu.idle(timeout=3)
    finally:
        spinner.cancel()
    assert emu.polls >= 60


async def test_long_polling_is_the_default(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.new_user()
    started = time.monotonic()
    await post(session, emu, "getUpdates", timeout=1)
    assert time.monotonic() - started >= 0.9
    await emu.send_text(user, "one")
    _, body = await post(session, emu, "getUpdates", timeout=1)
    assert len(json.loads(body)["result"]) == 1
    assert (emu.polls, emu.empty_polls) == (2, 1)


# ----- 7. connections dropped before and after the call ---------------------------------------


async def test_drop_before_resets_the_connection_without_carrying_the_call_out(
    emu: BotAPIEmulator, session: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.new_user()
    emu.fault_plan = for_methods(Fault.drop_before(), "sendMessage")
    with pytest.raises(aiohttp.ClientError):
        await post(session, emu, "sendMessage", chat_id=user.id, text="never")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "never either")
    assert emu.bot_messages(user) == []
    assert [kind for _, kind in [(m, f.kind) for m, f in emu.faults]] == ["drop_before"] * 2
    # The same connection pool works for the next call once the fault is gone.
    emu.fault_plan = None
    await bot.send_message(user.id, "now")
    assert [m.text for m in emu.bot_messages(user)] == ["now"]


async def test_drop_after_carries_the_call_out_then_closes_without_answer(
    emu: BotAPIEmulator, session: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.new_user()
    emu.fault_plan = fail_first("sendMessage", Fault.drop_after(), times=2)
    assert Fault.drop_after() == Fault.drop()
    with pytest.raises(aiohttp.ClientError):
        await post(session, emu, "sendMessage", chat_id=user.id, text="sent 1")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "sent 2")
    assert [m.text for m in emu.bot_messages(user)] == ["sent 1", "sent 2"]


async def test_faults_at_a_seeded_probability_for_one_method_only(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    """Half the sendMessage calls dropped before, none of the getMe calls."""
    user = emu.new_user()
    emu.fault_plan = SeededPlan({Fault.drop_before(): 0.5}, seed=3, methods={"sendMessage"})
    failed = 0
    for i in range(40):
        await post(session, emu, "getMe")
        try:
            await post(session, emu, "sendMessage", chat_id=user.id, text=str(i))
        except aiohttp.ClientError:
            failed += 1
    assert 10 <= failed <= 30
    assert len(emu.bot_messages(user)) == 40 - failed
    assert {method for method, _ in emu.faults} == {"sendMessage"}


# ----- 8. the seeded random plan ----------------------------------------------------------------


async def test_seeded_plan_mixes_every_transit_fault_over_http(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    """10% each; exactly the calls whose fault lets them through exist afterwards."""
    user = emu.new_user()
    faults = [f if f.kind != "slow" else Fault.slow(0.02) for f in TRANSIT_FAULTS]
    plan = SeededPlan.each(0.1, seed=11, faults=faults, each_first_on="sendMessage")
    emu.fault_plan = plan
    statuses: list[int | str] = []
    for i in range(150):
        try:
            status, _ = await post(session, emu, "sendMessage", chat_id=user.id, text=str(i))
        except aiohttp.ClientError:
            status = "dropped"
        statuses.append(status)
    kinds = [record.what for record in plan.log]
    assert [k for k in kinds[:5]] == ["retry_after", "server_error", "slow", "drop_before", "drop"]
    assert plan.kinds_seen() == {"retry_after", "server_error", "slow", "drop_before", "drop"}
    for what, status in zip(kinds, statuses, strict=True):
        expected = {"retry_after": 429, "server_error": 502, "slow": 200, "ok": 200}
        assert status == expected.get(what, "dropped"), what
    carried = [str(i) for i, what in enumerate(kinds) if what in ("ok", "slow", "drop")]
    assert [m.text for m in emu.bot_messages(user)] == carried


def test_seeded_plan_rates_and_reproducibility() -> None:
    def run(seed: int) -> list[str]:
        plan = SeededPlan.each(0.1, seed=seed)
        return [getattr(plan("sendMessage", {}), "kind", "ok") for _ in range(5000)]

    first = run(1)
    assert first == run(1)
    assert first != run(2)
    plan = SeededPlan.each(0.1, seed=1)
    for _ in range(5000):
        plan("sendMessage", {"chat_id": 5})
    counts = {kind: sum(r.what == kind for r in plan.log) for kind in plan.kinds_seen()}
    assert set(counts) == {"retry_after", "server_error", "slow", "drop_before", "drop"}
    assert all(400 <= n <= 600 for n in counts.values()), counts
    assert plan.log[0].chat_id == 5

    plan.active = False
    assert plan("sendMessage", {}) is None and plan.log[-1].what == "ok"
    with pytest.raises(ValueError):
        SeededPlan.each(0.3)  # five kinds at 30% is more than every call


def test_seeded_plan_matches_the_plan_test_faults_rolls_by_hand() -> None:
    """The same seed gives the same faults as tests/test_faults.py's own Plan, so that test
    can switch to SeededPlan without changing what it sees."""
    share = 0.10
    by_hand = random.Random(1)
    first = [Fault.flood(1), Fault.server_error(502), Fault.slow(0.3), Fault.drop()]
    plan = SeededPlan(dict.fromkeys(first, share), seed=1, each_first_on="sendMessage")
    methods = ["getUpdates", "sendMessage"] * 300
    for method in methods:
        if first and method == "sendMessage":
            expected: Fault | None = first.pop(0)
        else:
            roll = by_hand.random()
            faults = [Fault.flood(1), Fault.server_error(502), Fault.slow(0.3), Fault.drop()]
            expected = next((f for i, f in enumerate(faults) if roll < (i + 1) * share), None)
        assert plan(method, {}) == expected


def test_combine_asks_fixed_plans_first() -> None:
    seeded = SeededPlan({Fault.drop(): 1.0})
    plan = combine(None, for_methods(Fault.not_found(), "setMyCommands"), seeded)
    assert plan("setMyCommands", {}) == Fault.not_found()
    assert plan("sendMessage", {}) == Fault.drop()
    assert [r.method for r in seeded.log] == ["sendMessage"]  # not asked about setMyCommands


# ----- the hostile settings, for tests and the console -----------------------------------------


def test_hostile_defaults_and_settings() -> None:
    default = Hostile.parse("default")
    assert default.rates == {k: 0.1 for k in ("429", "5xx", "slow", "drop-before", "drop-after")}
    assert (default.long_polling, default.malformed) == (False, "message")

    chosen = Hostile.parse(
        "rate=0.05, seed=7, garbled=0.02, 404=setMyCommands+deleteMessages, long-poll, "
        "malformed=callback, ok-false=answerCallbackQuery"
    )
    assert chosen.rates["429"] == 0.05 and chosen.rates["garbled"] == 0.02
    assert chosen.seed == 7 and chosen.long_polling
    assert chosen.malformed == "callback_query"
    assert chosen.methods == {
        "404": ("setMyCommands", "deleteMessages"),
        "ok-false": ("answerCallbackQuery",),
    }
    plan = chosen.plan()
    assert plan("deleteMessages", {}) == Fault.not_found()
    assert plan("answerCallbackQuery", {}) == Fault.ok_false()
    assert Hostile.parse("rate=0,malformed=off").describe() == [
        "no long polling: getUpdates answers at once"
    ]
    for bad in ("rate=2", "seed=x", "nonsense=1", "malformed=maybe", "404=", "oops", "rate=0.3"):
        with pytest.raises(ValueError):
            Hostile.parse(bad)


async def test_hostile_apply_sets_the_emulator_up(
    emu: BotAPIEmulator, session: aiohttp.ClientSession
) -> None:
    Hostile.parse("rate=0,500-bare=getMe,malformed=callback").apply(emu)
    assert emu.long_polling is False and emu.malformed_beside == "callback_query"
    status, body = await post(session, emu, "getMe")
    assert status == 500 and "description" not in json.loads(body)


def test_console_parser_takes_hostile() -> None:
    assert _parser().parse_args(["console"]).hostile is None
    assert _parser().parse_args(["console", "--hostile"]).hostile == "default"
    args = _parser().parse_args(["console", "--hostile", "rate=0.2,404=setMyCommands"])
    assert Hostile.parse(args.hostile).methods == {"404": ("setMyCommands",)}


async def test_console_runs_against_a_hostile_emulator() -> None:
    """The console says how the server misbehaves; a garbled answer's message still shows."""
    out = io.StringIO()
    hostile = Hostile.parse("rate=0,malformed=off,garbled=sendMessage")
    await asyncio.wait_for(
        run_console(build_echo_app, stdin=io.StringIO("hello\n"), stdout=out, hostile=hostile),
        timeout=20,
    )
    output = out.getvalue()
    assert "[hostile] garbled on every sendMessage\n" in output
    assert "[hostile] no long polling: getUpdates answers at once\n" in output
    assert "You said: hello" in output
