"""Share a tip and Report a problem through the chat (UX review A.9, A.15; issue 13):
optional words for every reason, a check of exactly what will be sent, back to the card
after a report, words typed at a button step kept, a warning before sending what looks
like a phone number or a plate, and nothing of what was typed kept once a flow ends."""

from __future__ import annotations

import copy

import pytest

from bot import callbacks
from bot.callbacks import Op
from bot.i18n import t
from bot.remembered.flows import Flows
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
from tests.test_search_memory import reachable

ENTRY = "screening-basics"
TITLE = "Screening a new client"


@pytest.fixture
async def chat(small_snapshot, tmp_path):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY, flows=Flows())
    async with recorded_app(services, data_dir=tmp_path) as (app, request):
        yield app, request, services


class Person:
    def __init__(self, app, request, uid: int = 700, lang: str = "en") -> None:
        self.app, self.request, self.sender = app, request, user(uid, lang=lang)
        self.lang = lang

    async def say(self, text: str) -> dict:
        await feed(self.app, message_update(text, sender=self.sender))
        return self.request.last()

    async def press(self, data: str) -> dict:
        await feed(self.app, callback_update(data, sender=self.sender))
        return self.request.last()

    async def tap(self, screen: dict, part: str) -> dict:
        return await self.press(data_of(screen, part))


def data_of(screen: dict, part: str) -> str:
    matches = [d for label, d in buttons(screen) if part in label]
    assert matches, f"no {part!r} in {buttons(screen)}"
    return matches[0]


def labels(screen: dict) -> list[str]:
    return [label for label, _ in buttons(screen)]


async def reasons_for(person: Person) -> dict:
    card = await person.press(callbacks.encode(Op.ENTRY, ENTRY, ""))
    return await person.tap(card, "Report a problem")


# ----- Report a problem --------------------------------------------------------------


async def test_every_reason_takes_a_few_optional_words_checked_before_sending(chat):
    app, request, services = chat
    lu = Person(app, request)
    reasons = await reasons_for(lu)
    assert TITLE in reasons["text"]
    detail = await lu.tap(reasons, "Out of date")
    assert TITLE in detail["text"] and "Reason: Out of date" in detail["text"]
    assert t("en", "report.ask_detail") in detail["text"]
    assert any("Send without" in label for label in labels(detail))
    check = await lu.say("The hours <changed> & it closes at 5 now")
    assert check["text"].startswith(t("en", "tips.will_send"))
    assert f"Entry: <b>{TITLE}</b>" in check["text"]
    assert "Reason: Out of date" in check["text"]
    assert "The hours &lt;changed&gt; &amp; it closes at 5 now" in check["text"]
    assert labels(check) == ["📨 Send", "✏️ Edit", "✖️ Cancel"]
    assert await services.moderation.reports() == []  # nothing sent before Send
    thanks = await lu.tap(check, "Send")
    assert thanks["text"].startswith(t("en", "report.thanks"))
    (report,) = await services.moderation.reports()
    assert (report.entry_id, report.reason, report.note) == (
        ENTRY,
        "outdated",
        "The hours <changed> & it closes at 5 now",
    )
    assert services.flows.get(lu.sender["id"]) is None


async def test_a_report_can_go_without_words_and_leads_back_to_the_card(chat):
    app, request, services = chat
    lu = Person(app, request)
    detail = await lu.tap(await reasons_for(lu), "Something is wrong")
    thanks = await lu.tap(detail, "Send without")
    assert thanks["text"].startswith(t("en", "report.thanks"))
    (report,) = await services.moderation.reports()
    assert (report.reason, report.note) == ("wrong", None)
    back = callbacks.decode(data_of(thanks, "Back to the card"))
    assert back is not None and back.op is Op.ENTRY and back.args[0] == ENTRY
    card = await lu.tap(thanks, "Back to the card")
    assert TITLE in card["text"]
    assert any("Report a problem" in label for label in labels(card))


