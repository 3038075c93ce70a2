"""/wipe does not depend on deleteMessages: where a server refuses it, one by one instead.

And if anything could not be deleted, the person is told once, in their language, what to
do; disappearing mode stays silent.
"""

from __future__ import annotations

import json

import pytest

from bot import callbacks
from bot.app import build_application
from bot.callbacks import Op
from bot.config import Config, Secret
from bot.handlers import wipe
from bot.i18n import t
from bot.services import Services
from emulator import BotAPIEmulator, Fault, combine, for_methods
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    RecordingRequest,
    callback_update,
    error_body,
    feed,
    message_update,
    recorded_app,
    user,
)
from tests.live import live_bot

CHAT = 4242
IDS = list(range(10, 190))  # more than one batch of 100, within the one-by-one limit


@pytest.fixture
async def bot(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services) as (app, request):
        yield app, request, services


def remember(services: Services, ids: list[int] = IDS, chat: int = CHAT) -> None:
    for message_id in ids:
        services.trail.add(chat, message_id)


def singles(request: RecordingRequest) -> list[int]:
    return [int(p["message_id"]) for p in request.called("deleteMessage")]


def batches(request: RecordingRequest) -> list[int]:
    found: list[int] = []
    for p in request.called("deleteMessages"):
        ids = p["message_ids"]
        found += json.loads(ids) if isinstance(ids, str) else ids
    return found


REFUSALS = [
    (404, "Not Found"),
    (400, "Bad Request: method not found"),
    (500, "Internal Server Error"),
    (502, "Bad Gateway"),
    (200, "no such method"),  # ok: false with HTTP 200
]


@pytest.mark.parametrize(("status", "description"), REFUSALS)
async def test_a_refused_batch_is_deleted_one_by_one_and_nobody_is_told(bot, status, description):
    app, request, services = bot
    remember(services)
    request.refuse("deleteMessages", status, description)
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="en")
    # One refusal is enough: the other batches go straight to one by one.
    assert len(request.called("deleteMessages")) == 1
    assert sorted(singles(request)) == IDS
    assert singles(request) == sorted(IDS, reverse=True)  # what is on screen goes first
    assert not request.sent()  # everything went: nothing to say


async def test_the_refusal_is_remembered_for_the_process(bot):
    app, request, services = bot
    request.refuse("deleteMessages", 404)
    remember(services, [1, 2, 3])
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    request.clear()
    remember(services, [4, 5, 6], chat=CHAT + 1)
    await wipe.wipe_chat(app.bot, services, CHAT + 1, tell=True)
    assert request.called("deleteMessages") == []
    assert singles(request) == [6, 5, 4]


async def test_a_refusal_stays_with_its_own_application(bot, small_snapshot):
    """Another bot in the same process (tests run many) still asks for batches."""
    app, request, services = bot
    request.refuse("deleteMessages", 404)
    remember(services, [1])
    await wipe.wipe_chat(app.bot, services, CHAT)
    other = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    request.answers.clear()
    request.clear()
    remember(other, [2])
    await wipe.wipe_chat(app.bot, other, CHAT)
    assert batches(request) == [2] and singles(request) == []


async def test_a_server_error_is_remembered_only_for_a_while(bot):
    app, request, services = bot
    now = [1000.0]
    wipe.batch_deletes(services).clock = lambda: now[0]
    request.refuse("deleteMessages", 500, "Internal Server Error")
    remember(services, [1, 2])
    await wipe.wipe_chat(app.bot, services, CHAT)
    request.answers.clear()  # the server is well again
    request.clear()
    remember(services, [3])
    await wipe.wipe_chat(app.bot, services, CHAT)
    assert request.called("deleteMessages") == [] and singles(request) == [3]
    now[0] += wipe.RETRY_BATCH_SECONDS
    request.clear()
    remember(services, [4])
    await wipe.wipe_chat(app.bot, services, CHAT)
    assert batches(request) == [4] and singles(request) == []


async def test_messages_already_gone_are_not_a_problem(bot):
    app, request, services = bot
    remember(services, [1, 2, 3, 4])
    request.refuse("deleteMessages", 404)
    request.refuse(
        "deleteMessage",
        400,
        "Bad Request: message to delete not found",
        when=lambda p: int(p["message_id"]) % 2 == 0,
    )
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert sorted(singles(request)) == [1, 2, 3, 4]
    assert not request.sent()


