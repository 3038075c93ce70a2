"""The moments that matter, through the handlers with the shipped content: Need help now
shows the region's crisis lines; crisis words open it or put it first; small talk gets
the menu; a query is answered in its own language; results page on; every card has a
way back, with its buttons in the same places; and nothing of it is kept."""

from __future__ import annotations

import copy

import pytest

from bot import callbacks, render
from bot.callbacks import FROM_HELP, FROM_RESULTS, Op
from bot.handlers import help_now
from bot.handlers.search import QUERY_MARK, cleaned, shown_query
from bot.i18n import t
from bot.services import Services
from knowledge.model import Police
from tests.conftest import TODAY
from tests.fakes import (
    BOT_USERNAME,
    buttons,
    callback_update,
    feed,
    message_update,
    recorded_app,
    user,
)
from tests.test_search_memory import reachable

UID = 4242


@pytest.fixture
async def bot(shipped_kb):
    services = Services(shipped_kb, today=lambda: TODAY)
    async with recorded_app(services) as (app, request):
        yield app, request, services


def labels(params: dict) -> list[str]:
    return [text for text, _ in buttons(params)]


def actions(params: dict) -> list[callbacks.Action | None]:
    return [callbacks.decode(data) for _, data in buttons(params)]


async def say(app, request, text: str, lang: str = "en") -> dict:
    await feed(app, message_update(text, sender=user(UID, lang=lang)))
    return request.last()


async def press(app, request, data: str, *, text: str = "menu", lang: str = "en") -> dict:
    update = callback_update(data, sender=user(UID, lang=lang))
    update["callback_query"]["message"]["text"] = text
    await feed(app, update)
    sent = request.sent()
    return sent[-1] if sent else {}


def is_help_now(params: dict, lang: str) -> bool:
    return params["text"].startswith(t(lang, "helpnow.title"))


# ----- Need help now ---------------------------------------------------------------------

# Per shipped region: the crisis lines that must be on the first screen, in this order
# (no police first, then unknown, then "may involve police"; the content's order within).
EXPECTED_LINES = {
    "es": ["016", "ANAR"],
    "uk": ["National Ugly Mugs", "Samaritans", "Childline"],
    "us": [
        "Trans Lifeline",
        "National Domestic Violence Hotline",
        "RAINN",
        "988",
        "Never Use Alone",
        "Trevor Project",
    ],
}


@pytest.mark.parametrize("region", sorted(EXPECTED_LINES))
async def test_help_now_shows_every_crisis_line_of_the_region_in_order(bot, region):
    app, request, svc = bot
    svc.prefs.set(UID, region=region)
    sent = await press(app, request, callbacks.encode(Op.HELP_NOW))
    text = sent["text"]
    places = [text.find(name) for name in EXPECTED_LINES[region]]
    assert all(p >= 0 for p in places), (region, text)
    assert places == sorted(places), "non-police lines first, then the content's order"
    # Every crisis referral of the region is there, derived from the content too.
    for entry in help_now.crisis_services(svc, region):
        assert render.esc(entry.text("en").title) in text
        if entry.contact and entry.contact.phone:
            assert entry.contact.phone in text  # a number a phone turns into a tap
    # Each line says whether police may come.
    notes = [t("en", f"helpnow.police.{p.value}") for p in Police]
    assert sum(text.count(n) for n in notes) == len(help_now.crisis_services(svc, region))
    assert t("en", "btn.choose_region") not in labels(sent)


async def test_help_now_lists_what_to_do_now_before_prevention_and_fits_a_phone(bot):
    app, request, svc = bot
    svc.prefs.set(UID, region="us")
    first = await press(app, request, callbacks.encode(Op.HELP_NOW))
    names = labels(first)
    assert "Getting out of a date that is turning bad" in names[0]
    assert any("naloxone" in n for n in names)
    assert not any("Fentanyl in the supply" in n for n in names), "prevention is under More"
    # One phone screen: a short text and a handful of buttons, with a way to see more.
    assert render.visible_length(first["text"]) < 1200
    assert len(names) <= 8
    more = next(a for a in actions(first) if a and a.op is Op.HELP_NOW and a.args[0] == "1")
    second = await press(app, request, callbacks.encode(more.op, *more.args))
    assert any("Fentanyl in the supply" in n for n in labels(second))
    opened = [a for a in actions(second) if a and a.op is Op.ENTRY]
    assert opened and all(a.args[1] == FROM_HELP for a in opened)


