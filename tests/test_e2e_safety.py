"""End to end: sharing, inline mode, wipe, disappearing and discreet modes, help now, floods."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from bot import callbacks, deeplinks
from bot.callbacks import Op
from bot.handlers import help_now, wipe
from bot.i18n import languages, t
from bot.remembered.flood import FloodGuard
from bot.remembered.trail import Vanisher
from bot.services import Services
from emulator import BotAPIEmulator
from knowledge.taxonomy import ALL_TOPICS, LANGUAGES
from tests.conftest import TODAY
from tests.live import live_bot

TOKEN = "7000000003:e2e-safety-token-0123456789abcdefgh"


class FakeClock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def live(shipped_kb):
    clock = FakeClock()
    # Unpaced, a test taps faster than a person: flood control is tested on its own below.
    services = Services(
        shipped_kb,
        today=lambda: TODAY,
        vanisher=Vanisher(clock=clock),
        flood=FloodGuard(burst=10**6),
    )
    async with live_bot(TOKEN, services) as running:
        yield running.emu, running.app, services, clock


async def say(emu, user, text):
    await emu.send_text(user, text)
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply


async def press(emu, user, message, data):
    await emu.press(user, message, data)
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply


def test_deep_links_round_trip_for_every_entry_and_topic(shipped_kb):
    regions = [r.slug for r in shipped_kb.snapshot.regions]
    for entry in shipped_kb.snapshot.entries:
        for lang in LANGUAGES:
            link = deeplinks.Link("entry", entry.id, lang)
            payload = deeplinks.encode(link)
            assert len(payload) <= 64 and deeplinks.decode(payload) == link
            for region in regions:
                with_region = deeplinks.Link("entry", entry.id, lang, region)
                try:
                    payload = deeplinks.encode(with_region)
                except ValueError:
                    continue  # too long with a region: shared without it
                assert deeplinks.decode(payload) == with_region
    for topic in ALL_TOPICS:
        for lang in LANGUAGES:
            for region in [None, *regions]:
                link = deeplinks.Link("topic", topic, lang, region)
                payload = deeplinks.encode(link)
                assert len(payload) <= 64 and deeplinks.decode(payload) == link


async def test_share_sends_a_qr_code_of_the_deep_link_that_opens_the_entry(live, shipped_kb):
    emu, _, _, _ = live
    ana = emu.new_user("Ana", language_code="es")
    entry = shipped_kb.get("overdose-opioids-naloxone")
    card = await say(emu, ana, "/start " + deeplinks.encode(deeplinks.Link("entry", entry.id)))
    photo = await press(emu, ana, card, callbacks.encode(Op.SHARE, "e", entry.id))
    link = re.search(r"https://t\.me/\S+", photo.text).group(0)
    assert link == f"https://t.me/lantern_test_bot?start=e_{entry.id}_es"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.file.data)))
    assert [d.text for d in decoded] == [link]
    # The link, opened by someone else, shows the same entry in the same language.
    friend = emu.new_user("Friend", language_code="en")
    opened = await say(emu, friend, "/start " + link.split("start=")[1])
    assert opened.text.startswith(entry.text("es").title)


async def test_topic_lists_can_be_shared_too(live):
    emu, _, _, _ = live
    ana = emu.new_user("Ana")
    topic = await say(emu, ana, "/start t_overdose")
    photo = await press(emu, ana, topic, callbacks.encode(Op.SHARE, "t", "overdose"))
    assert "start=t_overdose_en" in photo.text


async def test_inline_queries_return_valid_cards_in_the_users_language(live):
    emu, _, _, _ = live
    lucia = emu.new_user("Lucía", language_code="es")
    query_id = await emu.send_inline_query(lucia, "sobredosis")
    await emu.wait_until(lambda: query_id in emu.inline_answers)
    answer = emu.inline_answers[query_id]
    results = answer["results"]
    assert results and results[0]["type"] == "article"
    assert "sobredosis" in results[0]["title"].lower()
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and len(content["message_text"]) <= 4096
    button = results[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"].startswith("https://t.me/lantern_test_bot?start=e_")
    assert button["url"].endswith("_es")


async def test_wipe_deletes_the_whole_conversation_and_only_that_one(live):
    emu, _, _, _ = live
    ana = emu.new_user("Ana")
    ben = emu.new_user("Ben")
    await say(emu, ana, "/start")
    await say(emu, ben, "/start")
    menu = await say(emu, ana, "overdose")
    await press(emu, ana, menu, menu.buttons[0][0][1])
    await say(emu, ana, "condoms")
    await emu.send_text(ana, "/wipe")
    await emu.wait_until(lambda: all(m.deleted for m in emu.messages(ana)))
    assert all(m.deleted for m in emu.messages(ana))
    assert {chat for chat, _ in emu.deleted} == {ana.id}
    assert not any(m.deleted for m in emu.messages(ben))
    # Nothing is left behind: no "done" message after the wipe.
    await emu.idle()
    assert emu.bot_messages(ana) == []


async def test_wipe_button_on_a_card(live):
    emu, _, _, _ = live
    ana = emu.new_user("Ana")
    topic = await say(emu, ana, "/start t_spiking")
    card = await press(emu, ana, topic, topic.buttons[0][0][1])
    await emu.press(ana, card, callbacks.encode(Op.WIPE))
    await emu.wait_until(lambda: all(m.deleted for m in emu.messages(ana)))
    assert all(m.deleted for m in emu.messages(ana))


async def test_disappearing_mode_deletes_on_time(live):
    emu, app, services, clock = live
    ana = emu.new_user("Ana")
    menu = await say(emu, ana, "/start")
    settings = await press(emu, ana, menu, callbacks.encode(Op.SETTINGS))
    await press(emu, ana, settings, callbacks.encode(Op.SETTINGS, "v", "5"))
    await say(emu, ana, "spiking")
    await emu.idle()
    clock.now += 4 * 60
    await wipe.sweep(app.bot, services)
    assert not any(m.deleted for m in emu.messages(ana))
    clock.now += 61
    await wipe.sweep(app.bot, services)
    assert emu.messages(ana) and all(m.deleted for m in emu.messages(ana)), [
        (m.message_id, m.sender, m.deleted, m.text[:20]) for m in emu.messages(ana)
    ]


async def test_discreet_mode_first_line_is_neutral_in_every_reply(live, shipped_kb):
    emu, _, _, _ = live
    ana = emu.new_user("Ana", language_code="en")
    menu = await say(emu, ana, "/start")
    settings = await press(emu, ana, menu, callbacks.encode(Op.SETTINGS))
    await press(emu, ana, settings, callbacks.encode(Op.SETTINGS, "d", 1))
    start = emu.cursor(ana)
    replies = [
        await say(emu, ana, "/start"),
        await say(emu, ana, "overdose narcan"),
        await say(emu, ana, "zebra quantum xylophone"),
        await say(emu, ana, "/help"),
        await say(emu, ana, "/nonsense"),
    ]
    card = await press(emu, ana, replies[1], replies[1].buttons[0][0][1])
    share = await press(
        emu, ana, card, callbacks.encode(Op.SHARE, "e", "overdose-opioids-naloxone")
    )
    helpnow = await press(emu, ana, replies[0], callbacks.encode(Op.HELP_NOW))
    replies += [card, share, helpnow]
    assert emu.cursor(ana) - start == len(replies)
    for reply in replies:
        assert reply.text.split("\n")[0] == t("en", "discreet.line"), reply.text[:60]


async def test_help_now_lists_non_police_options_before_emergency_services(live):
    emu, _, services, _ = live
    ana = emu.new_user("Ana")
    menu = await say(emu, ana, "/start")
    first = await press(emu, ana, menu, callbacks.encode(Op.HELP_NOW))
    # No region yet: the screen offers one, and choosing it brings the local lines.
    choose = [d for row in first.buttons for _, d in row if d.startswith("1|r|")]
    assert choose, "a 📍 Choose your region button"
    regions = await press(emu, ana, first, choose[0])
    await press(emu, ana, regions, callbacks.encode(Op.SET_REGION, "us"))
    helpnow = await press(emu, ana, menu, callbacks.encode(Op.HELP_NOW))
    labels = [label for row in helpnow.buttons for label, _ in row]
    assert t("en", "helpnow.emergency") in labels
    lines = help_now.crisis_services(services, "us")
    places = [helpnow.text.find(e.text("en").title) for e in lines]
    assert lines and all(p >= 0 for p in places) and places == sorted(places)
    police = [e.flags.police_involvement.value for e in lines if e.flags]
    assert police == sorted(
        police, key=["none", "unknown", "possible", "mandatory_reporting"].index
    )
    assert police[0] == "none"
    emergency = await press(emu, ana, helpnow, callbacks.encode(Op.EMERGENCY))
    assert "It is your choice" in emergency.text and "police" in emergency.text


async def test_a_flood_from_one_person_does_not_hold_up_another(live):
    emu, _, services, _ = live
    services.flood = FloodGuard(burst=3, per_second=0.5)
    flooder = emu.new_user("Flood")
    other = emu.new_user("Other")
    for i in range(300):
        await emu.send_text(flooder, f"spam {i}")
    reply = await say(emu, other, "/start")
    assert reply.text == t("en", "start")
    await emu.idle()
    sent = emu.bot_messages(flooder)
    notices = [m for m in sent if m.text == t("en", "flood.notice")]
    assert len(notices) == 1
    # The bot answered only the first burst; the rest cost no call to Telegram.
    assert len(sent) <= 5


async def test_profile_sets_neutral_names_per_language(tmp_path):
    import asyncio
    import os
    import sys

    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    try:
        env = {
            **os.environ,
            "LANTERN_BOT_TOKEN": emu.token,
            "LANTERN_API_URL": emu.api_url,
            "LANTERN_DATA_DIR": str(tmp_path),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "profile",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        names = {c.get("language_code"): c["name"] for c in emu.calls_to("setMyName")}
        # A neutral name in every language, from its locale (English is the default).
        assert names == {
            None if lang == "en" else lang: t(lang, "profile.name") for lang in languages()
        }
        assert names[None] == "Notes" and names["es"] == "Notas" and names["zh"] == "笔记"
        assert emu.token.split(":")[1] not in out.decode() + err.decode()
        assert emu.violations == []
    finally:
        await emu.stop()