async def test_what_is_left_is_told_once_in_the_persons_language(bot):
    app, request, services = bot
    remember(services)
    request.refuse("deleteMessages", 404)
    request.refuse(
        "deleteMessage",
        400,
        "Bad Request: message can't be deleted",
        when=lambda p: int(p["message_id"]) in (10, 11, 150),
    )
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="es")
    assert sorted(singles(request)) == IDS  # the others were all deleted
    (notice,) = request.sent()
    assert notice["text"] == t("es", "wipe.left") and int(notice["chat_id"]) == CHAT
    assert "Eliminar chat" in notice["text"]


async def test_lost_ids_and_ids_left_make_one_notice(bot):
    app, request, services = bot
    remember(services, [1, 2])
    services.trail.mark_lost(CHAT)
    request.refuse("deleteMessages", 404)
    request.refuse("deleteMessage", 400, "Bad Request: message can't be deleted")
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="en")
    (notice,) = request.sent()
    assert notice["text"] == t("en", "wipe.left")


async def test_when_deletemessage_is_refused_too_it_stops_at_once_and_tells(bot):
    app, request, services = bot
    remember(services)
    request.refuse("deleteMessages", 404)
    request.refuse("deleteMessage", 404)
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="en")
    assert len(singles(request)) == 1
    (notice,) = request.sent()
    assert notice["text"] == t("en", "wipe.left")


async def test_a_failing_network_stops_one_by_one_after_a_few(bot):
    app, request, services = bot
    remember(services)
    request.refuse("deleteMessages", 404)
    request.refuse("deleteMessage", 502, "Bad Gateway")
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert len(singles(request)) == wipe.FAILURES_IN_A_ROW
    assert len(request.sent()) == 1


async def test_one_by_one_is_bounded(bot):
    app, request, services = bot
    many = list(range(1, 1200))
    remember(services, many)
    request.refuse("deleteMessages", 404)
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="en")
    done = singles(request)
    assert len(done) == wipe.ONE_BY_ONE_LIMIT
    assert done == sorted(many, reverse=True)[: wipe.ONE_BY_ONE_LIMIT]  # newest first
    (notice,) = request.sent()
    assert notice["text"] == t("en", "wipe.left")


@pytest.mark.parametrize(
    ("description", "told"),
    [
        ("Bad Request: message to delete not found", False),
        ("Bad Request: message can't be deleted", True),
    ],
)
async def test_a_batch_refused_for_its_messages_is_not_retried_one_by_one(bot, description, told):
    app, request, services = bot
    remember(services, [1, 2, 3])
    request.refuse("deleteMessages", 400, description)
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert singles(request) == []
    assert len(request.sent()) == int(told)
    # The method works: the next wipe still uses it.
    request.clear()
    remember(services, [4])
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert 4 in batches(request) and singles(request) == []


async def test_a_blocked_bot_tries_nothing_more(bot):
    app, request, services = bot
    remember(services)
    request.refuse("deleteMessages", 403, "Forbidden: bot was blocked by the user")
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert singles(request) == [] and not request.sent()


async def test_disappearing_mode_stays_silent_and_the_next_wipe_tells(bot):
    app, request, services = bot
    remember(services, [1, 2, 3])
    request.refuse("deleteMessages", 404)
    request.refuse("deleteMessage", 400, "Bad Request: message can't be deleted")
    await wipe.wipe_chat(app.bot, services, CHAT)  # the sweep
    assert len(singles(request)) == 3 and not request.sent()
    request.answers.clear()
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True, language_code="en")
    (notice,) = request.sent()
    assert "delete this chat in Telegram" in notice["text"]


async def test_a_sweep_that_deletes_everything_says_nothing_now_or_later(bot):
    app, request, services = bot
    remember(services, [1, 2, 3])
    request.refuse("deleteMessages", 404)
    await wipe.wipe_chat(app.bot, services, CHAT)
    await wipe.wipe_chat(app.bot, services, CHAT, tell=True)
    assert not request.sent() and sorted(singles(request)) == [1, 2, 3]