async def test_help_now_without_a_region_offers_to_choose_one(bot):
    app, request, _svc = bot
    sent = await press(app, request, callbacks.encode(Op.HELP_NOW))
    assert t("en", "helpnow.pick_region") in sent["text"]
    assert "Samaritans" not in sent["text"]
    choose = [a for a in actions(sent) if a and a.op is Op.REGIONS]
    assert choose, "a 📍 Choose your region button"
    regions = await press(app, request, callbacks.encode(*[choose[0].op], *choose[0].args))
    assert any(t("en", "region.all") in name for name in labels(regions))


async def test_a_card_opened_from_help_now_goes_back_to_it(bot):
    app, request, _svc = bot
    sent = await press(app, request, callbacks.encode(Op.HELP_NOW))
    entry = next(a for a in actions(sent) if a and a.op is Op.ENTRY)
    card = await press(app, request, callbacks.encode(entry.op, *entry.args))
    back = actions(card)[0]
    assert back.op is Op.HELP_NOW
    again = await press(app, request, callbacks.encode(back.op, *back.args))
    assert is_help_now(again, "en")


# ----- crisis words and small talk -------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "lang"),
    [
        ("sos", "en"),
        ("SOS!!", "en"),
        ("help", "en"),
        ("help me please", "en"),
        ("emergency", "en"),
        ("911", "en"),
        ("999", "en"),
        ("112", "es"),
        ("ayuda", "es"),
        ("auxilio", "es"),
        ("socorro", "es"),
        ("emergencia", "es"),
        ("ayudaaa porfa", "es"),
        # Typed in a hurry: a slip in a crisis word of four letters or more still counts.
        ("ehlp", "en"),
        ("emergecy", "en"),
        ("socrro", "es"),
    ],
)
async def test_crisis_words_alone_open_need_help_now(bot, words, lang):
    app, request, _ = bot
    sent = await say(app, request, words, lang)
    assert is_help_now(sent, lang), sent["text"]


@pytest.mark.parametrize(
    ("words", "lang", "expected"),
    [
        ("friend not breathing", "en", "overdose"),
        ("mi amiga no respira", "es", "overdose"),
        ("im scared he is outside", "en", None),
        ("tengo miedo de un cliente", "es", None),
        ("hes going to hurt me", "en", None),
        ("me quiere matar", "es", None),
        ("frieend not breatning", "en", "overdose"),
        ("mi amnga no rspira q hgao", "es", "overdose"),
        ("me quiiero mrir ya", "es", None),
    ],
)
async def test_urgent_words_put_need_help_now_first(bot, words, lang, expected):
    app, request, _ = bot
    sent = await say(app, request, words, lang)
    first = actions(sent)[0]
    assert is_help_now(sent, lang) or first.op is Op.HELP_NOW, sent
    if expected is not None and not is_help_now(sent, lang):
        entries = [a.args[0] for a in actions(sent) if a and a.op is Op.ENTRY]
        assert any(expected in e for e in entries[:3])


@pytest.mark.parametrize(
    ("words", "lang", "kind"),
    [
        ("hi", "en", "greeting"),
        ("Hello!", "en", "greeting"),
        ("hola", "es", "greeting"),
        ("buenas", "es", "greeting"),
        ("menu", "en", "menu"),
        ("thanks", "en", "thanks"),
        ("thank you so much", "en", "thanks"),
        ("gracias", "es", "thanks"),
        ("ok", "en", "okay"),
        ("vale", "es", "okay"),
    ],
)
async def test_small_talk_gets_the_menu_and_a_kind_word_never_cards(bot, words, lang, kind):
    app, request, _ = bot
    sent = await say(app, request, words, lang)
    assert sent["text"].startswith(t(lang, f"talk.{kind}"))
    assert t(lang, "btn.helpnow") == labels(sent)[0]
    assert not any(a and a.op is Op.ENTRY for a in actions(sent))


