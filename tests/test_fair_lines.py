"""The pieces behind fairness, one by one: chat lines, send limits, flood control."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update
from telegram.error import RetryAfter

from bot import transport
from bot.remembered.flood import FloodGuard
from bot.transport import GaveUp, LanternRateLimiter
from bot.updates import INLINE, MAX_WAITING, OTHER, WIPE, PerChatUpdateProcessor
from tests.fakes import message_update, private_chat, user


def update_for(chat_id: int, text: str = "hi") -> Update:
    return Update.de_json(message_update(text, sender=user(chat_id)), None)


def inline_update(user_id: int, query: str) -> Update:
    return Update.de_json(
        {
            "update_id": 1,
            "inline_query": {
                "id": query,
                "from": user(user_id),
                "query": query,
                "offset": "",
            },
        },
        None,
    )


class Work:
    """Coroutines whose start and finish a test controls."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def job(self, name: str, *, hold: bool = False) -> None:
        self.started.append(name)
        if hold:
            self.release[name] = asyncio.Event()
            await self.release[name].wait()
        self.finished.append(name)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def processor_with(kinds: dict[str, str | None] | None = None, slots: int = 2):
    processor = PerChatUpdateProcessor(max_concurrent_updates=slots)

    async def gate(update: object) -> str | None:
        assert isinstance(update, Update)
        if update.inline_query is not None:
            return INLINE
        text = update.message.text if update.message else ""
        return (kinds or {}).get(text, WIPE if text == "/wipe" else OTHER)

    processor.gate = gate
    return processor


async def test_a_busy_chat_holds_one_slot_and_others_go_ahead():
    processor = processor_with(slots=2)
    work = Work()
    flood = [
        asyncio.create_task(processor.process_update(update_for(1), work.job(f"a{i}", hold=True)))
        for i in range(5)
    ]
    await settle()
    assert work.started == ["a0"], "one update of the busy chat at a time"
    other = asyncio.create_task(processor.process_update(update_for(2), work.job("b")))
    await settle()
    assert "b" in work.finished, "another chat is not held up by the busy one"
    assert processor.waiting() == 4
    for i in range(5):
        work.release[f"a{i}"].set()
        await settle()
    await asyncio.gather(*flood, other)
    assert work.finished == ["b", "a0", "a1", "a2", "a3", "a4"], "in order within the chat"
    assert processor.lines() == 0, "nothing kept for a chat with nothing in flight"


async def test_a_chats_backlog_is_bounded_and_the_excess_dropped_quietly():
    processor = processor_with()
    work = Work()
    tasks = [
        asyncio.create_task(processor.process_update(update_for(1), work.job("first", hold=True)))
    ]
    await settle()
    for i in range(MAX_WAITING + 5):
        tasks.append(
            asyncio.create_task(processor.process_update(update_for(1), work.job(f"w{i}")))
        )
    await settle()
    assert processor.waiting() == MAX_WAITING
    assert processor.dropped == 5
    work.release["first"].set()
    await asyncio.gather(*tasks)
    assert work.finished == ["first", *(f"w{i}" for i in range(MAX_WAITING))]


async def test_repeated_wipes_coalesce_and_clear_answers_still_waiting():
    processor = processor_with()
    work = Work()
    tasks = [
        asyncio.create_task(processor.process_update(update_for(1), work.job("search", hold=True)))
    ]
    await settle()
    for name in ("answer1", "answer2"):
        tasks.append(asyncio.create_task(processor.process_update(update_for(1), work.job(name))))
    for i in range(50):
        tasks.append(
            asyncio.create_task(
                processor.process_update(update_for(1, "/wipe"), work.job(f"wipe{i}"))
            )
        )
    await settle()
    assert processor.waiting() == 1
    work.release["search"].set()
    await asyncio.gather(*tasks)
    # The answers would have refilled the chat the person asked to empty.
    assert work.finished == ["search", "wipe0"]


async def test_a_newer_inline_query_replaces_one_still_waiting():
    processor = processor_with()
    work = Work()
    tasks = [
        asyncio.create_task(
            processor.process_update(inline_update(7, "n"), work.job("n", hold=True))
        )
    ]
    await settle()
    for query in ("na", "nal", "nalo"):
        tasks.append(
            asyncio.create_task(processor.process_update(inline_update(7, query), work.job(query)))
        )
    await settle()
    work.release["n"].set()
    await asyncio.gather(*tasks)
    assert work.finished == ["n", "nalo"]


