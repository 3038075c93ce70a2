"""Hostile input: thousands of generated updates of every kind through the application.

Each must be handled without an unhandled exception, every call the bot makes must be
valid against the official Bot API description, and no user text may reach Telegram as
markup.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import build_application
from bot.callbacks import Op
from bot.config import Config, Secret
from bot.services import Services
from emulator.rules import check_rules
from emulator.spec import BotAPISpec, default_spec_path
from knowledge.base import KnowledgeBase
from knowledge.loader import load_or_raise
from tests.conftest import SMALL, TODAY
from tests.fakes import TOKEN, RecordingRequest

pytestmark = pytest.mark.slow  # 400 generated batches through the whole bot

UPDATES_PER_EXAMPLE = 6
EXAMPLES = 400  # 2,400 updates

_ids = itertools.count(1)
HOSTILE = [
    "\u202e",
    "\u200d",
    "\u200b",
    "\x00",
    "\x1b[31m",
    "<b>",
    "</b>",
    "<a href='x'>",
    "&amp;",
    "&",
    "<",
    ">",
    "**",
    "_",
    "[x](javascript:alert(1))",
    "💥",
    "👩‍👩‍👧",
    "ب",
    "я",
    "\n",
    "\t",
]
text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE), max_size=30).map("".join),
    st.builds(lambda s, n: (s or "x") * n, st.text(max_size=8), st.integers(200, 600)),
    st.just(""),
    st.just("a" * 4096),
)
users = st.builds(
    lambda uid, lang, name: {
        "id": uid,
        "is_bot": False,
        "first_name": name or "x",
        **({"language_code": lang} if lang else {}),
    },
    st.integers(1, 40),
    st.sampled_from([None, "en", "es", "es-MX", "fr", "xx-YY", ""]),
    st.text(max_size=10),
)
ops = [op.value for op in Op]
callback_data = st.one_of(
    st.text(max_size=70),
    st.builds(
        lambda op, args: "|".join(["1", op, *args]),
        st.sampled_from(ops),
        st.lists(st.text(alphabet="abcdefgxyz0123456789-|", max_size=12), max_size=3),
    ),
)
chats = st.sampled_from(["private", "group", "supergroup", "channel"])
extras = st.sampled_from(
    [
        {},
        {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "u", "duration": 1}},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "u",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"location": {"latitude": 1.5, "longitude": 2.5}},
        {"contact": {"phone_number": "+100", "first_name": "c"}},
        {"document": {"file_id": "d", "file_unique_id": "u"}},
    ]
)


@st.composite
def updates(draw) -> dict:
    sender = draw(users)
    chat_type = draw(chats)
    chat = (
        {"id": sender["id"], "type": "private"}
        if chat_type == "private"
        else {"id": -1000 - sender["id"], "type": chat_type, "title": "t"}
    )
    kind = draw(
        st.sampled_from(
            [
                "message",
                "message",
                "command",
                "edited_message",
                "channel_post",
                "callback_query",
                "inline_query",
                "my_chat_member",
            ]
        )
    )
    update: dict = {"update_id": next(_ids)}
    message = {"message_id": next(_ids), "date": 1, "chat": chat, "from": sender}
    if kind in ("message", "edited_message", "channel_post"):
        body = draw(text)
        extra = draw(extras)
        message.update(extra)
        if body:
            message["text"] = body
        if kind == "edited_message":
            message["edit_date"] = 2
        if kind == "channel_post":
            message.pop("from")
            message["chat"] = {"id": -100777, "type": "channel", "title": "c"}
        update[kind] = message
    elif kind == "command":
        command = draw(
            st.sampled_from(
                [
                    "/start",
                    "/help",
                    "/privacy",
                    "/mod",
                    "/wipe",
                    "/start@lantern_test_bot",
                    "/unknown",
                    "/start e_x",
                ]
            )
        )
        tail = draw(text)
        message["text"] = f"{command} {tail}".strip()
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        ]
        update["message"] = message
    elif kind == "callback_query":
        update["callback_query"] = {
            "id": str(next(_ids)),
            "from": sender,
            "chat_instance": "ci",
            "data": draw(callback_data),
            "message": {
                **message,
                "from": {"id": 1000000001, "is_bot": True, "first_name": "L"},
                "text": "menu",
            },
        }
    elif kind == "inline_query":
        update["inline_query"] = {
            "id": str(next(_ids)),
            "from": sender,
            "query": draw(text)[:256],
            "offset": "",
        }
    else:
        update["my_chat_member"] = {
            "chat": chat,
            "from": sender,
            "date": 1,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1000000001, "is_bot": True, "first_name": "L"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 1000000001, "is_bot": True, "first_name": "L"},
            },
        }
    return update


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    path = default_spec_path()
    if not path.exists():
        pytest.skip("the Bot API spec (../shared/botapi/api.json) is not beside the repo")
    spec = BotAPISpec.load(path)
    loop = asyncio.new_event_loop()
    request = RecordingRequest()
    services = Services(KnowledgeBase(load_or_raise(SMALL)), today=lambda: TODAY)
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    app = build_application(
        Config(token=Secret(TOKEN), data_dir=data_dir), services, request=request
    )
    loop.run_until_complete(services.attach_store(data_dir))
    loop.run_until_complete(app.initialize())
    yield loop, app, request, spec
    loop.run_until_complete(app.shutdown())
    loop.run_until_complete(services.close())
    loop.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(updates(), min_size=1, max_size=UPDATES_PER_EXAMPLE))
def test_any_update_is_handled_validly(harness, batch, caplog):
    loop, app, request, spec = harness
    request.clear()
    with caplog.at_level(logging.ERROR):
        for raw in batch:
            update = Update.de_json(raw, app.bot)
            loop.run_until_complete(app.process_update(update))
    # No handler failed (a failure would be logged as an incident).
    assert "incident=" not in caplog.text
    user_texts = [u.get("message", {}).get("text", "") for u in batch]
    for method, params in request.calls:
        problems = spec.check_call(method, params) + check_rules(method, params)
        assert problems == [], (method, problems)
        sent = str(params.get("text", "")) + str(params.get("caption", ""))
        for typed in user_texts:
            if "<" in typed and len(typed) > 3:
                assert typed not in sent, "user text reached Telegram unescaped"