async def test_something_else_needs_words(chat):
    app, request, services = chat
    lu = Person(app, request)
    detail = await lu.tap(await reasons_for(lu), "Something else")
    assert t("en", "report.ask_note") in detail["text"]
    assert not any("Send without" in label for label in labels(detail))
    too_long = await lu.say("x" * 501)
    assert too_long["text"].startswith(t("en", "report.too_long"))
    check = await lu.say("The map link goes to the wrong street")
    await lu.tap(check, "Send")
    (report,) = await services.moderation.reports()
    assert (report.reason, report.note) == ("other", "The map link goes to the wrong street")


async def test_a_cancelled_report_sends_nothing_and_leads_back_to_the_card(chat):
    app, request, services = chat
    lu = Person(app, request)
    await lu.tap(await reasons_for(lu), "involved police")
    check = await lu.say("they called the police")
    cancelled = await lu.tap(check, "Cancel")
    assert cancelled["text"] == t("en", "tips.cancelled")
    assert await services.moderation.reports() == []
    assert services.flows.get(lu.sender["id"]) is None
    card = await lu.tap(cancelled, "Back to the card")
    assert TITLE in card["text"]
    # Cancel on the reasons screen too.
    cancelled = await lu.tap(await reasons_for(lu), "Cancel")
    assert any("Back to the card" in label for label in labels(cancelled))


async def test_edit_replaces_the_words_and_an_older_send_sends_nothing(chat):
    app, request, services = chat
    lu = Person(app, request)
    await lu.tap(await reasons_for(lu), "Out of date")
    first = await lu.say("first words")
    edit = await lu.tap(first, "Edit")
    assert "<code>first words</code>" in edit["text"]  # to copy and change
    second = await lu.say("second words")
    assert "second words" in second["text"] and "first words" not in second["text"]
    stale = await lu.press(data_of(first, "Send"))
    assert stale["text"].startswith(t("en", "tips.stale"))
    assert "second words" in stale["text"]  # where they are now
    assert await services.moderation.reports() == []
    await lu.tap(stale, "Send")
    (report,) = await services.moderation.reports()
    assert report.note == "second words"


async def test_words_typed_before_the_reason_are_kept(chat):
    app, request, services = chat
    lu = Person(app, request)
    await reasons_for(lu)
    kept = await lu.say("phone line closed since June")
    assert kept["text"].startswith(t("en", "report.kept_reason"))
    assert not kept["text"].startswith("🔎")  # not a search
    check = await lu.tap(kept, "Out of date")
    assert check["text"].startswith(t("en", "tips.will_send"))
    assert "phone line closed since June" in check["text"]
    await lu.tap(check, "Send")
    (report,) = await services.moderation.reports()
    assert (report.reason, report.note) == ("outdated", "phone line closed since June")


async def test_a_number_in_a_report_note_is_warned_about(chat):
    app, request, _ = chat
    lu = Person(app, request)
    await lu.tap(await reasons_for(lu), "Something is wrong")
    check = await lu.say("the worker there, call her on 555-0101")
    assert "a phone number" in check["text"]
    assert labels(check)[0] == "📨 Send anyway"


# ----- Share a tip -------------------------------------------------------------------


async def start_tip(person: Person, *, region: bool = True) -> dict:
    await person.press(callbacks.encode(Op.USER, "sh"))
    await person.press(callbacks.encode(Op.USER, "sc", "safety"))
    step = await person.press(callbacks.encode(Op.USER, "st", callbacks.topic_number("spiking")))
    return await person.tap(step, t(person.lang, "share.region_any")) if region else step


async def test_a_tip_is_checked_before_it_is_sent(chat):
    app, request, services = chat
    ana = Person(app, request)
    await start_tip(ana)
    check = await ana.say("Watch your glass at the bar on 5th")
    text = check["text"]
    assert text.startswith(t("en", "tips.will_send"))
    assert (
        f"Topic: <b>{t('en', 'topic.spiking')}</b>" in text and "Where: <b>🌍 Anywhere</b>" in text
    )
    assert "<blockquote>Watch your glass at the bar on 5th</blockquote>" in text
    assert t("en", "identifying.warning", what="x")[:10] not in text
    assert labels(check) == ["📨 Send", "✏️ Edit", "✖️ Cancel"]
    assert await services.moderation.shared_tips() == []
    thanks = await ana.tap(check, "Send")
    assert thanks["text"].startswith(t("en", "share.thanks"))
    (tip,) = await services.moderation.shared_tips()
    assert (tip.topic, tip.region, tip.text) == (
        "spiking",
        "global",
        "Watch your glass at the bar on 5th",
    )


