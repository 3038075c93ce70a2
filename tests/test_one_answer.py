"""One press, one answer: every kind of button is answered exactly once, whatever it does.

Telegram refuses a second answer to the same press, and the wasted call still counts
against the bot's limits; no answer at all leaves a spinner turning on the person's screen.
"""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import Op
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import RecordingRequest, callback_update, feed, recorded_app, user
from tests.live import live_bot

# One press of every kind of button (and of the same kind along its different paths).
PRESSES: list[tuple[Op, tuple[object, ...]]] = [
    (Op.HOME, ()),
    (Op.CATEGORY, ("safety", 0)),
    (Op.TOPIC, (callbacks.topic_number("screening"), 0)),
    (Op.ENTRY, ("screening-basics", "")),
    (Op.ENTRY, ("no-such-entry", "")),
    (Op.SEARCH_TIPS, ()),
    (Op.LANGUAGES, ()),
    (Op.SET_LANGUAGE, ("es",)),
    (Op.SET_LANGUAGE, ("xx",)),
    (Op.REGIONS, (0,)),
    (Op.SET_REGION, ("uk",)),
    (Op.SET_REGION, ("",)),
    (Op.PRIVACY, ()),
    (Op.HELP, ()),
    (Op.WIPE, ()),
    (Op.HELP_NOW, ()),
    (Op.HELP_NOW, (1, "es")),
    (Op.RESULTS, (1, "en")),
    (Op.CLOSE, ()),
    (Op.EMERGENCY, ()),
    (Op.SHARE, ("e", "screening-basics")),
    (Op.SHARE, ("t", "screening")),
    (Op.SHARE, ("e", "no-such-entry")),
    (Op.SETTINGS, ()),
    (Op.SETTINGS, ("d",)),
    (Op.SETTINGS, ("v", "5")),
    (Op.USER, ("sh",)),
    (Op.USER, ("x",)),
    (Op.MOD, ("q",)),
    (Op.MOD, ("x",)),
    (Op.ALERT, ("l",)),
    (Op.ALERT, ("r",)),
    (Op.CHECKIN, ("m",)),
    (Op.CHECKIN, ("ok", "0123456789ab")),  # a check-in that is over
    (Op.CHECKIN, ("h", "0123456789ab")),  # a contact's button, the alert over
]


@pytest.fixture
async def bot(small_snapshot, tmp_path):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services, data_dir=tmp_path) as (app, request):
        yield app, request


def answers(request: RecordingRequest) -> list[dict]:
    return [p for m, p in request.calls if m == "answerCallbackQuery"]


def test_every_kind_of_button_is_pressed():
    assert {op for op, _ in PRESSES} == set(Op)


@pytest.mark.parametrize(("op", "args"), PRESSES, ids=lambda v: repr(v))
async def test_each_press_is_answered_exactly_once(bot, op, args):
    app, request = bot
    data = callbacks.encode(op, *args)
    update = callback_update(data)
    await feed(app, update)
    answered = answers(request)
    assert len(answered) == 1, f"{op.name}: {len(answered)} answers"
    assert answered[0]["callback_query_id"] == update["callback_query"]["id"]


@pytest.mark.parametrize("data", ["", "junk", "9|h", "1|S|e|" + "x" * 70])
async def test_stale_or_forged_presses_are_answered_once(bot, data):
    app, request = bot
    await feed(app, callback_update(data))
    assert len(answers(request)) == 1


async def test_a_press_in_a_group_is_answered_once(bot):
    app, request = bot
    group = {"id": -100777, "type": "supergroup", "title": "G"}
    await feed(
        app, callback_update(callbacks.encode(Op.SHARE, "e", "screening-basics"), chat=group)
    )
    await feed(app, callback_update(callbacks.encode(Op.WIPE), chat=group))
    assert len(answers(request)) == 2


async def test_many_presses_many_answers_each_once(bot):
    app, request = bot
    sender = user(222)
    for op, args in PRESSES:
        await feed(app, callback_update(callbacks.encode(op, *args), sender=sender))
    assert len(answers(request)) == len(PRESSES)
    ids = [a["callback_query_id"] for a in answers(request)]
    assert len(set(ids)) == len(ids)


class _FailingAnswers(RecordingRequest):
    """answerCallbackQuery answers `ok: false` with HTTP 200 (a server some bots meet)."""

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        if url.endswith("/answerCallbackQuery"):
            self.on_call("answerCallbackQuery", dict(request_data.parameters), request_data)
            return 200, b'{"ok":false,"error_code":400,"description":"Bad Request: no"}'
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_a_failed_answer_still_shows_the_screen_and_is_not_tried_again(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services, request=_FailingAnswers()) as (app, request):
        await feed(app, callback_update(callbacks.encode(Op.HELP)))
        assert len(answers(request)) == 1
        assert request.last()["text"].startswith("<b>")  # the help screen, no apology
        request.clear()
        await feed(app, callback_update(callbacks.encode(Op.SHARE, "e", "screening-basics")))
        assert len(answers(request)) == 1
        assert [m for m, _ in request.calls if m == "sendPhoto"]


# ----- over real HTTP, through the emulator (which refuses a second answer) -------------

E2E_TOKEN = "7000000011:one-answer-token-0123456789abcdefgh"


@pytest.fixture
async def live(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with live_bot(E2E_TOKEN, services, paced=True) as running:
        yield running.emu


async def test_share_and_wipe_are_answered_once_over_http(live):
    emu = live
    ana = emu.new_user("Ana")
    await emu.send_text(ana, "/start")
    await emu.wait_for_bot_messages(ana)
    await emu.send_text(ana, "/start e_screening-basics")
    (card,) = await emu.wait_for_bot_messages(ana)

    await emu.press(ana, card, callbacks.encode(Op.SHARE, "e", "screening-basics"))
    (photo,) = await emu.wait_for_bot_messages(ana)
    assert "start=e_screening-basics" in photo.text
    await emu.press(ana, card, callbacks.encode(Op.WIPE))
    await emu.wait_until(lambda: len(emu.calls_to("answerCallbackQuery")) >= 2)
    await emu.idle()

    assert len(emu.calls_to("answerCallbackQuery")) == 2
    assert len(emu.callback_answers) == 2
    # Nothing was refused: no second answer was tried.
    assert not [e for e in emu.errors if e.startswith("answerCallbackQuery")]
    assert [m for m in emu.messages(ana) if not m.deleted] == []
