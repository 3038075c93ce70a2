"""The bot's behaviour through Application.process_update, with the HTTP layer stubbed."""

from __future__ import annotations

import logging

import pytest

from bot import callbacks, deeplinks
from bot.app import register_commands
from bot.callbacks import Op
from bot.i18n import languages, t
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    TOKEN,
    buttons,
    callback_update,
    feed,
    message_update,
    private_chat,
    recorded_app,
    user,
)


@pytest.fixture
async def bot(small_snapshot):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services) as (app, request):
        yield app, request


def data_for(params, label: str) -> str:
    matches = [d for text, d in buttons(params) if label in text]
    assert matches, f"no button '{label}' in {buttons(params)}"
    return matches[0]


async def test_start_shows_greeting_and_main_menu(bot):
    app, request = bot
    await feed(app, message_update("/start"))
    sent = request.last()
    assert sent["text"] == t("en", "start")
    labels = [text for text, _ in buttons(sent)]
    for key in (
        "btn.helpnow",
        "btn.discreet_turn_on",  # discreet mode is off: one tap turns it on
        "btn.safety",
        "btn.rights",
        "btn.services",
        "btn.share",
        "btn.language",
        "btn.privacy",
        "btn.wipe",
    ):
        assert t("en", key) in labels
    assert sent["parse_mode"] == "HTML"


async def test_start_in_spanish_for_spanish_telegram(bot):
    app, request = bot
    await feed(app, message_update("/start", sender=user(lang="es-MX")))
    assert request.last()["text"] == t("es", "start")


async def test_browse_category_topic_entry_and_back(bot):
    app, request = bot
    await feed(app, callback_update(callbacks.encode(Op.CATEGORY, "safety", 0)))
    menu = request.last()
    assert "Safety" in menu["text"]
    assert any("Screening clients (1)" in text for text, _ in buttons(menu))
    await feed(app, callback_update(data_for(menu, "Screening clients")))
    topic = request.last()
    await feed(app, callback_update(data_for(topic, "Screening a new client")))
    card = request.last()
    assert card["text"].startswith("<b>Screening a new client</b>")
    assert "<b>Trust your gut</b>" in card["text"]
    assert "Last checked 1 Nov 2026." in card["text"]
    await feed(app, callback_update(data_for(card, "Back")))
    assert request.last()["text"] == topic["text"]
    await feed(app, callback_update(data_for(card, "Menu")))
    assert request.last()["text"] == t("en", "menu")
    # Every button press was answered, so no spinner is left turning.
    answered = [m for m, _ in request.calls if m == "answerCallbackQuery"]
    assert len(answered) == 5


async def test_referral_card_shows_flags_contact_and_escapes(small_snapshot):
    from bot.render import entry_card

    card = entry_card(small_snapshot.get("example-clinic"), "en", TODAY)
    for words in (
        "Does not involve police",
        "No ID needed",
        "Free",
        "Run by sex workers",
        "Not known whether they ask about immigration status",
        "Website: https://example.org",
        "Phone: +1 555 0100",
        "Sample entry: not a real service.",
    ):
        assert words in card
    assert '2 &lt; 3 &amp; "quotes" &gt; stay literal' in card
    spanish = entry_card(small_snapshot.get("example-clinic"), "es", TODAY)
    assert "No involucra a la policía" in spanish and "Gratis" in spanish


async def test_rights_card_shows_jurisdiction(small_snapshot):
    from bot.render import entry_card

    card = entry_card(small_snapshot.get("rights-phone-us"), "en", TODAY)
    assert "Applies to: United States (general)" in card


async def test_overdue_card_says_it_may_be_out_of_date(small_snapshot):
    from bot.render import entry_card

    card = entry_card(small_snapshot.get("uk-peer-group"), "en", TODAY)
    assert "may be out of date" in card