async def test_a_tip_typed_at_the_region_step_is_kept_not_searched(chat):
    """UX review A.15: the draft was dropped without a word, and a search ran."""
    app, request, services = chat
    ana = Person(app, request)
    regions = await start_tip(ana, region=False)
    assert regions["text"] == t("en", "share.pick_region")
    kept = await ana.say("Watch your glass at the bar on 5th")
    assert kept["text"].startswith(t("en", "share.kept_region"))
    assert any("Anywhere" in label for label in labels(kept))
    check = await ana.tap(kept, "Anywhere")
    assert "Watch your glass at the bar on 5th" in check["text"]
    await ana.tap(check, "Send")
    (tip,) = await services.moderation.shared_tips()
    assert tip.text == "Watch your glass at the bar on 5th"


async def test_a_tip_typed_at_the_topic_step_is_kept(chat):
    app, request, _ = chat
    ana = Person(app, request)
    await ana.press(callbacks.encode(Op.USER, "sh"))
    kept = await ana.say("Watch your glass")
    assert kept["text"].startswith(t("en", "share.kept_topic"))
    step = await ana.tap(kept, "Safety")
    kept = await ana.say("Watch your glass, always")  # the newest words win
    step = await ana.tap(kept, "Spiked drinks")
    check = await ana.tap(step, "Anywhere")
    assert "Watch your glass, always" in check["text"]


async def test_a_plate_and_a_number_in_a_tip_are_warned_about(chat):
    """UX review A.9's example: sent without a word before."""
    app, request, services = chat
    ana = Person(app, request)
    await start_tip(ana)
    check = await ana.say("guy in silver honda civic plate ABC123 calls from 555-0101, wont pay")
    assert (
        t("en", "identifying.warning", what="a phone number and a licence plate") in (check["text"])
    )
    assert labels(check) == ["📨 Send anyway", "✏️ Edit", "✖️ Cancel"]
    edit = await ana.tap(check, "Edit")
    assert edit["text"].endswith(t("en", "share.ask_text"))
    check = await ana.say("guy in a silver honda civic, wont pay, got rough on 3rd ave")
    assert "⚠️" not in check["text"]
    await ana.tap(check, "Send")
    (tip,) = await services.moderation.shared_tips()
    assert "ABC123" not in tip.text


async def test_a_tip_can_be_sent_anyway(chat):
    app, request, services = chat
    ana = Person(app, request)
    await start_tip(ana)
    check = await ana.say("free clinic line 1-800-555-0199 is kind")
    await ana.tap(check, "Send anyway")
    (tip,) = await services.moderation.shared_tips()
    assert "1-800-555-0199" in tip.text


async def test_a_cancelled_tip_sends_nothing(chat):
    app, request, services = chat
    ana = Person(app, request)
    await start_tip(ana)
    cancelled = await ana.tap(await ana.say("Watch your glass"), "Cancel")
    assert cancelled["text"].startswith(t("en", "tips.cancelled"))
    assert await services.moderation.shared_tips() == []
    assert services.flows.get(ana.sender["id"]) is None


async def test_the_check_speaks_spanish(chat):
    app, request, _ = chat
    ana = Person(app, request, lang="es")
    await start_tip(ana, region=False)
    kept = await ana.say("Cuida tu vaso, llámame al 612 345 678")
    assert kept["text"].startswith(t("es", "share.kept_region"))
    check = await ana.tap(kept, "cualquier lugar")
    assert check["text"].startswith(t("es", "tips.will_send"))
    assert "un número de teléfono" in check["text"]
    assert labels(check) == ["📨 Enviar de todos modos", "✏️ Cambiar", "✖️ Cancelar"]


