"""End to end: the real application, over real HTTP, against the local Bot API emulator.

The emulator checks every call against the official Bot API description, so any
unknown method or parameter, over-long text or callback data, or broken HTML fails here.
"""

from __future__ import annotations

import io
import logging

import pytest

from bot import callbacks, deeplinks, i18n, logs
from bot.i18n import t
from bot.services import Services
from moderation.store import Store
from tests.conftest import TODAY
from tests.live import data_of, live_bot

TOKEN = "7000000001:e2e-secret-token-DO-NOT-LOG-0123456789"


@pytest.fixture
async def live(shipped_kb):
    async with live_bot(TOKEN, Services(shipped_kb, today=lambda: TODAY)) as running:
        yield running.emu


async def test_browse_from_start_to_a_card_and_back(live):
    emu = live
    ana = emu.new_user("Ana", language_code="en")
    await emu.send_text(ana, "/start")
    (menu,) = await emu.wait_for_bot_messages(ana)
    assert menu.text.startswith("Hi. This is Lantern")
    await emu.press(ana, menu, t("en", "btn.safety"))
    (topics,) = await emu.wait_for_bot_messages(ana)
    assert topics.message_id == menu.message_id and topics.text.startswith("Safety")
    if not any("Overdose" in label for row in topics.buttons for label, _ in row):
        await emu.press(ana, topics, data_of(topics, t("en", "btn.next")))  # the next page
        (topics,) = await emu.wait_for_bot_messages(ana)
    await emu.press(ana, topics, data_of(topics, "Overdose"))
    (overdose,) = await emu.wait_for_bot_messages(ana)
    await emu.press(ana, overdose, data_of(overdose, "naloxone"))
    (card,) = await emu.wait_for_bot_messages(ana)
    assert "naloxone" in card.text.lower()
    assert "Last checked" in card.text
    await emu.press(ana, card, t("en", "btn.back"))
    (back,) = await emu.wait_for_bot_messages(ana)
    assert back.text == overdose.text
    # Everything happened in one message, edited in place: nothing piles up on the phone.
    assert len(emu.bot_messages(ana)) == 1


async def test_misspelled_spanish_question_finds_a_spanish_card(live):
    emu = live
    lucia = emu.new_user("Lucía", language_code="es")
    await emu.send_text(lucia, "q hago si mi amiga tiene sobredosis")
    (results,) = await emu.wait_for_bot_messages(lucia)
    assert results.text.startswith("🔎 “")
    await emu.press(lucia, results, results.buttons[0][0][1])
    (card,) = await emu.wait_for_bot_messages(lucia)
    assert "sobredosis" in card.text.lower()
    assert "Revisado por última vez" in card.text


async def test_referral_card_shows_flags_in_plain_words(live):
    emu = live
    sam = emu.new_user("Sam", language_code="en")
    await emu.send_text(sam, "global network of sex work projects nswp")
    (results,) = await emu.wait_for_bot_messages(sam)
    await emu.press(sam, results, results.buttons[0][0][1])
    (card,) = await emu.wait_for_bot_messages(sam)
    assert "Good to know:" in card.text
    assert any(word in card.text for word in ("police", "Police"))


async def test_language_switch(live):
    emu = live
    kim = emu.new_user("Kim", language_code="en")
    await emu.send_text(kim, "/start")
    (menu,) = await emu.wait_for_bot_messages(kim)
    await emu.press(kim, menu, t("en", "btn.language"))
    (languages,) = await emu.wait_for_bot_messages(kim)
    await emu.press(kim, languages, data_of(languages, "Español"))
    (done,) = await emu.wait_for_bot_messages(kim)
    assert done.text.startswith(t("es", "language.set"))
    assert t("es", "btn.safety") in [label for row in done.buttons for label, _ in row]


async def test_deep_link_opens_the_entry_in_its_language(live, shipped_kb):
    emu = live
    entry = next(iter(shipped_kb.snapshot.visible(None)))
    payload = deeplinks.encode(deeplinks.Link("entry", entry.id, "es"))
    visitor = emu.new_user("Visitor", language_code="en")
    await emu.send_text(visitor, f"/start {payload}")
    (card,) = await emu.wait_for_bot_messages(visitor)
    assert card.text.startswith(entry.text("es").title)
    # A link to a hidden sample entry opens the menu, not the entry, and says why.
    hidden = next(e for e in shipped_kb.snapshot.entries if "example" in e.regions)
    await emu.send_text(visitor, f"/start {deeplinks.encode(deeplinks.Link('entry', hidden.id))}")
    (menu,) = await emu.wait_for_bot_messages(visitor)
    assert menu.text == f"{t('es', 'start.link_out_of_date')}\n\n{t('es', 'menu')}"