# ----- search as people write ------------------------------------------------------------


async def test_a_spanish_query_on_an_english_phone_is_answered_in_spanish(bot):
    app, request, _ = bot
    sent = await say(app, request, "me pegó un cliente", "en")
    assert "de" in sent["text"] and t("es", "search.urgent") in sent["text"]
    assert t("es", "btn.switch_language") in labels(sent)
    entry = next(a for a in actions(sent) if a and a.op is Op.ENTRY)
    assert entry.args[1:] == (FROM_RESULTS, "es")
    card = await press(app, request, callbacks.encode(entry.op, *entry.args))
    assert t("es", "btn.back") == labels(card)[0]
    switch = next(a for a in actions(sent) if a and a.op is Op.SET_LANGUAGE)
    menu = await press(app, request, callbacks.encode(switch.op, *switch.args))
    assert t("es", "btn.helpnow") in labels(menu)


async def test_the_bots_own_name_is_not_a_search_word(bot):
    app, request, _ = bot
    sent = await say(app, request, f"@{BOT_USERNAME} narcan")
    first = next(a for a in actions(sent) if a and a.op is Op.ENTRY)
    assert first.args[0] == "overdose-opioids-naloxone"
    assert shown_query(sent["text"]) == "narcan"
    assert cleaned(f"hi @{BOT_USERNAME.upper()}   there @someone", BOT_USERNAME) == (
        "hi there @someone"
    )


@pytest.mark.parametrize(
    ("words", "lang", "entry"),
    [
        ("cops phone", "en", "rights-phone-search"),
        ("got stealthed", "en", "sexual-health-condom-broke"),
        ("la police me quito el phone", "es", "rights-phone-search"),
        ("que hago si me arrestan", "es", "rights-arrest"),
    ],
)
async def test_slang_and_synonyms_find_the_entry(bot, words, lang, entry):
    app, request, _ = bot
    sent = await say(app, request, words, lang)
    found = [a.args[0] for a in actions(sent) if a and a.op is Op.ENTRY]
    assert any(e.startswith(entry) for e in found[:6]), found


async def test_results_go_on_with_more_and_back(bot):
    app, request, _ = bot
    first = await say(app, request, "police")
    assert first["text"].startswith(f"{QUERY_MARK} “police”")
    page0 = [a.args[0] for a in actions(first) if a and a.op is Op.ENTRY]
    assert len(page0) == 6
    more = next(a for a in actions(first) if a and a.op is Op.RESULTS)
    second = await press(app, request, callbacks.encode(more.op, *more.args), text=first["text"])
    page1 = [a.args[0] for a in actions(second) if a and a.op is Op.ENTRY]
    assert page1 and not set(page1) & set(page0)
    assert t("en", "btn.prev") in labels(second)
    # A message that shows no words (forged, or an old menu) gets a fresh menu.
    stale = await press(app, request, callbacks.encode(more.op, *more.args), text="menu")
    assert stale["text"].startswith(t("en", "expired"))


async def test_a_card_from_results_opens_below_them_and_back_closes_it(bot):
    app, request, _ = bot
    results = await say(app, request, "naloxone")
    entry = next(a for a in actions(results) if a and a.op is Op.ENTRY)
    request.clear()
    await press(app, request, callbacks.encode(entry.op, *entry.args), text=results["text"])
    assert request.called("sendMessage") and not request.called("editMessageText")
    card = request.last()
    back = actions(card)[0]
    assert back.op is Op.CLOSE
    request.clear()
    await press(app, request, callbacks.encode(back.op))
    assert request.called("deleteMessage"), "the card goes; the results are above it"