async def test_a_dropped_update_is_closed_and_a_cancelled_one_passes_its_turn():
    processor = processor_with(kinds={"drop": None})
    work = Work()
    coroutine = work.job("never")
    await processor.process_update(update_for(1, "drop"), coroutine)
    assert coroutine.cr_frame is None, "closed, never started"
    first = asyncio.create_task(processor.process_update(update_for(3), work.job("x", hold=True)))
    await settle()
    second = asyncio.create_task(processor.process_update(update_for(3), work.job("y")))
    third = asyncio.create_task(processor.process_update(update_for(3), work.job("z")))
    await settle()
    second.cancel()
    work.release["x"].set()
    await asyncio.gather(first, third)
    with pytest.raises(asyncio.CancelledError):
        await second
    assert work.finished == ["x", "z"]
    assert processor.lines() == 0


async def test_a_failing_gate_still_closes_the_coroutine():
    processor = PerChatUpdateProcessor()

    async def gate(update: object) -> str | None:
        raise RuntimeError("gate bug")

    processor.gate = gate
    work = Work()
    coroutine = work.job("x")
    with pytest.raises(RuntimeError):
        await processor.process_update(update_for(1), coroutine)
    assert coroutine.cr_frame is None


# ----- sending: limits per chat, per group, and 429s ------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch):
    clock = Clock()

    async def sleep(seconds: float) -> None:
        clock.now += max(0.0, seconds)

    monkeypatch.setattr(transport.asyncio, "sleep", sleep)
    return clock


def limiter(clock: Clock, **kwargs) -> LanternRateLimiter:
    return LanternRateLimiter(clock=clock, **kwargs)


async def call(lim: LanternRateLimiter, endpoint: str, chat_id: int | None, callback=None):
    async def ok() -> bool:
        return True

    data = {} if chat_id is None else {"chat_id": chat_id}
    return await lim.process_request(callback or ok, (), {}, endpoint, data, None)


async def test_a_group_gets_at_most_20_messages_in_any_minute(fake_time):
    lim = limiter(fake_time)
    times = []
    for _ in range(45):
        await call(lim, "sendMessage", -100123)
        times.append(fake_time.now)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 60) <= 20


async def test_a_429_pauses_only_the_chat_it_concerns(fake_time):
    lim = limiter(fake_time)

    async def refused() -> bool:
        raise RetryAfter(60)

    with pytest.raises(RetryAfter):
        await call(lim, "sendMessage", -100555, refused)
    # A private chat right after is not held up at all...
    before = fake_time.now
    await call(lim, "sendMessage", 4242)
    assert fake_time.now == before
    # ...while the group stays paused (past the retry cap, so its next call gives up).
    with pytest.raises(GaveUp):
        await call(lim, "sendMessage", -100555)


async def test_a_429_without_a_chat_pauses_that_method_only(fake_time):
    lim = limiter(fake_time)
    refusals = [RetryAfter(5)]

    async def inline_answer() -> bool:
        if refusals:
            raise refusals.pop()
        return True

    await call(lim, "answerInlineQuery", None, inline_answer)
    assert fake_time.now >= 1005
    before = fake_time.now
    await call(lim, "sendMessage", 4242)
    assert fake_time.now == before


async def test_one_call_never_waits_longer_than_the_retry_cap(fake_time):
    lim = limiter(fake_time)

    async def always_429() -> bool:
        raise RetryAfter(3600)

    start = fake_time.now
    with pytest.raises(RetryAfter):
        await call(lim, "sendMessage", 4242, always_429)
    assert fake_time.now - start <= transport.MAX_RETRY_SECONDS
    # The chat stays paused; its next call gives up at once rather than hold its line.
    with pytest.raises(GaveUp):
        await call(lim, "sendMessage", 4242)
    assert fake_time.now - start <= transport.MAX_RETRY_SECONDS


async def test_answers_and_deletions_do_not_spend_the_message_budget(fake_time):
    lim = limiter(fake_time)
    for _ in range(60):
        await call(lim, "answerCallbackQuery", None)
        await call(lim, "deleteMessages", 4242)
    spent = fake_time.now
    for chat in range(30):
        await call(lim, "sendMessage", 5000 + chat)
    assert fake_time.now == spent, "30 messages to 30 chats go out at once"


# ----- admission ---------------------------------------------------------------------


def test_a_person_is_admitted_no_faster_than_their_replies_can_be_sent():
    guard = FloodGuard()
    assert guard.per_second <= transport.CHAT_PER_SECOND


