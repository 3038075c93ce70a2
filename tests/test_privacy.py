"""Privacy invariants: canary text, ids and names never reach a log line or a file."""

from __future__ import annotations

import io
import logging

import pytest

from bot import callbacks, logs
from bot.app import build_application
from bot.callbacks import Op
from bot.config import Config, Secret
from bot.services import Services
from knowledge.base import KnowledgeBase
from moderation.store import Store
from tests.conftest import TODAY
from tests.fakes import TOKEN, RecordingRequest, callback_update, feed, message_update

CANARY_TEXT = "CANARYTEXT7f3a overdose"
CANARY_ID = 7_424_242_424
CANARY_NAME = "Canaryname9c1"
CANARY_USERNAME = "canary_user_5d2"
CANARIES = [
    CANARY_TEXT.split()[0],
    str(CANARY_ID),
    CANARY_NAME,
    CANARY_USERNAME,
    TOKEN,
    TOKEN.split(":")[1],
]


def canary_user() -> dict:
    return {
        "id": CANARY_ID,
        "is_bot": False,
        "first_name": CANARY_NAME,
        "last_name": CANARY_NAME,
        "username": CANARY_USERNAME,
        "language_code": "en",
    }


def canary_chat() -> dict:
    return {
        "id": CANARY_ID,
        "type": "private",
        "first_name": CANARY_NAME,
        "username": CANARY_USERNAME,
    }


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logs.configure("DEBUG", TOKEN, stream=stream)
    # Also catch anything a library logs past our level settings.
    raw = io.StringIO()
    raw_handler = logging.StreamHandler(raw)
    raw_handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(raw_handler)
    yield stream, raw
    logging.getLogger().removeHandler(raw_handler)
    logging.getLogger().removeHandler(handler)


async def test_canaries_appear_in_no_log_and_no_file(small_snapshot, tmp_path, captured_logs):
    stream, raw = captured_logs
    data_dir = tmp_path / "data"
    store = await Store.open(data_dir)
    request = RecordingRequest()
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    app = build_application(
        Config(token=Secret(TOKEN), data_dir=data_dir), services, request=request
    )
    await app.initialize()
    sender, chat = canary_user(), canary_chat()
    updates = [
        message_update("/start", sender=sender, chat=chat),
        message_update(CANARY_TEXT, sender=sender, chat=chat),
        message_update(f"/start {CANARY_TEXT.split()[0]}", sender=sender, chat=chat),
        message_update(f"/{CANARY_USERNAME}", sender=sender, chat=chat),
        callback_update(callbacks.encode(Op.CATEGORY, "safety", 0), sender=sender, chat=chat),
        callback_update(f"1|e|{CANARY_TEXT.split()[0].lower()}|", sender=sender, chat=chat),
        callback_update(f"CANARY|{CANARY_NAME}", sender=sender, chat=chat),
        message_update(CANARY_TEXT, sender=sender, chat=chat, kind="edited_message"),
    ]
    for update in updates:
        await feed(app, update)
    # A failing handler too: its log line must not carry the update either.
    services.kb.search = None  # type: ignore[assignment]
    await feed(app, message_update(CANARY_TEXT, sender=sender, chat=chat))
    await app.shutdown()
    await store.close()

    assert "incident=" in stream.getvalue(), "the failure should have been logged"
    everything = stream.getvalue() + raw.getvalue()
    for canary in CANARIES:
        assert canary not in everything, f"{canary!r} leaked into the logs"
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for canary in CANARIES:
                assert canary.encode() not in content, f"{canary!r} leaked into {path.name}"
    # The bot did answer, so the canaries really went through the handlers.
    assert len(request.sent()) >= 6