async def test_a_card_that_cannot_be_closed_shows_the_menu(bot):
    app, request, _ = bot
    request.refuse("deleteMessage", 400, "Bad Request: message can't be deleted")
    sent = await press(app, request, callbacks.encode(Op.CLOSE))
    assert t("en", "btn.helpnow") in labels(sent)


async def test_every_card_has_its_buttons_in_the_same_places(bot):
    app, request, _svc = bot
    ways = [
        callbacks.encode(Op.ENTRY, "overdose-opioids-naloxone", ""),
        callbacks.encode(Op.ENTRY, "overdose-opioids-naloxone", callbacks.topic_number("overdose")),
        callbacks.encode(Op.ENTRY, "overdose-opioids-naloxone", FROM_RESULTS),
        callbacks.encode(Op.ENTRY, "overdose-opioids-naloxone", FROM_HELP),
        callbacks.encode(Op.ENTRY, "referral-samaritans", ""),
        callbacks.encode(Op.ENTRY, "rights-police-stop-global", FROM_RESULTS, "es"),
    ]
    for data in ways:
        card = await press(app, request, data)
        lang = "es" if data.endswith("|es") else "en"
        names = labels(card)
        assert names[:4] == [
            t(lang, "btn.back"),
            t(lang, "btn.home"),
            t(lang, "btn.share_link"),
            t(lang, "btn.report"),
        ], data
        assert names[-1] == t(lang, "btn.wipe")
        assert names.count(t(lang, "btn.wipe")) == 1


async def test_without_a_region_law_says_where_it_applies(bot):
    app, request, svc = bot
    sent = await say(app, request, "arrested rights")
    assert any("· " in name for name in labels(sent))
    assert t("en", "btn.choose_region") in labels(sent)
    svc.prefs.set(UID, region="uk")
    chosen = await say(app, request, "arrested rights")
    assert t("en", "btn.choose_region") not in labels(chosen)
    assert not any(" · " in name for name in labels(chosen))


async def test_my_place_is_not_listed_says_what_applies(bot):
    app, request, svc = bot
    sent = await press(app, request, callbacks.encode(Op.SET_REGION, "other"))
    assert t("en", "region.other_set").split("\n")[0] in sent["text"]
    helpnow = await press(app, request, callbacks.encode(Op.HELP_NOW))
    assert t("en", "helpnow.no_lines") in helpnow["text"]
    results = await say(app, request, "police arrest rights")
    for action in actions(results):
        if action and action.op is Op.ENTRY:
            entry = svc.kb.get(action.args[0], "other")
            assert entry is not None and "global" in entry.regions


async def test_old_buttons_still_decode():
    # Cards in chats from before keep working: two-argument entries, bare Need help now.
    assert callbacks.decode("1|e|overdose-opioids-naloxone|") is not None
    assert callbacks.decode("1|!") is not None
    assert callbacks.decode("1|e|x-y-z|s|english") is None
    assert callbacks.decode("1|f|1") is None
    assert callbacks.decode("1|x|1") is None


# ----- nothing kept ----------------------------------------------------------------------


async def test_reading_and_paging_keep_nothing_of_what_was_typed(bot):
    app, request, svc = bot
    canary = "zebracanary"
    first = await say(app, request, f"police {canary} phone")
    more = next((a for a in actions(first) if a and a.op is Op.RESULTS), None)
    if more is not None:
        await press(app, request, callbacks.encode(more.op, *more.args), text=first["text"])
    await say(app, request, f"sos {canary}")
    await say(app, request, f"hola {canary}", "es")
    strings, _ = reachable(svc)
    assert not any(canary in s for s in strings)
    assert not any(canary in s for s in reachable(copy.copy(app.bot_data))[0])


def test_dates_read_as_people_read_them():
    from datetime import date

    assert render.human_date(date(2026, 11, 1), "en") == "1 Nov 2026"
    assert render.human_date(date(2026, 11, 1), "es") == "1 nov 2026"
    assert render.human_date(date(2027, 1, 31), "es") == "31 ene 2027"


