"""Faults from outside: the real application over HTTP while the Bot API misbehaves.

10% of calls each get a 429 with retry_after, a 5xx error, a slow answer, a connection
dropped after the call was carried out, or one dropped before. The process must not die;
every message must get its answer once the faults stop (more than once only where a
reply's connection dropped after it was sent, and at most 1 + UNKNOWN_SEND_RETRIES times);
a 429 must be honoured.
"""

from __future__ import annotations

import time

import pytest

from bot.content import load_knowledge
from bot.services import Services
from bot.transport import UNKNOWN_SEND_RETRIES
from emulator.faults import SeededPlan
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.conftest import TODAY
from tests.live import live_bot

TOKEN = "7000000004:e2e-faults-token-0123456789abcdefghij"
SHARE = 0.10
USERS = 12


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_message_is_answered_once_despite_faults(seed):
    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    async with live_bot(TOKEN, Services(kb, today=lambda: TODAY), paced=True) as running:
        emu, app = running.emu, running.app
        # 10% each of the transit faults, every kind once early on a reply, then at random.
        plan = SeededPlan.each(SHARE, seed=seed, each_first_on="sendMessage")
        emu.fault_plan = plan
        people = [emu.new_user(f"P{i}") for i in range(USERS)]
        for person in people:
            await emu.send_text(person, "overdose naloxone")
        # Faults until every kind has happened and a few seconds have passed, then calm.
        deadline = time.monotonic() + 4
        while plan.first or time.monotonic() < deadline:
            await emu.wait_until(lambda: False, timeout=0.2)
            if plan.first:
                person = emu.new_user(f"P{len(people)}")
                people.append(person)
                await emu.send_text(person, "overdose naloxone")
        plan.active = False
        assert await emu.wait_until(lambda: all(emu.bot_messages(p) for p in people), timeout=30), (
            "some messages were never answered"
        )
        await emu.idle(timeout=10)

        def unretried() -> list[tuple[str, object]]:
            return [
                (method, chat)
                for at, method, chat, what in plan.log
                if what == "retry_after"
                and method != "getUpdates"
                and not any(m == method and c == chat and t > at for t, m, c, _ in plan.log)
            ]

        # A call refused with a 429 waits out its pause in silence: let those finish.
        await emu.wait_until(lambda: not unretried(), timeout=10)
        await emu.idle(timeout=10)
        assert app.running, "the application stopped"
        for person in people:
            replies = emu.bot_messages(person)
            # A reply whose connection dropped after it was carried out is sent again (a
            # duplicate is better than a lost answer), a bounded number of times.
            dropped = sum(
                1
                for _, method, chat, what in plan.log
                if method == "sendMessage" and str(chat) == str(person.id) and what == "drop"
            )
            most = 1 + min(dropped, UNKNOWN_SEND_RETRIES)
            assert 1 <= len(replies) <= most, f"{len(replies)} replies, {dropped} drops"
            assert all(r.text.startswith("🔎 “overdose naloxone”") for r in replies)
        answers = sum(len(emu.bot_messages(p)) for p in people)
        # Shown with `pytest -s`: the figures the README quotes.
        drops = sum(1 for _, m, _, w in plan.log if m == "sendMessage" and w == "drop")
        print(f"{len(people)} people, {answers - len(people)} duplicates, {drops} dropped after")
        # Every kind of fault really happened.
        kinds = {what for *_, what in plan.log}
        assert {"retry_after", "server_error", "slow", "drop", "drop_before"} <= kinds
        # A 429 was honoured: no call to that method before retry_after had passed.
        for at, method, chat, what in plan.log:
            if what != "retry_after" or method == "getUpdates":
                continue
            again = [t for t, m, c, _ in plan.log if m == method and c == chat and t > at]
            assert again, "the refused call was never retried"
            assert again[0] - at >= 0.95, f"{method} retried {again[0] - at:.2f}s after a 429"