# ----- crisis words, old buttons -----------------------------------------------------


async def test_help_alone_at_a_button_step_gets_need_help_now(chat):
    app, request, services = chat
    ana = Person(app, request)
    await start_tip(ana, region=False)
    answer = await ana.say("help")
    assert answer["text"].startswith(t("en", "helpnow.title").split("\n")[0])
    assert services.flows.get(ana.sender["id"]) is None


async def test_crisis_words_are_kept_with_help_one_tap_away(chat):
    app, request, _ = chat
    lu = Person(app, request)
    await reasons_for(lu)
    kept = await lu.say("they raped me there")
    assert kept["text"].startswith(t("en", "report.kept_reason"))
    first = callbacks.decode(buttons(kept)[0][1])
    assert first is not None and first.op is Op.HELP_NOW


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ("1|u|ok|abc123", "flow.expired"),
        ("1|u|ed", "flow.expired"),
        ("1|u|x", "tips.cancelled"),
        ("1|u|rr|no-such-entry|0", "expired"),
        ("1|u|rr|screening-basics|9", "expired"),
        ("1|u|sr|999|global", "expired"),
        ("1|u|zz", "expired"),
    ],
)
async def test_old_and_odd_buttons_get_a_menu(chat, data, key):
    app, request, services = chat
    answer = await Person(app, request).press(data)
    assert answer["text"].startswith(t("en", key))
    assert await services.moderation.reports() == []


async def test_a_send_from_before_an_edit_sends_nothing(chat):
    """Something else needs words: after Edit, the old Send cannot send none."""
    app, request, services = chat
    lu = Person(app, request)
    await lu.tap(await reasons_for(lu), "Something else")
    check = await lu.say("first words")
    await lu.tap(check, "Edit")
    stale = await lu.press(data_of(check, "Send"))
    assert stale["text"].startswith(t("en", "tips.stale"))
    assert await services.moderation.reports() == []
    ana = Person(app, request, 701)
    await start_tip(ana)
    check = await ana.say("my words")
    await ana.press(callbacks.encode(Op.USER, "sc", "safety"))  # back up a step
    stale = await ana.press(data_of(check, "Send"))
    assert stale["text"].startswith(t("en", "tips.stale"))
    assert await services.moderation.shared_tips() == []


async def test_an_old_reason_button_still_works(chat):
    """Reason buttons sent before the words step: pressed with no flow, they open it."""
    app, request, services = chat
    lu = Person(app, request)
    detail = await lu.press(f"1|u|rr|{ENTRY}|0")
    await lu.tap(detail, "Send without")
    (report,) = await services.moderation.reports()
    assert report.reason == "outdated"


# ----- nothing kept ------------------------------------------------------------------


async def test_nothing_of_what_was_typed_is_kept_once_a_flow_ends(chat):
    app, request, services = chat
    canary = "zebracanary"
    ana, lu = Person(app, request, 801), Person(app, request, 802)
    # A tip sent, and one cancelled (its words typed early, at the region step).
    await start_tip(ana)
    await ana.tap(await ana.say(f"sent tip {canary}1"), "Send")
    await start_tip(ana, region=False)
    await ana.say(f"cancelled tip {canary}2")
    await ana.tap(request.last(), "Cancel")
    # A report sent after an edit, and one cancelled.
    await lu.tap(await reasons_for(lu), "Out of date")
    await lu.tap(await lu.say(f"edited away {canary}3"), "Edit")
    await lu.tap(await lu.say(f"sent note {canary}4"), "Send")
    await lu.tap(await reasons_for(lu), "Something is wrong")
    await lu.tap(await lu.say(f"cancelled note {canary}5"), "Cancel")
    assert len(services.flows) == 0
    strings, _ = reachable(services)
    assert not any(canary in s for s in strings)
    assert not any(canary in s for s in reachable(copy.copy(app.bot_data))[0])
    # Only where it is meant to go: the moderators' queue.
    (tip,) = await services.moderation.shared_tips()
    (report,) = await services.moderation.reports()
    assert (tip.text, report.note) == (f"sent tip {canary}1", f"sent note {canary}4")