async def test_topic_lists_follow_the_contents_order(bot):
    app, request, _svc = bot
    number = callbacks.topic_number("police-encounters")
    sent = await press(app, request, callbacks.encode(Op.TOPIC, number, 0))
    assert "If police stop you" in labels(sent)[0]
    overdose = await press(
        app, request, callbacks.encode(Op.TOPIC, callbacks.topic_number("overdose"), 0)
    )
    names = labels(overdose)
    first_aid = next(i for i, n in enumerate(names) if "naloxone" in n)
    prevention = next(i for i, n in enumerate(names) if "Fentanyl in the supply" in n)
    assert first_aid < prevention


async def test_slash_menu_opens_the_menu(bot):
    app, request, _ = bot
    sent = await say(app, request, "/menu")
    assert sent["text"].startswith(t("en", "talk.menu"))
    assert labels(sent)[0] == t("en", "btn.helpnow")


@pytest.mark.parametrize(
    ("words", "lang"),
    [("socorro", "pt"), ("ajutor", "ro"), ("au secours", "fr"), ("救命", "zh")],
)
async def test_crisis_words_in_the_translated_languages(bot, words, lang):
    app, request, _ = bot
    sent = await say(app, request, words, lang)
    assert is_help_now(sent, lang), sent["text"]


@pytest.mark.parametrize(
    ("words", "lang"),
    [("a policia me parou o que eu faco", "pt"), ("警察拿走了我的手机", "zh")],
)
async def test_a_query_in_a_translated_language_on_an_english_phone(bot, words, lang):
    app, request, _ = bot
    sent = await say(app, request, words, "en")
    assert t(lang, "btn.switch_language") in labels(sent)
    entry = next(a for a in actions(sent) if a and a.op is Op.ENTRY)
    assert entry.args[2] == lang
    card = await press(app, request, callbacks.encode(entry.op, *entry.args))
    assert labels(card)[0] == t(lang, "btn.back")


def test_an_entry_not_yet_translated_says_so_in_the_readers_language(shipped_kb):
    from dataclasses import replace

    naloxone = shipped_kb.get("overdose-opioids-naloxone")
    bare = replace(naloxone, texts={k: v for k, v in naloxone.texts.items() if k != "pt"})
    assert bare.shown_in("pt") == "es"  # Portuguese readers read Spanish before English
    card = render.entry_card(bare, "pt", TODAY)
    note = t("pt", "card.not_translated", language=render.language_name("es", "pt"))
    assert render.esc(note) in card
    assert bare.texts["es"].title in card
    assert "Not translated" not in render.entry_card(naloxone, "en", TODAY)


@pytest.mark.parametrize("region", ["ca", "ie", "mx", "ar", "co", "other"])
async def test_help_now_in_every_other_shipped_region(bot, region):
    """Every crisis referral of the region is listed, with its number and police note,
    no-police ones first; a region without any says so."""
    app, request, svc = bot
    svc.prefs.set(UID, region=region)
    sent = await press(app, request, callbacks.encode(Op.HELP_NOW))
    lines = help_now.crisis_services(svc, region)
    order = [p.value for p in (Police.NONE, Police.UNKNOWN, Police.POSSIBLE)] + [
        Police.MANDATORY_REPORTING.value
    ]
    police = [e.flags.police_involvement.value for e in lines if e.flags]
    assert police == sorted(police, key=order.index)
    places = [sent["text"].find(render.esc(e.text("en").title)) for e in lines]
    assert all(p >= 0 for p in places) and places == sorted(places)
    for entry in lines:
        if entry.contact and entry.contact.phone:
            assert entry.contact.phone in sent["text"]
    if region == "other":
        assert not lines and t("en", "helpnow.no_lines") in sent["text"]
    else:
        assert lines, f"no crisis line shipped for {region}"