@pytest.mark.parametrize("data", ["garbage", "1|t|999|0", "0|h", "1|e|no-such-entry|", "1|L|xx"])
async def test_stale_or_forged_buttons_get_the_menu(bot, data):
    app, request = bot
    await feed(app, callback_update(data))
    sent = request.last()
    assert sent["text"].startswith(t("en", "expired"))
    assert t("en", "btn.safety") in [text for text, _ in buttons(sent)]
    assert (
        "answerCallbackQuery",
        {"callback_query_id": request.calls[0][1]["callback_query_id"]},
    ) == request.calls[0]


async def test_typed_misspelled_question_finds_entries(bot):
    app, request = bot
    await feed(app, message_update("how do i chek a new cleint"))
    sent = request.last()
    assert sent["text"].startswith("🔎 “")
    first_text, first_data = buttons(sent)[0]
    assert "Screening a new client" in first_text
    assert callbacks.decode(first_data).args[0] == "screening-basics"


async def test_search_in_spanish(bot):
    app, request = bot
    await feed(app, message_update("sobredosis q hago", sender=user(lang="es")))
    sent = request.last()
    assert sent["text"].startswith("🔎 “")
    assert "Señales de sobredosis" in buttons(sent)[0][0]


async def test_nothing_found_is_helpful(bot):
    app, request = bot
    await feed(app, message_update("zebra xylophone quantum"))
    sent = request.last()
    assert sent["text"] == t("en", "search.nothing")
    assert t("en", "btn.safety") in [text for text, _ in buttons(sent)]


async def test_deep_link_opens_entry_in_its_language(bot):
    app, request = bot
    payload = deeplinks.encode(deeplinks.Link("entry", "screening-basics", "es"))
    await feed(app, message_update(f"/start {payload}"))
    assert request.last()["text"].startswith("<b>Cómo filtrar a un cliente nuevo</b>")


async def test_deep_link_opens_topic(bot):
    app, request = bot
    await feed(app, message_update("/start t_overdose"))
    assert "Overdose" in request.last()["text"]


@pytest.mark.parametrize(
    "payload", ["nonsense", "e_no-such-entry", "t_no-topic", "x" * 80, "z_v7", "inv"]
)
async def test_unknown_deep_links_say_so_above_the_menu(bot, payload):
    app, request = bot
    await feed(app, message_update(f"/start {payload}"))
    sent = request.last()
    assert sent["text"] == f"{t('en', 'start.link_out_of_date')}\n\n{t('en', 'menu')}"
    assert buttons(sent)[0][0] == t("en", "btn.helpnow")


async def test_language_switch_is_remembered(bot):
    app, request = bot
    await feed(app, callback_update(callbacks.encode(Op.LANGUAGES)))
    await feed(app, callback_update(data_for(request.last(), "Español")))
    assert request.last()["text"].startswith(t("es", "language.set"))
    await feed(app, message_update("/start"))
    assert request.last()["text"] == t("es", "start")


async def test_region_choice_filters_entries(bot):
    app, request = bot
    await feed(app, callback_update(callbacks.encode(Op.SET_REGION, "uk")))
    assert "United Kingdom" in request.last()["text"]
    await feed(app, message_update("cops phone search"))
    found = [
        callbacks.decode(d).args[0]
        for _, d in buttons(request.last())
        if callbacks.decode(d).op is Op.ENTRY
    ]
    assert "rights-phone-us" not in found
    await feed(app, callback_update(callbacks.encode(Op.SET_REGION, "us")))
    await feed(app, message_update("cops phone search"))
    assert "rights-phone-us" in [
        callbacks.decode(d).args[0]
        for _, d in buttons(request.last())
        if callbacks.decode(d).op is Op.ENTRY
    ]


async def test_example_region_cannot_be_forced_when_examples_are_off(bot):
    app, request = bot
    await feed(app, callback_update(callbacks.encode(Op.SET_REGION, "example")))
    assert request.last()["text"].startswith(t("en", "expired"))


