"""Webhook bodies that are JSON but no update get a 400, and nothing is logged but the type."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Bot

from bot.webhook import SECRET_HEADER, web_app

SECRET = "s3cret-s3cret-s3cret"
PATH = "/telegram/test-path"
CANARY = "Marcus Whitfield"


@pytest.fixture
async def client():
    application = SimpleNamespace(
        bot=Bot("7000000007:webhook-input-token-0123456789abcdefgh"),
        update_queue=asyncio.Queue(),
        running=True,
    )
    server = TestServer(web_app(application, PATH, SECRET))  # type: ignore[arg-type]
    async with TestClient(server) as session:
        session.queue = application.update_queue  # type: ignore[attr-defined]
        yield session


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"x"',
        b"1",
        b"null",
        b"true",
        b'["Marcus Whitfield"]',
        b"{}",
        b'{"update_id": 1, "message": 5}',
        b'{"update_id": 1, "message": ["Marcus Whitfield"]}',
        b'{"update_id": 1, "callback_query": "Marcus Whitfield"}',
        b'{"update_id": 1, "message": {"text": "Marcus Whitfield"}}',
    ],
)
async def test_json_that_is_no_update_is_a_400_without_a_traceback(client, caplog, body):
    with caplog.at_level(logging.DEBUG):
        response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
        assert response.status == 400
    assert client.queue.empty()
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    assert CANARY not in caplog.text


async def test_a_real_update_still_goes_through(client):
    update = b'{"update_id": 7}'
    response = await client.post(PATH, data=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert (await client.queue.get()).update_id == 7
