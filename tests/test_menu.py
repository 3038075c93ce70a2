"""The menu, /help and /start's links through the handlers: few buttons, 🆘 first, every
way in says where it leads, and a link that leads nowhere any more says so."""

from __future__ import annotations

import pytest

from bot import callbacks, keyboards
from bot.callbacks import Op
from bot.i18n import languages, t
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    buttons,
    callback_update,
    feed,
    message_update,
    recorded_app,
    user,
)


@pytest.fixture
async def bot(small_snapshot, tmp_path):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services, data_dir=tmp_path) as (app, request):
        yield app, request, services


async def say(app, request, text: str, lang: str = "en") -> dict:
    await feed(app, message_update(text, sender=user(601, lang=lang)))
    return request.last()


@pytest.mark.parametrize("lang", languages())
async def test_the_menu_has_at_most_eight_buttons_with_help_now_first(bot, lang):
    app, request, _ = bot
    await feed(app, callback_update(callbacks.encode(Op.HOME), sender=user(601, lang=lang)))
    labels = [label for label, _ in buttons(request.last())]
    assert len(labels) <= 8
    assert labels[0] == t(lang, "btn.helpnow")
    for key in ("btn.safety", "btn.rights", "btn.services", "btn.privacy", "btn.wipe"):
        assert t(lang, key) in labels
    assert labels == [b.text for row in keyboards.main_menu(lang).inline_keyboard for b in row]
    # One Privacy button (the settings are on its screen), and no "Search tips".
    assert sum("🔒" in label or "⚙️" in label for label in labels) == 1
    assert not any("🔎" in label for label in labels)


async def test_language_and_region_are_one_button_away(bot):
    app, request, _ = bot
    await feed(app, callback_update(callbacks.encode(Op.LANGUAGES)))
    data = [d for _, d in buttons(request.last())]
    assert callbacks.encode(Op.SET_LANGUAGE, "es") in data
    assert callbacks.encode(Op.REGIONS, 0) in data


@pytest.mark.parametrize("lang", languages())
async def test_help_points_to_help_now_and_has_it_one_tap_away(bot, lang):
    app, request, _ = bot
    sent = await say(app, request, "/help", lang)
    assert t(lang, "btn.helpnow") in sent["text"]
    assert "Crisis" not in sent["text"] and "crisis" not in sent["text"]
    assert buttons(sent)[0] == (t(lang, "btn.helpnow"), callbacks.encode(Op.HELP_NOW))
    assert "/help" in t(lang, "start")  # the greeting says where help is


@pytest.mark.parametrize("lang", languages())
async def test_privacy_says_what_it_cannot_do_in_words_not_a_file_path(bot, lang):
    app, request, _ = bot
    sent = await say(app, request, "/privacy", lang)
    assert "docs/" not in sent["text"] and "threat-model" not in sent["text"]
    assert "Telegram" in sent["text"]
    assert callbacks.encode(Op.WIPE) in [d for _, d in buttons(sent)]


@pytest.mark.parametrize(
    ("payload", "lang"),
    [
        ("e_retired-or-unknown-entry", "en"),
        ("t_no-such-topic", "es"),
        ("e_example-clinic_es_r-no-such-region", "es"),  # a sample entry, hidden
        ("something-else", "en"),
    ],
)
async def test_a_dead_link_says_it_is_out_of_date_above_the_menu(bot, payload, lang):
    app, request, _ = bot
    sent = await say(app, request, f"/start {payload}", lang)
    assert sent["text"] == f"{t(lang, 'start.link_out_of_date')}\n\n{t(lang, 'menu')}"
    assert buttons(sent)[0][0] == t(lang, "btn.helpnow")


@pytest.mark.parametrize("lang", languages())
async def test_an_unknown_or_spent_invite_says_so(bot, lang):
    app, request, services = bot
    sent = await say(app, request, "/start inv-notarealinvitecode", lang)
    assert sent["text"].startswith(t(lang, "start.invite_invalid"))
    code = await services.moderation.create_invite("moderator")
    first = await say(app, request, f"/start {code}", lang)
    assert first["text"] == t(lang, "mod.join.ask_name")  # a good invite still works
    await say(app, request, "Wren", lang)
    again = await say(app, request, f"/start {code}", lang)
    assert again["text"].startswith(t(lang, "start.invite_invalid"))


async def test_an_invite_without_moderation_says_so_too(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services) as (app, request):
        await feed(app, message_update("/start inv-abc"))
        assert request.last()["text"].startswith(t("en", "start.invite_invalid"))