def test_a_steady_flood_gets_one_notice_not_one_a_second():
    clock = Clock()
    guard = FloodGuard(clock=clock)
    verdicts = []
    for _ in range(int(300 * 1.9)):  # 1.9 a second for five minutes
        verdicts.append(guard.check(42))
        clock.now += 1 / 1.9
    assert verdicts.count("warn") == 1
    admitted = verdicts.count("ok")
    assert admitted <= guard.burst + 300 * guard.per_second + 1
    # Once they stop long enough, they are welcome again (and would be told again).
    clock.now += 60
    assert guard.check(42) == "ok"


def test_whitespace_only_texts_do_not_break_the_wipe_check():
    from bot.gate import _is_wipe

    for text in ("\u3000", "\x1c", "\u2028", "\x85", "\xa0", " "):
        update = Update.de_json(message_update(text, chat=private_chat(5)), None)
        assert _is_wipe(update) is False
    assert _is_wipe(Update.de_json(message_update("/wipe@lantern_test_bot"), None))


# ----- the gate, through the real application ---------------------------------------


@pytest.fixture
async def gated(small_snapshot):
    from bot.services import Services
    from knowledge.base import KnowledgeBase
    from tests.conftest import TODAY
    from tests.fakes import recorded_app

    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services) as (app, request):

        async def through_gate(data: dict) -> None:
            update = Update.de_json(data, app.bot)
            await app.update_processor.process_update(update, app.process_update(update))

        yield through_gate, request


@pytest.mark.parametrize("text", ["\u3000", "\x1c", "\u2028", "\x85", "\xa0"])
async def test_a_text_that_is_all_whitespace_is_answered(gated, text):
    through_gate, request = gated
    await through_gate(message_update(text, sender=user(77)))
    assert request.sent(), "answered, not dropped by the gate"


async def test_a_group_is_admitted_at_the_groups_rate_whoever_writes(gated):
    through_gate, request = gated
    group = {"id": -100777, "type": "supergroup", "title": "Busy"}
    for sender in range(20):  # twenty different people, one command each
        await through_gate(
            message_update("/help@lantern_test_bot", sender=user(900 + sender), chat=group)
        )
    answers = [p for m, p in request.calls if m == "sendMessage" and p["chat_id"] == -100777]
    assert 0 < len(answers) <= 4


async def test_inline_answers_are_personal(gated):
    through_gate, request = gated
    await through_gate(
        {
            "update_id": 1,
            "inline_query": {"id": "iq1", "from": user(78), "query": "naloxone", "offset": ""},
        }
    )
    (answer,) = [p for m, p in request.calls if m == "answerInlineQuery"]
    assert answer["is_personal"] is True


async def test_a_long_429_on_replies_does_not_stop_a_wipe(fake_time):
    lim = limiter(fake_time)

    async def refused() -> bool:
        raise RetryAfter(59)

    with pytest.raises(RetryAfter):
        await call(lim, "sendMessage", 42, refused)
    before = fake_time.now
    assert await call(lim, "deleteMessages", 42) is True
    assert fake_time.now == before


def test_wipe_in_a_group_is_any_other_command():
    from bot.gate import _is_wipe

    group = {"id": -100900, "type": "supergroup", "title": "G"}
    update = Update.de_json(message_update("/wipe@lantern_test_bot", chat=group), None)
    assert _is_wipe(update) is False


async def test_a_wipe_held_back_by_a_rate_limit_keeps_its_ids_and_says_so(small_snapshot):
    from bot.handlers import wipe
    from bot.services import Services
    from knowledge.base import KnowledgeBase

    svc = Services(KnowledgeBase(small_snapshot))
    for message_id in (11, 12, 13):
        svc.trail.add(5, message_id)
    said: list[str] = []

    class LimitedBot:
        async def delete_messages(self, chat_id, ids):
            raise RetryAfter(120)

        async def delete_message(self, chat_id, message_id):
            raise RetryAfter(120)

        async def send_message(self, chat_id, text):
            said.append(text)

    await wipe.wipe_chat(LimitedBot(), svc, 5, tell=True)
    assert said == [t_("en", "wipe.left")]
    assert wipe.batch_deletes(svc).usable(), "one chat's limit says nothing of the method"
    assert svc.trail.take(5).ids == [11, 12, 13], "kept for the next /wipe"


def t_(lang: str, key: str) -> str:
    from bot.i18n import t

    return t(lang, key)