async def test_forged_callback_gets_the_menu(live):
    emu = live
    eve = emu.new_user("Eve")
    await emu.send_text(eve, "/start")
    (menu,) = await emu.wait_for_bot_messages(eve)
    await emu.push_update(
        {
            "callback_query": {
                "id": "forged1",
                "from": eve.to_api(),
                "chat_instance": "x",
                "message": menu.to_api(emu.bot_user()),
                "data": "1|e|../../etc/passwd|",
            }
        }
    )
    (expired,) = await emu.wait_for_bot_messages(eve)
    assert expired.text.startswith(t("en", "expired"))
    assert emu.calls_to("answerCallbackQuery")


async def test_commands_registered_per_language(live):
    emu = live
    calls = emu.calls_to("setMyCommands")
    assert sorted(str(c.get("language_code")) for c in calls) == sorted(
        "None" if lang == "en" else lang for lang in i18n.languages()
    )


async def test_groups_get_one_pointer_and_nothing_else(live):
    emu = live
    team = emu.new_group("Outreach", supergroup=True)
    member = emu.new_user("Member")
    await emu.send_text(member, "anyone know about overdose?", chat=team)
    await emu.send_text(member, "/start@lantern_test_bot", chat=team)
    (pointer,) = await emu.wait_for_bot_messages(team)
    assert pointer.text == t("en", "group.private_only")
    assert pointer.buttons == [[(t("en", "group.open"), "https://t.me/lantern_test_bot")]]
    await emu.idle()
    assert len(emu.bot_messages(team)) == 1


async def test_hostile_messages_are_answered_within_limits(live):
    emu = live
    mallory = emu.new_user("Mallory")
    for text in ("x" * 4096, "<b>not html</b> & <script>", "\u202e\u200d" * 500, "💥" * 1000):
        await emu.send_text(mallory, text)
        (reply,) = await emu.wait_for_bot_messages(mallory)
        assert reply.text  # valid HTML, within limits: the emulator checked it


async def test_canaries_leave_no_trace_in_logs_or_files(shipped_kb, tmp_path):
    """At DEBUG, over real HTTP: no text, id, name or token in any log line or file."""
    stream = io.StringIO()
    handler = logs.configure("DEBUG", TOKEN, stream=stream)
    raw = io.StringIO()
    raw_handler = logging.StreamHandler(raw)
    logging.getLogger().addHandler(raw_handler)
    data_dir = tmp_path / "data"
    store = await Store.open(data_dir)
    services = Services(shipped_kb, today=lambda: TODAY)
    try:
        # Paced: the limiter's paths run too, and must not log anyone either.
        async with live_bot(TOKEN, services, paced=True) as running:
            emu = running.emu
            canary = emu.new_user(
                "Canaryfirst", language_code="en", username="canary_handle", last_name="Canarylast"
            )
            await emu.send_text(canary, "/start")
            (menu,) = await emu.wait_for_bot_messages(canary)
            await emu.send_text(canary, "CANARYQUERY overdose help")
            await emu.wait_for_bot_messages(canary)
            await emu.press(canary, menu, callbacks.encode(callbacks.Op.CATEGORY, "rights", 0))
            await emu.wait_for_bot_messages(canary)
            await emu.send_text(canary, "/start CANARYPAYLOAD")
            await emu.wait_for_bot_messages(canary)
            await emu.idle()
    finally:
        await store.close()
        logging.getLogger().removeHandler(raw_handler)
        logging.getLogger().removeHandler(handler)
    canaries = [
        "Canaryfirst",
        "Canarylast",
        "canary_handle",
        "CANARYQUERY",
        "CANARYPAYLOAD",
        str(canary.id),
        TOKEN,
        TOKEN.split(":")[1],
    ]
    text = stream.getvalue() + raw.getvalue()
    for value in canaries:
        assert value not in text
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the database should exist"
    for path in files:
        content = path.read_bytes()
        for value in canaries:
            assert value.encode() not in content