async def test_help_and_privacy(bot):
    app, request = bot
    await feed(app, message_update("/help"))
    assert request.last()["text"] == t("en", "help")
    await feed(app, message_update("/privacy"))
    assert "keeps nothing about you" in request.last()["text"]


async def test_unknown_command_gets_the_menu(bot):
    app, request = bot
    await feed(app, message_update("/mod"))
    assert request.last()["text"].startswith(t("en", "unknown_command"))


async def test_non_text_messages_get_a_pointer(bot):
    app, request = bot
    await feed(
        app,
        message_update(
            None,
            extra={
                "sticker": {
                    "file_id": "f",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            },
        ),
    )
    assert request.last()["text"].startswith(t("en", "nontext"))


async def test_in_groups_only_addressed_commands_get_one_reply(bot):
    app, request = bot
    group = {"id": -100123, "type": "supergroup", "title": "Team"}
    await feed(app, message_update("hello everyone, overdose", chat=group))
    await feed(app, message_update("/start@other_bot", chat=group))
    assert request.calls == []
    await feed(app, message_update("/start@lantern_test_bot", chat=group))
    assert len(request.sent()) == 1
    reply = request.last()
    assert reply["text"] == t("en", "group.private_only")
    assert buttons(reply) == [(t("en", "group.open"), "https://t.me/lantern_test_bot")]
    # Forged menu buttons pressed in a group do nothing but stop the spinner.
    request.clear()
    await feed(app, callback_update(callbacks.encode(Op.HOME), chat=group))
    assert [m for m, _ in request.calls] == ["answerCallbackQuery"]


async def test_edited_messages_and_channel_posts_are_ignored(bot):
    app, request = bot
    await feed(app, message_update("edited", kind="edited_message"))
    await feed(
        app,
        message_update(
            "post", chat={"id": -1001, "type": "channel", "title": "c"}, kind="channel_post"
        ),
    )
    assert request.calls == []


async def test_a_failing_handler_logs_only_type_and_incident(bot, caplog, monkeypatch):
    app, request = bot
    services = app.bot_data["lantern"]

    def explode(*args, **kwargs):
        raise ValueError("CANARY-secret-detail")

    monkeypatch.setattr(services.kb, "search", explode)
    with caplog.at_level(logging.DEBUG):
        await feed(app, message_update("CANARY-query-text"))
    assert request.last()["text"].startswith(t("en", "error"))
    records = [r for r in caplog.records if r.name.startswith("lantern")]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "handler=text_search" in line and "error=ValueError" in line
    assert "CANARY" not in caplog.text


async def test_commands_registered_per_language(bot):
    app, request = bot
    await register_commands(app)
    calls = [p for m, p in request.calls if m == "setMyCommands"]
    # One call per interface language; English is also the default for everyone else.
    assert [c.get("language_code") for c in calls] == [
        None if lang == "en" else lang for lang in languages()
    ]
    assert all(c["scope"] == {"type": "all_private_chats"} for c in calls)
    assert [c["command"] for c in calls[0]["commands"]] == [
        *("start", "help", "privacy", "wipe", "checkin", "sos")
    ]


async def test_no_user_or_chat_ids_held_after_a_thousand_users(bot):
    app, _ = bot
    for uid in range(10_000, 11_000):
        await feed(app, message_update("/start", sender=user(uid), chat=private_chat(uid)))
    for name in (
        "_user_ids_to_be_updated_in_persistence",
        "_chat_ids_to_be_updated_in_persistence",
        "_user_ids_to_be_deleted_in_persistence",
        "_chat_ids_to_be_deleted_in_persistence",
    ):
        assert getattr(app, name) == set(), name
    assert dict(app.user_data) == {} and dict(app.chat_data) == {}
    assert app.persistence is None


async def test_token_not_in_application_or_bot_repr(bot):
    app, _ = bot
    assert TOKEN not in repr(app)
    assert TOKEN not in repr(app.bot)
    assert TOKEN.split(":")[1] not in repr(app) + str(app.bot)