async def test_wipe_command_and_button_fall_back(bot):
    app, request, _ = bot
    request.refuse("deleteMessages", 200, "Not Found")  # ok: false with HTTP 200
    ana = user(CHAT)
    await feed(app, message_update("/start", sender=ana))
    menu_id = int(request.called("sendMessage")[0]["chat_id"]) and request.last()
    assert menu_id
    request.clear()
    wipe = message_update("/wipe", sender=ana)
    await feed(app, wipe)
    assert wipe["message"]["message_id"] in singles(request)
    assert len(singles(request)) == 2  # the menu and the /wipe
    assert not request.sent()
    request.clear()
    await feed(app, callback_update(callbacks.encode(Op.WIPE), sender=ana))
    assert singles(request) == [5]  # the menu the button sits on
    assert not request.sent()


def test_error_bodies_say_ok_false():
    assert json.loads(error_body(200, "x")) == {"ok": False, "error_code": 400, "description": "x"}


# ----- over real HTTP, against a server without deleteMessages --------------------------

E2E_TOKEN = "7000000012:wipe-fallback-token-0123456789abcdef"


HOSTILE = {
    "404": Fault.not_found(),
    "500 without a description": Fault.unsupported(),
    "ok false with 200": Fault.ok_false("Bad Request: method is not supported"),
}


@pytest.fixture(params=sorted(HOSTILE))
async def live(request, small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    # Paced: a 5xx is retried by the transport before the wipe falls back.
    async with live_bot(E2E_TOKEN, services, paced=True) as running:
        running.emu.fault_plan = for_methods(HOSTILE[request.param], "deleteMessages")
        yield running.emu


async def test_wipe_over_http_without_deletemessages(live):
    emu = live
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "/start")
    await emu.wait_for_bot_messages(ana)
    await emu.send_text(ana, "/start e_screening-basics")
    (card,) = await emu.wait_for_bot_messages(ana)
    await emu.press(ana, card, callbacks.encode(Op.WIPE))
    assert await emu.wait_until(lambda: all(m.deleted for m in emu.messages(ana)), timeout=15)
    await emu.idle()
    assert emu.messages(ana) and all(m.deleted for m in emu.messages(ana))
    assert emu.bot_messages(ana) == []  # and no notice: nothing was left
    refused = len(emu.calls_to("deleteMessages"))
    assert refused >= 1  # (a 5xx is retried by the transport before it counts as refused)
    # The next person's wipe goes straight to one by one.
    ben = emu.new_user("Ben")
    await emu.send_text(ben, "/start")
    await emu.wait_for_bot_messages(ben)
    await emu.send_text(ben, "/wipe")
    assert await emu.wait_until(lambda: all(m.deleted for m in emu.messages(ben)))
    assert len(emu.calls_to("deleteMessages")) == refused
    assert len(emu.callback_answers) == 1


async def test_wipe_over_http_tells_what_was_left(live):
    emu = live
    emu.fault_plan = combine(
        emu.fault_plan,
        for_methods(Fault.ok_false("Bad Request: message can't be deleted"), "deleteMessage"),
    )
    ana = emu.new_user("Ana", language_code="es")
    await emu.send_text(ana, "/start")
    await emu.wait_for_bot_messages(ana)
    await emu.send_text(ana, "/wipe")
    (notice,) = await emu.wait_for_bot_messages(ana, timeout=15)
    assert notice.text == t("es", "wipe.left")
    await emu.idle()
    assert len(emu.bot_messages(ana)) == 2  # the menu (left) and the one notice


async def test_a_batch_whose_answer_cannot_be_read_was_carried_out(small_snapshot):
    """A 2xx in an odd shape: the messages went, so nothing is tried again one by one."""
    from bot.app import ALLOWED_UPDATES

    emu = BotAPIEmulator(E2E_TOKEN)
    emu.fault_plan = for_methods(Fault.garbled(), "deleteMessages")
    await emu.start()
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    app = build_application(Config(token=Secret(emu.token), api_url=emu.api_url), services)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        ana = emu.new_user("Ana")
        await emu.send_text(ana, "/start")
        await emu.wait_for_bot_messages(ana)
        await emu.send_text(ana, "/wipe")
        assert await emu.wait_until(lambda: all(m.deleted for m in emu.messages(ana)))
        await emu.idle()
        assert emu.calls_to("deleteMessage") == [] and emu.bot_messages(ana) == []
        ben = emu.new_user("Ben")
        await emu.send_text(ben, "/wipe")
        assert await emu.wait_until(lambda: len(emu.calls_to("deleteMessages")) == 2)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await emu.stop()
    assert emu.violations == []
