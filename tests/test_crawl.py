"""Press every reachable button, in every interface language, over the shipped content."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.content import load_knowledge
from bot.i18n import languages, t
from bot.remembered.flood import FloodGuard
from bot.render import MAX_MESSAGE, visible_length
from bot.services import Services
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.conftest import TODAY
from tests.fakes import buttons, callback_update, feed, recorded_app, user

pytestmark = pytest.mark.slow  # runs whole benchmarks or crawls every screen

MAX_SCREENS = 3000


@pytest.mark.parametrize("lang", languages())
async def test_every_screen_is_reachable_valid_and_fits(lang):
    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    services = Services(kb, today=lambda: TODAY, flood=FloodGuard(burst=10**6))
    async with recorded_app(services) as (app, request):
        sender = user(lang=lang)
        seen: set[str] = set()
        queue = [callbacks.encode(callbacks.Op.HOME)]
        entries_shown: set[str] = set()
        while queue:
            data = queue.pop()
            if data in seen:
                continue
            seen.add(data)
            action = callbacks.decode(data)
            assert action is not None, data
            if action.op in (callbacks.Op.SET_LANGUAGE, callbacks.Op.SET_REGION):
                continue  # changing settings mid-crawl would mix languages
            await feed(app, callback_update(data, sender=sender))
            screen = request.last()
            assert not screen["text"].startswith(t(lang, "expired")), data
            assert 0 < visible_length(screen["text"]) <= MAX_MESSAGE, data
            if action.op is callbacks.Op.ENTRY:
                entries_shown.add(action.args[0])
            for _, button_data in buttons(screen):
                assert len(button_data.encode()) <= 64
                queue.append(button_data)
            assert len(seen) < MAX_SCREENS
    # Browsing reaches every entry a person sees by default.
    visible = {e.id for e in kb.snapshot.visible(None)}
    assert visible - entries_shown == set()
